#include "bfedge/train/mobilebert_module.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "bfedge/models/mobilebert.hpp"
#include "bfedge/train/mobilebert_export.hpp"
#include "support/test_support.hpp"

namespace bfedge::train {
namespace {

using models::MobileBertConfig;
using models::MobileBertHead;

MobileBertConfig small_config() {
  MobileBertConfig c;
  c.vocab_size = 40;
  c.hidden_size = 32;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 2;
  c.intermediate_size = 24;
  c.max_position_embeddings = 16;
  c.embedding_size = 8;
  c.intra_bottleneck_size = 16;
  c.num_feedforward_networks = 3;
  c.num_labels = 3;
  return c;
}

std::map<std::string, std::vector<std::int64_t>> module_shapes(MobileBertClassifier& m) {
  std::map<std::string, std::vector<std::int64_t>> out;
  for (const auto& p : m->named_parameters()) out[p.key()] = p.value().sizes().vec();
  return out;
}

std::map<std::string, std::vector<std::int64_t>> spec_shapes(const MobileBertConfig& c) {
  std::map<std::string, std::vector<std::int64_t>> out;
  for (const auto& s : models::mobilebert_tensor_specs(c, MobileBertHead::sequence_classification)) out[s.name] = s.shape;
  return out;
}

TEST(MobileBertModule, ParameterNamesAndShapesAreHuggingFaces) {
  MobileBertConfig def;  // HF defaults: 24,845,570 parameters with pooler and classifier
  MobileBertClassifier m(def);
  EXPECT_EQ(module_shapes(m), spec_shapes(def));
  std::int64_t count = 0;
  for (const auto& p : m->parameters()) count += p.numel();
  EXPECT_EQ(count, 24'845'570);

  for (int variant = 0; variant < 4; ++variant) {
    MobileBertConfig c = small_config();
    c.use_bottleneck_attention = variant == 1;
    c.key_query_shared_bottleneck = variant != 2;
    c.use_bottleneck = variant != 3;
    c.trigram_input = variant != 2;
    c.classifier_activation = variant != 1;
    c.num_feedforward_networks = variant == 3 ? 1 : 3;
    MobileBertClassifier v(c);
    EXPECT_EQ(module_shapes(v), spec_shapes(c)) << "variant " << variant;
  }
}

TEST(MobileBertModule, InitialisationIsHuggingFaces) {
  torch::manual_seed(1);
  MobileBertClassifier m(small_config());
  for (const auto& p : m->named_parameters()) {
    const std::string& name = p.key();
    const torch::Tensor& v = p.value();
    if (name.find("LayerNorm.weight") != std::string::npos) {
      EXPECT_TRUE(torch::all(v == 1).item<bool>()) << name;
    } else if (name.ends_with(".bias")) {
      EXPECT_TRUE(torch::all(v == 0).item<bool>()) << name;
    }
  }
  const auto word = m->named_parameters()["mobilebert.embeddings.word_embeddings.weight"];
  EXPECT_TRUE(torch::all(word[0] == 0).item<bool>());  // the [PAD] row
  EXPECT_NEAR(word.index({torch::indexing::Slice(1)}).std().item<double>(), 0.02, 0.004);
}

double nmse(const torch::Tensor& a, const std::vector<float>& reference) {
  const auto r = torch::from_blob(const_cast<float*>(reference.data()), {static_cast<std::int64_t>(reference.size())},
                                  torch::kFloat).to(torch::kDouble);
  const auto x = a.detach().reshape({-1}).to(torch::kDouble);
  return ((x - r).pow(2).sum() / r.pow(2).sum()).item<double>();
}

// Random weights through export → models::load_mobilebert: bfedge's FP32 reference forward must
// equal libtorch's per layer (acceptance: NMSE ≤ 1e-10), for both norms and a padded batch.
void expect_same_forward(MobileBertConfig c, const std::string& tag) {
  torch::manual_seed(7);
  MobileBertClassifier m(c);
  {  // norms and biases away from their initial 1 / 0, so every parameter matters
    torch::NoGradGuard no_grad;
    for (auto& p : m->parameters()) p.add_(torch::randn_like(p) * 0.05);
  }
  m->eval();
  const auto dir = std::filesystem::path(::testing::TempDir()) / ("bfedge_mb_" + tag);
  {
    std::filesystem::create_directories(dir);
    std::ofstream vocab(dir / "src_vocab.txt");
    for (const char* t : {"[PAD]", "[UNK]", "[CLS]", "[SEP]"}) vocab << t << "\n";
  }
  ASSERT_TRUE(export_mobilebert(m, dir.string(), (dir / "src_vocab.txt").string()).is_ok());

  const int batch = 3, seq = 7;
  std::vector<int> ids(batch * seq), mask(batch * seq, 1), types(batch * seq, 0);
  for (int i = 0; i < batch * seq; ++i) ids[i] = (i * 7 + 3) % c.vocab_size;
  for (int t = 4; t < seq; ++t) mask[1 * seq + t] = 0, ids[1 * seq + t] = 0;  // row 1 padded after 4
  for (int t = 0; t < seq; ++t) types[2 * seq + t] = t >= 3;

  auto loaded = models::load_mobilebert(dir.string());
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().message();
  auto ours = models::mobilebert_forward_f32(loaded.value().config, loaded.value().weights,
                                             {ids, mask, types, batch, seq}, /*keep_hidden_states=*/true);
  ASSERT_TRUE(ours.is_ok()) << ours.status().message();

  const auto as_tensor = [&](std::vector<int>& v) {
    return torch::from_blob(v.data(), {batch, seq}, torch::kInt).to(torch::kLong);
  };
  torch::NoGradGuard no_grad;
  const auto theirs = m->forward(as_tensor(ids), as_tensor(mask), as_tensor(types), true);
  ASSERT_EQ(theirs.hidden_states.size(), ours.value().hidden_states.size());
  for (std::size_t l = 0; l < theirs.hidden_states.size(); ++l) {
    EXPECT_LE(nmse(theirs.hidden_states[l], ours.value().hidden_states[l]), 1e-10) << tag << " hidden state " << l;
  }
  EXPECT_LE(nmse(theirs.logits, ours.value().logits), 1e-10) << tag;

  auto back = import_mobilebert(dir.string());
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  back.value()->eval();
  const auto again = back.value()->forward(as_tensor(ids), as_tensor(mask), as_tensor(types));
  EXPECT_TRUE(torch::equal(again.logits, theirs.logits)) << tag;
}

TEST(MobileBertModule, SameForwardAsBfedgeReferenceNoNorm) { expect_same_forward(small_config(), "nonorm"); }

TEST(MobileBertModule, SameForwardAsBfedgeReferenceLayerNormGelu) {
  MobileBertConfig c = small_config();
  c.normalization_type = models::MobileBertNormalization::layer_norm;
  c.hidden_act = models::MobileBertActivation::gelu;
  c.layer_norm_eps = 1e-6;
  expect_same_forward(c, "layernorm");
}

TEST(MobileBertModule, SameForwardWithoutBottleneckOrTrigram) {
  MobileBertConfig c = small_config();
  c.use_bottleneck = false;
  c.trigram_input = false;
  c.embedding_size = 32;
  c.classifier_activation = false;
  expect_same_forward(c, "plain");
}

// HF compatibility at full size: HF's default config (24 layers, 24,845,570 parameters) with
// random weights, written under HF's names, loads in bfedge and runs on both paths.
TEST(MobileBertModule, DefaultConfigCheckpointRunsInBfedge) {
  torch::manual_seed(3);
  MobileBertConfig def;
  MobileBertClassifier m(def);
  m->eval();
  const auto dir = std::filesystem::path(::testing::TempDir()) / "bfedge_mb_default";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "src_vocab.txt") << "[PAD]\n[UNK]\n[CLS]\n[SEP]\n";
  ASSERT_TRUE(export_mobilebert(m, dir.string(), (dir / "src_vocab.txt").string()).is_ok());
  auto loaded = models::load_mobilebert(dir.string());
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().message();
  const auto counts = models::mobilebert_parameter_counts(loaded.value().config, MobileBertHead::sequence_classification);
  EXPECT_EQ(counts.total(), 24'845'570);

  std::vector<int> ids = {101, 2023, 3185, 2003, 2204, 102};
  const int seq = static_cast<int>(ids.size());
  auto ours = models::mobilebert_forward_f32(loaded.value().config, loaded.value().weights, {ids, {}, {}, 1, seq}, true);
  ASSERT_TRUE(ours.is_ok()) << ours.status().message();
  torch::NoGradGuard no_grad;
  const auto input = torch::from_blob(ids.data(), {1, seq}, torch::kInt).to(torch::kLong);
  const auto theirs = m->forward(input, torch::ones_like(input), torch::zeros_like(input), true);
  for (std::size_t l = 0; l < theirs.hidden_states.size(); ++l) {
    EXPECT_LE(nmse(theirs.hidden_states[l], ours.value().hidden_states[l]), 1e-10) << "hidden state " << l;
  }
  EXPECT_LE(nmse(theirs.logits, ours.value().logits), 1e-10);
  std::filesystem::remove_all(dir);
}

TEST(MobileBertModule, ImportNamesTheBadFile) {
  auto missing = import_mobilebert("/nonexistent/model");
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/model/config.json"), std::string::npos);
}

}  // namespace
}  // namespace bfedge::train
