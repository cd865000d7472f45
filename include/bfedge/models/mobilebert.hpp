// MobileBERT's forward pass: Hugging Face MobileBertForSequenceClassification in eval mode (no
// dropout), as bfedge's own code. The FP32 path here is the reference the BF16 and MCU paths are
// held to; it is written to read like the modeling code, not to be fast (it allocates).
//
// Per sequence of `seq` tokens (H = hidden_size, T = true_hidden_size, E = embedding_size):
//   embeddings   e_t = word_embeddings[id_t]                                  (E)
//                trigram: x_t = [e_{t+1}, e_t, e_{t-1}] (zeros past either end; padding tokens
//                are ordinary positions) → embedding_transformation → (H), applied when
//                trigram_input or E != H
//                h = norm(x_t + position_embeddings[t] + token_type_embeddings[type_t])
//                (the embedding norm's LayerNorm eps is PyTorch's default 1e-5)
//   each layer   layer_input = bottleneck.input(h)            dense H→T + norm(eps)
//                q = k = bottleneck.attention(h), v = h        (key_query_shared_bottleneck)
//                q = k = v = layer_input                       (use_bottleneck_attention)
//                q = k = v = layer_input = h                   (no bottleneck)
//                a = softmax(q·kᵀ/√head_size + mask_bias)·v per head (mask_bias below)
//                a = norm(attention.output.dense(a) + layer_input)            (eps)
//                for each extra FFN k: a = norm(ffn.k.output.dense(act(ffn.k.intermediate(a))) + a)
//                o = norm(output.dense(act(intermediate(a))) + a)             (eps 1e-5)
//                h = norm(output.bottleneck.dense(o) + h)                     (eps; use_bottleneck)
//                h = o                                                        (no bottleneck)
//   head         pooled = tanh(pooler.dense(h_0)) (classifier_activation) or h_0 (first token)
//                logits = classifier(pooled)
// mask_bias, the additive attention mask, is (1 − mask) · torch.finfo(float32).min = −3.4028235e38,
// as HF's get_extended_attention_mask makes it. norm is NoNorm (x · w + b) or LayerNorm (biased
// variance).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/io/tensor_table.hpp"
#include "bfedge/models/mobilebert_config.hpp"

namespace bfedge::models {

// nn.Linear: weight (out, in) row-major, bias (out).
template <class T>
struct MobileBertLinear {
  std::vector<T> weight;
  std::vector<T> bias;
};

// LayerNorm or NoNorm: weight and bias (features), FP32 in every precision: the BF16 graph keeps
// them FP32 too (kernels/norm.hpp says why).
struct MobileBertNorm {
  std::vector<float> weight;
  std::vector<float> bias;
};

// One of the num_feedforward_networks - 1 extra FFNs (ffn.K).
template <class T>
struct MobileBertFfnWeights {
  MobileBertLinear<T> intermediate;  // (I, T)
  MobileBertLinear<T> output;        // (T, I)
  MobileBertNorm output_norm;     // (T), eps layer_norm_eps
};

template <class T>
struct MobileBertLayerWeights {
  MobileBertLinear<T> bottleneck_input;         // (intra_bottleneck, H)   use_bottleneck
  MobileBertNorm bottleneck_input_norm;      // (intra_bottleneck)
  MobileBertLinear<T> bottleneck_attention;     // (intra_bottleneck, H)   + key_query_shared
  MobileBertNorm bottleneck_attention_norm;  // (intra_bottleneck)
  MobileBertLinear<T> query;                    // (T, T)
  MobileBertLinear<T> key;                      // (T, T)
  MobileBertLinear<T> value;                    // (T, use_bottleneck_attention ? T : H)
  MobileBertLinear<T> attention_output;         // (T, T)
  MobileBertNorm attention_norm;             // (T), eps layer_norm_eps
  std::vector<MobileBertFfnWeights<T>> ffn;     // num_feedforward_networks - 1
  MobileBertLinear<T> intermediate;             // (I, T)
  MobileBertLinear<T> output;                   // (T, I)
  MobileBertNorm output_norm;                // (T), eps 1e-5 (HF passes no eps)
  MobileBertLinear<T> output_bottleneck;        // (H, T)                   use_bottleneck
  MobileBertNorm output_bottleneck_norm;     // (H), eps layer_norm_eps
};

// Every tensor of mobilebert_tensor_specs(config, MobileBertHead::sequence_classification);
// tensors a config does not have stay empty.
template <class T>
struct MobileBertWeights {
  std::vector<T> word_embeddings;                 // (vocab_size, E)
  std::vector<T> position_embeddings;             // (max_position_embeddings, H)
  std::vector<T> token_type_embeddings;           // (type_vocab_size, H)
  MobileBertLinear<T> embedding_transformation;   // (H, E * (trigram_input ? 3 : 1))
  MobileBertNorm embedding_norm;               // (H), eps 1e-5 (HF passes no eps)
  std::vector<MobileBertLayerWeights<T>> layers;  // num_hidden_layers
  MobileBertLinear<T> pooler;                     // (H, H)   classifier_activation
  MobileBertLinear<T> classifier;                 // (num_labels, H)
};

// PyTorch's LayerNorm eps where HF's MobileBERT passes none (embeddings, output.LayerNorm).
inline constexpr double kMobileBertDefaultNormEps = 1e-5;

// The weights of a MobileBertForSequenceClassification checkpoint, by HF name, converted to f32
// (F32, BF16 and F16 entries). The table is checked first with check_mobilebert_tensors, so a
// missing, unknown or mis-shaped tensor is named; a non-finite value is refused by tensor name.
// `source` (the file) starts every error.
Result<MobileBertWeights<float>> mobilebert_weights_from_table(const MobileBertConfig& config,
                                                               const io::TensorTable& table,
                                                               const std::string& source);

// Seeded weights shaped as HF's init (_init_weights): Linear and Embedding weights
// N(0, initializer_range); norms weight 1 and bias 0, here with 2 % noise so that a swapped weight
// and bias shows; biases N(0, initializer_range) instead of zeros for the same reason. For tests
// and `bfedge bench mobilebert` without a checkpoint.
MobileBertWeights<float> mobilebert_random_weights(const MobileBertConfig& config, std::uint32_t seed);

struct MobileBertModel {
  MobileBertConfig config;
  MobileBertWeights<float> weights;
};

// Reads dir/config.json and dir/model.safetensors (sequence classification head).
Result<MobileBertModel> load_mobilebert(const std::string& dir);

// Inputs of one forward call: row-major (batch, seq) each.
struct MobileBertInputs {
  std::span<const int> input_ids;       // each in [0, vocab_size)
  std::span<const int> attention_mask;  // 1 = attend, 0 = padding; empty = all ones
  std::span<const int> token_type_ids;  // each in [0, type_vocab_size); empty = all zeros
  int batch = 1;
  int seq = 1;  // 1 <= seq <= max_position_embeddings
};

// The checks every forward makes: batch, seq within max_position_embeddings, each span's size
// (batch · seq, or empty where optional) and each value's range.
Status check_mobilebert_inputs(const MobileBertConfig& config, const MobileBertInputs& inputs);

struct MobileBertOutputs {
  std::vector<float> logits;  // (batch, num_labels)
  // When asked for: HF's hidden_states, the embeddings' output then each layer's output,
  // num_hidden_layers + 1 entries of (batch, seq, H).
  std::vector<std::vector<float>> hidden_states;
};

// The FP32 reference forward pass (float storage, float accumulation in every dot product as
// PyTorch's CPU float32 path; norm statistics and softmax sums in double).
Result<MobileBertOutputs> mobilebert_forward_f32(const MobileBertConfig& config,
                                                 const MobileBertWeights<float>& weights,
                                                 const MobileBertInputs& inputs,
                                                 bool keep_hidden_states = false);

}  // namespace bfedge::models
