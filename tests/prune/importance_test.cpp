// Importance and keep selection. The width spaces (importance.cpp, read by name) and the planners
// (mobilebert_prune.cpp, tinyvit_prune.cpp) state the same rules twice, so every slice of a plan
// is checked against the spaces: along each dimension, the kept tensor indices must be exactly
// those whose space index the keep lists hold, in order.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <set>

#include "prune_test_models.hpp"
#include "bfedge/prune/importance.hpp"

namespace bfedge::prune {
namespace {

using test_models::complement;
using test_models::without;

using Kept = std::map<std::string, std::vector<int>>;  // space → kept space indices

Kept kept_of(const models::MobileBertConfig& t, const MobileBertKeep& k) {
  Kept out{{"vocab", k.vocab}, {"embedding", k.embedding}, {"hidden", k.hidden}, {"pooled", k.pooled}};
  for (const MobileBertLayerKeep& l : k.layers) {
    const std::string p = "layer." + std::to_string(l.teacher_layer) + ".";
    out[p + "stream"] = l.stream, out[p + "shared_qk"] = l.shared_qk, out[p + "attention"] = l.attention;
    for (std::size_t f = 0; f < l.ffns.size(); ++f) out[p + "ffn." + std::to_string(l.ffns[f]) + ".intermediate"] = l.intermediate[f];
    out[p + "intermediate"] = l.intermediate.back();
  }
  if (t.num_hidden_layers < 1) out.clear();
  return out;
}

Kept kept_of(const models::TinyVitConfig& t, const TinyVitKeep& k) {
  Kept out{{"stem", k.stem}};
  for (int i = 0; i < t.stages(); ++i) {
    const TinyVitStageKeep& s = k.stages[static_cast<std::size_t>(i)];
    const std::string p = "stage." + std::to_string(i) + ".";
    out[p + "channels"] = s.channels, out[p + "merge"] = s.merge;
    for (const TinyVitMbConvKeep& b : s.mbconv) out[p + "block." + std::to_string(b.teacher_block) + ".hidden"] = b.hidden;
    for (const TinyVitBlockKeep& b : s.blocks) {
      out[p + "block." + std::to_string(b.teacher_block) + ".attention"] = b.attention;
      out[p + "block." + std::to_string(b.teacher_block) + ".mlp"] = b.mlp;
    }
  }
  return out;
}

void expect_plan_agrees_with_spaces(const std::vector<TensorSpaces>& spaces, const std::vector<TensorSlice>& plan,
                                    const Kept& kept) {
  std::map<std::string, const TensorSpaces*> by_name;
  for (const TensorSpaces& t : spaces) by_name[t.name] = &t;
  int checked = 0;
  for (const TensorSlice& s : plan) {
    const auto it = by_name.find(s.teacher_name);
    if (it == by_name.end()) continue;  // I64 counters have no spaces
    const TensorSpaces& t = *it->second;
    ASSERT_EQ(t.shape, s.teacher_shape) << t.name;
    for (std::size_t d = 0; d < t.dims.size(); ++d) {
      if (t.dims[d].space.empty()) continue;
      const std::vector<int>& keep = kept.at(t.dims[d].space);
      const std::set<int> wanted(keep.begin(), keep.end());
      std::vector<int> expected;
      for (int r = 0; r < static_cast<int>(t.shape[d]); ++r) {
        if (wanted.count(t.dims[d].index[static_cast<std::size_t>(r)]) != 0) expected.push_back(r);
      }
      EXPECT_EQ(s.keep[d], expected) << s.student_name << " dim " << d << " (" << t.dims[d].space << ")";
      ++checked;
    }
  }
  EXPECT_GT(checked, 20);
}

// Importance from random scores, so that every selection differs from "the first k".
Importance random_importance(const std::vector<TensorSpaces>& spaces, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::map<std::string, std::vector<float>> scores;
  for (const TensorSpaces& t : spaces) {
    std::int64_t n = 1;
    for (std::int64_t d : t.shape) n *= d;
    std::vector<float> v(static_cast<std::size_t>(n));
    for (float& x : v) x = u(rng);
    scores[t.name] = std::move(v);
  }
  return accumulate_importance(spaces, [&](const TensorSpaces& t) { return std::span<const float>(scores.at(t.name)); });
}



TEST(PruneSpaces, MobileBertPlansAgreeWithTheSpaces) {
  const models::MobileBertConfig t = test_models::mobilebert_teacher(4);
  const std::vector<TensorSpaces> spaces = mobilebert_spaces(t);
  for (std::uint32_t seed : {1u, 2u, 3u}) {
    MobileBertShape shape;
    shape.layers = 2 + static_cast<int>(seed % 2), shape.heads = 3, shape.head_size = 2 + static_cast<int>(seed % 3);
    shape.intermediate = 7, shape.ffns = 1 + static_cast<int>(seed % 3), shape.hidden = 17, shape.embedding = 5;
    shape.positions = 9;
    for (int i = 0; i < t.vocab_size; i += 2) shape.vocab.push_back(i);
    const Result<MobileBertKeep> keep = select_mobilebert_keep(t, random_importance(spaces, seed), shape);
    ASSERT_TRUE(keep.is_ok()) << keep.status().message();
    const Result<MobileBertSlicePlan> plan = plan_mobilebert_slice(t, keep.value());
    ASSERT_TRUE(plan.is_ok()) << plan.status().message();
    EXPECT_EQ(plan.value().student.num_hidden_layers, shape.layers);
    EXPECT_EQ(plan.value().student.intra_bottleneck_size, 3 * shape.head_size);
    EXPECT_EQ(plan.value().student.num_feedforward_networks, shape.ffns);
    expect_plan_agrees_with_spaces(spaces, plan.value().tensors, kept_of(t, keep.value()));
  }
}

TEST(PruneSpaces, TinyVitPlansAgreeWithTheSpaces) {
  const models::TinyVitConfig t = test_models::tinyvit_teacher();
  const std::vector<TensorSpaces> spaces = tinyvit_spaces(t);
  for (std::uint32_t seed : {1u, 2u, 3u}) {
    TinyVitShape shape;
    shape.stage0_channels = 12;
    shape.depths = {2, 1, 2, 1 + static_cast<int>(seed % 2)};
    shape.heads = {0, 2, 3 + static_cast<int>(seed % 2), 4};
    shape.key_dims = {0, 8, 5 + static_cast<int>(seed % 3), 6};
    shape.mlp_ratio = 2.5, shape.mbconv_expand_ratio = 3.0;
    const Result<TinyVitKeep> keep = select_tinyvit_keep(t, random_importance(spaces, seed), shape);
    ASSERT_TRUE(keep.is_ok()) << keep.status().message();
    const Result<TinyVitSlicePlan> plan = plan_tinyvit_slice(t, keep.value());
    ASSERT_TRUE(plan.is_ok()) << plan.status().message();
    EXPECT_EQ(plan.value().student.embed_dims[2], shape.heads[2] * shape.key_dims[2]);
    expect_plan_agrees_with_spaces(spaces, plan.value().tensors, kept_of(t, keep.value()));
  }
}

TEST(PruneImportance, AveragesScoresPerSpaceIndexAndSumsStructures) {
  // A (2, 3) matrix on (a, b) in structure "layer.1.ffn.0", and a vector of b with an index map.
  const std::vector<TensorSpaces> tensors = {
      {"m", {2, 3}, {{"a", {0, 1}}, {"b", {0, 1, 2}}}, "layer.1.ffn.0"},
      {"v", {3}, {{"b", {2, 1, 0}}}, "layer.1"}};
  const std::vector<float> m = {1, 2, 3, 4, 5, 6}, v = {10, 20, 30};
  const Importance im = accumulate_importance(tensors, [&](const TensorSpaces& t) {
    return std::span<const float>(t.name == "m" ? m : v);
  });
  EXPECT_EQ(im.spaces.at("a"), (std::vector<double>{2.0, 5.0}));
  EXPECT_EQ(im.spaces.at("b"), (std::vector<double>{(1 + 4 + 30) / 3.0, (2 + 5 + 20) / 3.0, (3 + 6 + 10) / 3.0}));
  EXPECT_EQ(im.structures.at("layer.1.ffn.0"), 21.0);
  EXPECT_EQ(im.structures.at("layer.1"), 81.0);
  EXPECT_EQ(im.structures.count("layer"), 0u);
}

TEST(PruneImportance, SelectionKeepsWhatScoresHighest) {
  const models::MobileBertConfig t = test_models::mobilebert_teacher(4);
  const std::vector<TensorSpaces> spaces = mobilebert_spaces(t);
  Importance im = random_importance(spaces, 9);
  im.spaces.at("hidden")[3] = im.spaces.at("hidden")[20] = 5.0;   // two loud channels
  for (int d = 8; d < 12; ++d) im.spaces.at("layer.2.attention")[static_cast<std::size_t>(d)] = 4.0;  // head 2: 16
  im.spaces.at("layer.2.attention")[5] = 9.0;  // head 1: one loud dimension, about 10.5 in all
  im.structures.at("layer.1") = 1e9;
  MobileBertShape shape;
  shape.layers = 1, shape.heads = 1, shape.head_size = 2, shape.intermediate = 3, shape.ffns = 1;
  shape.hidden = 2, shape.embedding = 2, shape.positions = 4, shape.vocab = {0, 1};
  const MobileBertKeep k = select_mobilebert_keep(t, im, shape).value();
  EXPECT_EQ(k.hidden, (std::vector<int>{3, 20}));
  ASSERT_EQ(k.layers.size(), 1u);
  EXPECT_EQ(k.layers[0].teacher_layer, 1);
  shape.layers = 4;
  const MobileBertKeep all = select_mobilebert_keep(t, im, shape).value();
  EXPECT_EQ(all.layers[2].attention, (std::vector<int>{8, 9}));  // head 2 whole, then its first two of four ties
  shape.head_size = 1, shape.heads = 2;
  EXPECT_EQ(select_mobilebert_keep(t, im, shape).value().layers[2].attention, (std::vector<int>{5, 8}));
}

TEST(PruneImportance, MagnitudeNamesAMissingTensor) {
  const models::MobileBertConfig t = test_models::mobilebert_teacher(4);
  const Result<Importance> im = magnitude_importance(mobilebert_spaces(t), io::TensorTable(), "teacher.safetensors");
  ASSERT_FALSE(im.is_ok());
  EXPECT_EQ(im.status().message(), "teacher.safetensors: no tensor \"mobilebert.embeddings.word_embeddings.weight\" to score");
}

}  // namespace
}  // namespace bfedge::prune
