// MobileBERT's config.json parsing and its HF parameter layout. The expected counts come from
// Hugging Face transformers (MobileBertModel / MobileBertForSequenceClassification with the
// default MobileBertConfig), not from this library.
#include "bfedge/models/mobilebert_config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

#include "bfedge/io/safetensors.hpp"
#include "support/test_support.hpp"

namespace bfedge::models {
namespace {

const std::string kPath = "dir/config.json";

MobileBertConfig parse_ok(const std::string& text) {
  auto r = parse_mobilebert_config(text, kPath);
  EXPECT_TRUE(r.is_ok()) << r.status().message();
  return r.is_ok() ? r.value() : MobileBertConfig{};
}

std::string parse_error(const std::string& text) {
  auto r = parse_mobilebert_config(text, kPath);
  EXPECT_FALSE(r.is_ok()) << text;
  return r.is_ok() ? std::string() : r.status().message();
}

std::map<std::string, std::vector<std::int64_t>> shapes_by_name(
    const std::vector<MobileBertTensorSpec>& specs) {
  std::map<std::string, std::vector<std::int64_t>> out;
  for (const auto& s : specs) EXPECT_TRUE(out.emplace(s.name, s.shape).second) << s.name;
  return out;
}

TEST(MobileBertConfig, EmptyObjectGivesHuggingFaceDefaults) {
  const MobileBertConfig c = parse_ok("{}");
  EXPECT_EQ(c.vocab_size, 30522);
  EXPECT_EQ(c.hidden_size, 512);
  EXPECT_EQ(c.num_hidden_layers, 24);
  EXPECT_EQ(c.num_attention_heads, 4);
  EXPECT_EQ(c.intermediate_size, 512);
  EXPECT_EQ(c.hidden_act, MobileBertActivation::relu);
  EXPECT_EQ(c.hidden_dropout_prob, 0.0);
  EXPECT_EQ(c.attention_probs_dropout_prob, 0.1);
  EXPECT_EQ(c.max_position_embeddings, 512);
  EXPECT_EQ(c.type_vocab_size, 2);
  EXPECT_EQ(c.initializer_range, 0.02);
  EXPECT_EQ(c.layer_norm_eps, 1e-12);
  EXPECT_EQ(c.pad_token_id, 0);
  EXPECT_EQ(c.embedding_size, 128);
  EXPECT_TRUE(c.trigram_input);
  EXPECT_TRUE(c.use_bottleneck);
  EXPECT_EQ(c.intra_bottleneck_size, 128);
  EXPECT_FALSE(c.use_bottleneck_attention);
  EXPECT_TRUE(c.key_query_shared_bottleneck);
  EXPECT_EQ(c.num_feedforward_networks, 4);
  EXPECT_EQ(c.normalization_type, MobileBertNormalization::no_norm);
  EXPECT_TRUE(c.classifier_activation);
  EXPECT_EQ(c.classifier_dropout, -1.0);
  EXPECT_EQ(c.true_hidden_size(), 128);
  EXPECT_EQ(c.attention_head_size(), 32);
  EXPECT_EQ(c.num_labels, 2);
  EXPECT_TRUE(c.id2label.empty());
  EXPECT_EQ(c.model_type, "mobilebert");
  // The struct's own defaults are the same as an empty config.json's.
  const MobileBertConfig d;
  EXPECT_EQ(d.vocab_size, c.vocab_size);
  EXPECT_EQ(d.true_hidden_size(), c.true_hidden_size());
  EXPECT_TRUE(validate_mobilebert_config(d, kPath).is_ok());
}

TEST(MobileBertConfig, DefaultParameterCountsMatchHuggingFace) {
  const MobileBertConfig c;
  const auto encoder = mobilebert_parameter_counts(c, MobileBertHead::encoder);
  EXPECT_EQ(encoder.total(), 24'581'888);  // MobileBertModel(add_pooling_layer=False)
  EXPECT_EQ(encoder.embeddings, 4'368'128);
  EXPECT_EQ(encoder.per_layer, 842'240);
  EXPECT_EQ(encoder.layers, 24 * 842'240);
  EXPECT_EQ(encoder.pooler, 0);
  EXPECT_EQ(encoder.classifier, 0);

  const auto pooled = mobilebert_parameter_counts(c, MobileBertHead::pooler);
  EXPECT_EQ(pooled.pooler, 512 * 512 + 512);
  EXPECT_EQ(pooled.total(), 24'581'888 + 262'656);

  const auto cls = mobilebert_parameter_counts(c, MobileBertHead::sequence_classification);
  EXPECT_EQ(cls.total(), 24'845'570);  // MobileBertForSequenceClassification, num_labels 2
  EXPECT_EQ(cls.pooler, 262'656);
  EXPECT_EQ(cls.classifier, 2 * 512 + 2);
}

TEST(MobileBertConfig, DefaultTensorNamesAndShapesFollowTheStateDict) {
  const MobileBertConfig c;
  const auto specs = mobilebert_tensor_specs(c, MobileBertHead::sequence_classification);
  const auto shapes = shapes_by_name(specs);
  using S = std::vector<std::int64_t>;
  const std::string l0 = "mobilebert.encoder.layer.0.";
  const std::map<std::string, S> expected = {
      {"mobilebert.embeddings.word_embeddings.weight", S{30522, 128}},
      {"mobilebert.embeddings.position_embeddings.weight", S{512, 512}},
      {"mobilebert.embeddings.token_type_embeddings.weight", S{2, 512}},
      {"mobilebert.embeddings.embedding_transformation.weight", S{512, 384}},
      {"mobilebert.embeddings.embedding_transformation.bias", S{512}},
      {"mobilebert.embeddings.LayerNorm.weight", S{512}},
      {"mobilebert.embeddings.LayerNorm.bias", S{512}},
      {l0 + "attention.self.query.weight", S{128, 128}},
      {l0 + "attention.self.key.weight", S{128, 128}},
      {l0 + "attention.self.value.weight", S{128, 512}},
      {l0 + "attention.self.value.bias", S{128}},
      {l0 + "attention.output.dense.weight", S{128, 128}},
      {l0 + "attention.output.LayerNorm.weight", S{128}},
      {l0 + "intermediate.dense.weight", S{512, 128}},
      {l0 + "output.dense.weight", S{128, 512}},
      {l0 + "output.LayerNorm.bias", S{128}},
      {l0 + "output.bottleneck.dense.weight", S{512, 128}},
      {l0 + "output.bottleneck.LayerNorm.weight", S{512}},
      {l0 + "bottleneck.input.dense.weight", S{128, 512}},
      {l0 + "bottleneck.input.LayerNorm.bias", S{128}},
      {l0 + "bottleneck.attention.dense.weight", S{128, 512}},
      {l0 + "bottleneck.attention.LayerNorm.weight", S{128}},
      {l0 + "ffn.0.intermediate.dense.weight", S{512, 128}},
      {l0 + "ffn.2.output.dense.weight", S{128, 512}},
      {l0 + "ffn.2.output.LayerNorm.bias", S{128}},
      {"mobilebert.encoder.layer.23.ffn.2.output.LayerNorm.weight", S{128}},
      {"mobilebert.pooler.dense.weight", S{512, 512}},
      {"mobilebert.pooler.dense.bias", S{512}},
      {"classifier.weight", S{2, 512}},
      {"classifier.bias", S{2}},
  };
  for (const auto& [name, shape] : expected) {
    const auto it = shapes.find(name);
    ASSERT_NE(it, shapes.end()) << name;
    EXPECT_EQ(it->second, shape) << name;
  }
  EXPECT_EQ(shapes.count(l0 + "ffn.3.output.dense.weight"), 0u);
  EXPECT_EQ(shapes.count("mobilebert.encoder.layer.24.output.dense.weight"), 0u);
  // 7 embedding tensors; 46 per layer: 16 (attention, intermediate, output) + 12 (three
  // bottleneck linears with their norms) + 18 (three extra FFNs); pooler and classifier 2 + 2.
  EXPECT_EQ(specs.size(), 7u + 24u * 46u + 4u);
  EXPECT_EQ(specs.front().name, "mobilebert.embeddings.word_embeddings.weight");
  EXPECT_EQ(specs.back().name, "classifier.bias");

  // A bare MobileBertModel has no prefix.
  const auto bare = mobilebert_tensor_specs(c, MobileBertHead::pooler);
  EXPECT_EQ(bare.front().name, "embeddings.word_embeddings.weight");
  EXPECT_EQ(bare.back().name, "pooler.dense.bias");
}

TEST(MobileBertConfig, CheckpointStyleConfigParses) {
  const MobileBertConfig c = parse_ok(R"({
    "_name_or_path": "google/mobilebert-uncased",
    "architectures": ["MobileBertForSequenceClassification"],
    "attention_probs_dropout_prob": 0.1, "classifier_activation": false,
    "classifier_dropout": null, "embedding_size": 128, "hidden_act": "relu",
    "hidden_dropout_prob": 0.0, "hidden_size": 512,
    "id2label": {"0": "negative", "1": "neutral", "2": "positive"},
    "label2id": {"negative": 0, "neutral": 1, "positive": 2},
    "initializer_range": 0.02, "intermediate_size": 512, "intra_bottleneck_size": 128,
    "key_query_shared_bottleneck": true, "layer_norm_eps": 1e-12,
    "max_position_embeddings": 512, "model_type": "mobilebert", "normalization_type": "no_norm",
    "num_attention_heads": 4, "num_feedforward_networks": 4, "num_hidden_layers": 24,
    "pad_token_id": 0, "problem_type": "single_label_classification", "torch_dtype": "float32",
    "transformers_version": "4.44.2", "trigram_input": true, "true_hidden_size": 128,
    "type_vocab_size": 2, "use_bottleneck": true, "use_bottleneck_attention": false,
    "vocab_size": 30522})");
  EXPECT_EQ(c.num_labels, 3);
  EXPECT_EQ(c.id2label, (std::vector<std::string>{"negative", "neutral", "positive"}));
  EXPECT_EQ(c.architectures, std::vector<std::string>{"MobileBertForSequenceClassification"});
  EXPECT_FALSE(c.classifier_activation);
  const auto counts = mobilebert_parameter_counts(c, MobileBertHead::sequence_classification);
  EXPECT_EQ(counts.pooler, 0);  // classifier_activation false: the pooler has no dense layer
  EXPECT_EQ(counts.classifier, 3 * 512 + 3);
  EXPECT_EQ(counts.total(), 24'581'888 + 3 * 512 + 3);
}

TEST(MobileBertConfig, LayerNormWithoutBottleneck) {
  const MobileBertConfig c = parse_ok(R"({"normalization_type": "layer_norm",
    "use_bottleneck": false, "trigram_input": false, "embedding_size": 64, "hidden_size": 96,
    "num_attention_heads": 3, "intermediate_size": 200, "num_feedforward_networks": 2,
    "num_hidden_layers": 2, "vocab_size": 100, "max_position_embeddings": 32,
    "hidden_act": "gelu", "num_labels": 5, "layer_norm_eps": 1e-5})");
  EXPECT_EQ(c.normalization_type, MobileBertNormalization::layer_norm);
  EXPECT_EQ(c.hidden_act, MobileBertActivation::gelu);
  EXPECT_EQ(c.true_hidden_size(), 96);
  EXPECT_EQ(c.num_labels, 5);
  const auto specs = mobilebert_tensor_specs(c, MobileBertHead::sequence_classification);
  const auto shapes = shapes_by_name(specs);
  using S = std::vector<std::int64_t>;
  EXPECT_EQ(shapes.at("mobilebert.embeddings.embedding_transformation.weight"), (S{96, 64}));
  EXPECT_EQ(shapes.at("mobilebert.encoder.layer.1.attention.self.value.weight"), (S{96, 96}));
  EXPECT_EQ(shapes.at("mobilebert.encoder.layer.1.ffn.0.output.dense.weight"), (S{96, 200}));
  for (const auto& s : specs) {
    EXPECT_EQ(s.name.find("bottleneck"), std::string::npos) << s.name;
    EXPECT_EQ(s.name.find("ffn.1."), std::string::npos) << s.name;
  }
  // By hand: linear(i, o) = i*o + o, norm(n) = 2n.
  const auto lin = [](std::int64_t i, std::int64_t o) { return i * o + o; };
  const std::int64_t emb = 100 * 64 + 32 * 96 + 2 * 96 + lin(64, 96) + 2 * 96;
  const std::int64_t layer = 4 * lin(96, 96) + 2 * 96 + 2 * (lin(96, 200) + lin(200, 96) + 2 * 96);
  const auto counts = mobilebert_parameter_counts(c, MobileBertHead::sequence_classification);
  EXPECT_EQ(counts.embeddings, emb);
  EXPECT_EQ(counts.per_layer, layer);
  EXPECT_EQ(counts.layers, 2 * layer);
  EXPECT_EQ(counts.pooler, lin(96, 96));
  EXPECT_EQ(counts.classifier, lin(96, 5));
}

TEST(MobileBertConfig, BottleneckAttentionFeedsValueFromTheBottleneck) {
  const MobileBertConfig c = parse_ok(R"({"use_bottleneck_attention": true,
    "key_query_shared_bottleneck": false, "num_hidden_layers": 1})");
  const auto shapes = shapes_by_name(mobilebert_tensor_specs(c, MobileBertHead::encoder));
  EXPECT_EQ(shapes.at("encoder.layer.0.attention.self.value.weight"),
            (std::vector<std::int64_t>{128, 128}));
  EXPECT_EQ(shapes.count("encoder.layer.0.bottleneck.input.dense.weight"), 1u);
  EXPECT_EQ(shapes.count("encoder.layer.0.bottleneck.attention.dense.weight"), 0u);
}

TEST(MobileBertConfig, RefusedFieldsNameTheFileAndTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"hidden_act": "tanh"})",
       "dir/config.json: hidden_act: \"tanh\" is not supported (supported: \"relu\", \"gelu\")"},
      {R"({"normalization_type": "batch_norm"})",
       "dir/config.json: normalization_type: \"batch_norm\" is not supported (supported: "
       "\"no_norm\", \"layer_norm\")"},
      {R"({"use_bottleneck": true, "use_bottleneck_attention": false,
           "key_query_shared_bottleneck": false})",
       "dir/config.json: key_query_shared_bottleneck: false with use_bottleneck true and "
       "use_bottleneck_attention false is not supported (query and key of input "
       "true_hidden_size would read the unprojected hidden states; Hugging Face fails on it "
       "too)"},
      {R"({"position_embedding_type": "relative_key"})",
       "dir/config.json: position_embedding_type: unknown field (not a MobileBERT setting bfedge "
       "knows; it may change the architecture)"},
      {R"({"is_decoder": true})",
       "dir/config.json: is_decoder: true is not supported (HF would apply a causal attention "
       "mask)"},
      {R"({"pruned_heads": {"0": [1]}})",
       "dir/config.json: pruned_heads: pruned attention heads are not supported"},
      {R"({"model_type": "bert"})", "dir/config.json: model_type: \"bert\" is not \"mobilebert\""},
      {R"({"true_hidden_size": 512})",
       "dir/config.json: true_hidden_size: 512 disagrees with the derived 128 "
       "(intra_bottleneck_size)"},
      {R"({"num_labels": 3, "id2label": {"0": "a", "1": "b"}})",
       "dir/config.json: num_labels: 3 disagrees with id2label's 2 labels"},
      {R"({"num_attention_heads": 3})",
       "dir/config.json: num_attention_heads: 3 does not divide true_hidden_size 128"},
      {R"({"pad_token_id": 30522})",
       "dir/config.json: pad_token_id: 30522 is not below vocab_size 30522"},
      {R"({"layer_norm_eps": 0})",
       "dir/config.json: layer_norm_eps: must be a positive finite number"},
      {R"({"hidden_size": -512})", "dir/config.json: hidden_size: -512 is outside [1, 1048576]"},
      {R"({"num_hidden_layers": 0})", "dir/config.json: num_hidden_layers: 0 is outside [1, 4096]"},
      {R"({"vocab_size": 99999999999999999999})",
       "dir/config.json: vocab_size: expected an integer, got a floating-point number"},
      {R"({"hidden_size": 512, "hidden_size": 256})",
       "dir/config.json: hidden_size: appears twice"},
  };
  for (const auto& [text, message] : cases) EXPECT_EQ(parse_error(text), message);
}

TEST(MobileBertConfig, MalformedJsonAndWrongTypesNameTheFile) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"hidden_size": 512,)",
       "dir/config.json: not valid JSON (syntax error at byte 21 near \"512,\")"},
      {"", "dir/config.json: not valid JSON (syntax error at byte 1)"},
      {"[1, 2]", "dir/config.json: expected a JSON object, got an array"},
      {R"({"hidden_size": "512"})",
       "dir/config.json: hidden_size: expected an integer, got a string"},
      {R"({"hidden_size": 512.0})",
       "dir/config.json: hidden_size: expected an integer, got a floating-point number"},
      {R"({"trigram_input": 1})",
       "dir/config.json: trigram_input: expected true or false, got an integer"},
      {R"({"hidden_act": null})", "dir/config.json: hidden_act: expected a string, got null"},
      {R"({"layer_norm_eps": "1e-12"})",
       "dir/config.json: layer_norm_eps: expected a number, got a string"},
      {R"({"hidden_dropout_prob": true})",
       "dir/config.json: hidden_dropout_prob: expected a number, got a boolean"},
      {R"({"id2label": {"1": "a"}})",
       "dir/config.json: id2label: key \"1\" is not one of \"0\" .. \"0\""},
      {R"({"id2label": {"0": 7}})",
       "dir/config.json: id2label: value of \"0\" is an integer, expected a string"},
      {R"({"id2label": ["a"]})", "dir/config.json: id2label: expected an object, got an array"},
      {R"({"architectures": [1]})",
       "dir/config.json: architectures: element is an integer, expected a string"},
  };
  for (const auto& [text, message] : cases) EXPECT_EQ(parse_error(text), message);
}

TEST(MobileBertConfig, LoadNamesThePath) {
  test::TempDir dir;
  const std::string path = dir.file("config.json");
  auto missing = load_mobilebert_config(path);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().message().rfind(path + ": ", 0), 0u) << missing.status().message();

  std::ofstream(path) << "{\"vocab_size\": 1000,";
  auto bad = load_mobilebert_config(path);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().message().rfind(path + ": not valid JSON", 0), 0u)
      << bad.status().message();

  std::ofstream(path) << R"({"vocab_size": 1000, "num_hidden_layers": 2})";
  auto good = load_mobilebert_config(path);
  ASSERT_TRUE(good.is_ok()) << good.status().message();
  EXPECT_EQ(good.value().vocab_size, 1000);
  EXPECT_EQ(good.value().num_hidden_layers, 2);
}

TEST(MobileBertConfig, IgnoredKeysAreAcceptedAndUnique) {
  std::set<std::string_view> seen;
  for (std::string_view key : mobilebert_ignored_keys()) {
    EXPECT_TRUE(seen.insert(key).second) << key;
    if (key == "model_type" || key == "architectures" || key == "id2label" || key == "label2id") {
      continue;  // typed fields, tested above
    }
    std::string text = "{\"" + std::string(key) + "\": null}";
    if (key.find("dropout") != std::string_view::npos || key == "initializer_range") {
      text = "{\"" + std::string(key) + "\": 0.1}";
    }
    EXPECT_TRUE(parse_mobilebert_config(text, kPath).is_ok()) << key;
  }
}

// A small MobileBERT's tensors (zeros), as a safetensors file would hold them.
std::vector<io::SafetensorsTensor> tensors_for(const MobileBertConfig& c, MobileBertHead head) {
  std::vector<io::SafetensorsTensor> out;
  for (const MobileBertTensorSpec& s : mobilebert_tensor_specs(c, head)) {
    out.push_back({s.name, io::TensorDtype::bf16, s.shape,
                   std::vector<std::byte>(static_cast<std::size_t>(s.elements()) * 2)});
  }
  return out;
}

std::string check(const MobileBertConfig& c, const std::vector<io::SafetensorsTensor>& tensors,
                  MobileBertHead* detected = nullptr) {
  auto bytes = io::encode_safetensors(tensors);
  EXPECT_TRUE(bytes.is_ok());
  auto table = io::parse_safetensors(bytes.value(), "m.safetensors");
  EXPECT_TRUE(table.is_ok()) << table.status().message();
  const MobileBertHead head = mobilebert_head_of(table.value());
  if (detected != nullptr) *detected = head;
  const Status s = check_mobilebert_tensors(c, head, table.value(), "m.safetensors");
  return s.is_ok() ? "ok" : s.message();
}

TEST(MobileBertTensors, CheckpointTensorsAreCheckedByNameAndShape) {
  const MobileBertConfig c = parse_ok(R"({"vocab_size": 10, "hidden_size": 16,
    "intra_bottleneck_size": 8, "embedding_size": 4, "intermediate_size": 12,
    "num_hidden_layers": 2, "num_attention_heads": 2, "max_position_embeddings": 6})");
  MobileBertHead head = MobileBertHead::encoder;
  auto tensors = tensors_for(c, MobileBertHead::sequence_classification);
  EXPECT_EQ(check(c, tensors, &head), "ok");
  EXPECT_EQ(head, MobileBertHead::sequence_classification);
  EXPECT_EQ(check(c, tensors_for(c, MobileBertHead::pooler), &head), "ok");
  EXPECT_EQ(head, MobileBertHead::pooler);
  EXPECT_EQ(check(c, tensors_for(c, MobileBertHead::encoder), &head), "ok");
  EXPECT_EQ(head, MobileBertHead::encoder);

  auto with_buffer = tensors;  // older HF versions saved the position_ids buffer
  with_buffer.push_back({"mobilebert.embeddings.position_ids",
                         io::TensorDtype::f32,
                         {1, 6},
                         std::vector<std::byte>(24)});
  EXPECT_EQ(check(c, with_buffer), "ok");

  auto missing = tensors;
  missing.erase(missing.begin() + 10, missing.begin() + 13);
  EXPECT_EQ(check(c, missing),
            "m.safetensors: missing tensor \"" + tensors[10].name + "\" (and 2 more)");

  auto unknown = tensors;
  unknown.push_back(
      {"cls.predictions.bias", io::TensorDtype::bf16, {10}, std::vector<std::byte>(20)});
  EXPECT_EQ(check(c, unknown),
            "m.safetensors: unknown tensor \"cls.predictions.bias\" for this config.json's "
            "MobileBERT");

  auto reshaped = tensors;
  reshaped[0].shape = {4, 10};
  EXPECT_EQ(check(c, reshaped),
            "m.safetensors: tensor \"mobilebert.embeddings.word_embeddings.weight\" has shape "
            "[4, 10], config.json implies [10, 4]");
}

}  // namespace
}  // namespace bfedge::models

namespace bfedge::models {
namespace {

TEST(MobileBertConfigJson, WritesWhatParseReadsBack) {
  MobileBertConfig c;
  c.num_hidden_layers = 3;
  c.hidden_act = MobileBertActivation::gelu;
  c.normalization_type = MobileBertNormalization::layer_norm;
  c.layer_norm_eps = 1e-7;
  c.trigram_input = false;
  c.use_bottleneck_attention = true;
  c.key_query_shared_bottleneck = false;
  c.classifier_activation = false;
  c.pad_token_id = -1;
  c.classifier_dropout = 0.25;
  c.id2label = {"negative", "neutral", "positive"};
  c.num_labels = 3;
  const std::string text = mobilebert_config_json(c);
  auto parsed = parse_mobilebert_config(text, "config.json");
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().message() << "\n" << text;
  const MobileBertConfig& p = parsed.value();
  EXPECT_EQ(mobilebert_config_json(p), text);
  EXPECT_EQ(p.num_hidden_layers, 3);
  EXPECT_EQ(p.hidden_act, MobileBertActivation::gelu);
  EXPECT_EQ(p.normalization_type, MobileBertNormalization::layer_norm);
  EXPECT_EQ(p.layer_norm_eps, 1e-7);
  EXPECT_FALSE(p.trigram_input);
  EXPECT_TRUE(p.use_bottleneck_attention);
  EXPECT_FALSE(p.key_query_shared_bottleneck);
  EXPECT_FALSE(p.classifier_activation);
  EXPECT_EQ(p.pad_token_id, -1);
  EXPECT_EQ(p.num_labels, 3);
  EXPECT_EQ(p.id2label, c.id2label);
}

TEST(MobileBertConfigJson, DefaultsRoundTripWithNumLabels) {
  MobileBertConfig c;
  c.num_labels = 5;
  auto parsed = parse_mobilebert_config(mobilebert_config_json(c), "config.json");
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().message();
  EXPECT_EQ(parsed.value().num_labels, 5);
  EXPECT_EQ(mobilebert_config_json(parsed.value()), mobilebert_config_json(c));
}

}  // namespace
}  // namespace bfedge::models

namespace bfedge::models {
namespace {

TEST(MobileBertConfigOverrides, SetsFieldsAndChecksThem) {
  const std::vector<std::string> good = {"num_hidden_layers=4", "hidden_act=gelu", "use_bottleneck_attention=true",
                                         "layer_norm_eps=1e-6"};
  auto c = mobilebert_config_with_overrides(MobileBertConfig{}, good);
  ASSERT_TRUE(c.is_ok()) << c.status().message();
  EXPECT_EQ(c.value().num_hidden_layers, 4);
  EXPECT_EQ(c.value().hidden_act, MobileBertActivation::gelu);
  EXPECT_TRUE(c.value().use_bottleneck_attention);
  EXPECT_EQ(c.value().layer_norm_eps, 1e-6);

  const auto error = [](std::string item) {
    const std::vector<std::string> one = {item};
    auto r = mobilebert_config_with_overrides(MobileBertConfig{}, one);
    return r.is_ok() ? std::string("ok") : r.status().message();
  };
  EXPECT_EQ(error("num_hidden_layers"), "--set num_hidden_layers: expected KEY=VALUE");
  EXPECT_NE(error("num_hidden_layers=x").find("--set num_hidden_layers=x: num_hidden_layers:"), std::string::npos)
      << error("num_hidden_layers=x");
  EXPECT_NE(error("rotary=true").find("--set rotary=true: rotary: unknown field"), std::string::npos) << error("rotary=true");
  EXPECT_EQ(error("num_labels=5"), "ok");
}

}  // namespace
}  // namespace bfedge::models
