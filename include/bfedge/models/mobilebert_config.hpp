// MobileBERT (Sun et al., 2020) as Hugging Face transformers defines it: the configuration read
// from a checkpoint's config.json and the exact parameter layout of its state_dict.
//
// config.json is a JSON object. The fields below mirror HF's MobileBertConfig, with HF's defaults
// for absent keys. Keys are sorted into three sets:
//   - architecture fields, parsed and checked (type, range, what bfedge supports);
//   - harmless fields (dropout probabilities, initializer_range, torch_dtype, id2label names...),
//     listed by mobilebert_ignored_keys(): read for their type at most, never change the
//     arithmetic;
//   - anything else: refused, since an unknown key may change the architecture.
// Every error is one line "<path>: <field>: <what is wrong>".
//
// Parameter layout (PyTorch nn.Linear weights are (out_features, in_features); H = hidden_size,
// T = true_hidden_size = use_bottleneck ? intra_bottleneck_size : H, E = embedding_size,
// I = intermediate_size, norms are LayerNorm or NoNorm, both with weight and bias):
//   embeddings.word_embeddings.weight          (vocab_size, E)
//   embeddings.position_embeddings.weight      (max_position_embeddings, H)
//   embeddings.token_type_embeddings.weight    (type_vocab_size, H)
//   embeddings.embedding_transformation        Linear(E * (trigram_input ? 3 : 1) -> H)
//   embeddings.LayerNorm                       norm(H)
//   per layer N, under encoder.layer.N.:
//     attention.self.query / key               Linear(T -> T)
//     attention.self.value                     Linear((use_bottleneck_attention ? T : H) -> T)
//     attention.output.dense                   Linear(T -> T), attention.output.LayerNorm norm(T)
//     intermediate.dense                       Linear(T -> I)
//     output.dense                             Linear(I -> T), output.LayerNorm norm(T)
//     output.bottleneck.dense                  Linear(T -> H), output.bottleneck.LayerNorm norm(H)
//                                              (use_bottleneck only)
//     bottleneck.input.dense                   Linear(H -> intra_bottleneck_size) + LayerNorm
//                                              (use_bottleneck only)
//     bottleneck.attention.dense               same shapes (use_bottleneck &&
//                                              key_query_shared_bottleneck)
//     ffn.K.intermediate.dense                 Linear(T -> I), K = 0 .. num_feedforward_networks-2
//     ffn.K.output.dense                       Linear(I -> T), ffn.K.output.LayerNorm norm(T)
//   pooler.dense                               Linear(H -> H) (classifier_activation only)
//   classifier                                 Linear(H -> num_labels) (sequence classification)
// Inside MobileBertForSequenceClassification every name but classifier.* has the prefix
// "mobilebert."; a bare MobileBertModel's state_dict has no prefix.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/io/tensor_table.hpp"

namespace bfedge::models {

enum class MobileBertActivation { relu, gelu };  // hidden_act "relu" / "gelu" (erf form)
enum class MobileBertNormalization { no_norm, layer_norm };  // x * w + b / LayerNorm(eps)

const char* mobilebert_activation_name(MobileBertActivation a);
const char* mobilebert_normalization_name(MobileBertNormalization n);

struct MobileBertConfig {
  // Architecture (HF MobileBertConfig defaults).
  int vocab_size = 30522;
  int hidden_size = 512;
  int num_hidden_layers = 24;
  int num_attention_heads = 4;
  int intermediate_size = 512;
  MobileBertActivation hidden_act = MobileBertActivation::relu;
  int max_position_embeddings = 512;
  int type_vocab_size = 2;
  double layer_norm_eps = 1e-12;
  int pad_token_id = 0;  // -1 when config.json says null
  int embedding_size = 128;
  bool trigram_input = true;
  bool use_bottleneck = true;
  int intra_bottleneck_size = 128;
  bool use_bottleneck_attention = false;
  bool key_query_shared_bottleneck = true;
  int num_feedforward_networks = 4;
  MobileBertNormalization normalization_type = MobileBertNormalization::no_norm;
  bool classifier_activation = true;  // the pooler's dense + tanh
  int num_labels = 2;                 // len(id2label) when given, else num_labels, else 2

  // Harmless for inference; kept so `inspect` can show them.
  double hidden_dropout_prob = 0.0;
  double attention_probs_dropout_prob = 0.1;
  double initializer_range = 0.02;
  double classifier_dropout = -1.0;   // -1 when absent or null (HF: None)
  std::vector<std::string> id2label;  // label names by index; empty when config.json has none
  std::vector<std::string> architectures;
  std::string model_type = "mobilebert";

  int true_hidden_size() const { return use_bottleneck ? intra_bottleneck_size : hidden_size; }
  int attention_head_size() const { return true_hidden_size() / num_attention_heads; }
};

// Largest accepted value for any single dimension; anything above is treated as corrupt input.
inline constexpr int kMaxMobileBertDimension = 1 << 20;
// Largest accepted layer, FFN-stack and label counts.
inline constexpr int kMaxMobileBertLayers = 4096;
inline constexpr int kMaxMobileBertLabels = 1 << 20;

// HF config.json keys that do not change inference: accepted, at most type-checked, otherwise
// not interpreted (dropout, initialisation, dtype, output and generation switches, label names).
std::span<const std::string_view> mobilebert_ignored_keys();

// Parses config.json text. `source` (the file path) starts every error line.
Result<MobileBertConfig> parse_mobilebert_config(std::string_view json_text,
                                                 const std::string& source);
// Reads and parses a config.json file (at most 1 MiB).
Result<MobileBertConfig> load_mobilebert_config(const std::string& path);
// config.json text for `config` in HF's layout (save_pretrained's keys, sorted, 2-space indent):
// parse_mobilebert_config reads it back to an equal config. id2label and label2id are written
// when the config has label names.
std::string mobilebert_config_json(const MobileBertConfig& config);
// `config` with "key=value" overrides (config.json keys; the value is read as JSON, else as a
// string: hidden_act=gelu, num_hidden_layers=4, use_bottleneck=false), checked as config.json
// is. Errors name the override ("--set num_hidden_layers=x: ...").
Result<MobileBertConfig> mobilebert_config_with_overrides(const MobileBertConfig& config,
                                                          std::span<const std::string> overrides);
// The checks parse_mobilebert_config makes on values: ranges, divisibility, supported combinations.
Status validate_mobilebert_config(const MobileBertConfig& config, const std::string& source);

// Which HF module's state_dict a tensor list describes.
enum class MobileBertHead {
  encoder,                  // MobileBertModel(add_pooling_layer=False): no prefix
  pooler,                   // MobileBertModel(): no prefix, pooler.dense when classifier_activation
  sequence_classification,  // MobileBertForSequenceClassification: "mobilebert." + classifier
};

enum class MobileBertComponent { embeddings, layer, pooler, classifier };
const char* mobilebert_component_name(MobileBertComponent c);

struct MobileBertTensorSpec {
  std::string name;                 // HF state_dict name
  std::vector<std::int64_t> shape;  // PyTorch shape
  MobileBertComponent component;
  int layer = -1;  // encoder layer for MobileBertComponent::layer

  std::int64_t elements() const;
};

// Every parameter of `head` for `config` (valid), in HF's module registration order.
std::vector<MobileBertTensorSpec> mobilebert_tensor_specs(const MobileBertConfig& config,
                                                          MobileBertHead head);

struct MobileBertParameterCounts {
  std::int64_t embeddings = 0;
  std::int64_t per_layer = 0;  // one encoder layer
  std::int64_t layers = 0;     // per_layer * num_hidden_layers
  std::int64_t pooler = 0;
  std::int64_t classifier = 0;

  std::int64_t total() const { return embeddings + layers + pooler + classifier; }
};

// Counts summed from mobilebert_tensor_specs, per component.
MobileBertParameterCounts mobilebert_parameter_counts(const MobileBertConfig& config,
                                                      MobileBertHead head);

// The head a checkpoint's tensors hold: sequence_classification when "classifier.weight" is
// there, pooler when "pooler.dense.weight" is, encoder otherwise.
MobileBertHead mobilebert_head_of(const io::TensorTable& table);

// Checks a checkpoint's tensors against mobilebert_tensor_specs(config, head): every tensor present
// with its shape, none unknown ("embeddings.position_ids", a buffer older HF versions saved, is
// allowed). Errors name `source` and the first offending tensor, and say how many more there are.
Status check_mobilebert_tensors(const MobileBertConfig& config, MobileBertHead head,
                                const io::TensorTable& table, const std::string& source);

}  // namespace bfedge::models
