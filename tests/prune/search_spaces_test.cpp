// The default search spaces: the dense point is the teacher, every point is a config HF/timm can
// express (a sample of each space planned through select + plan), and the smallest point's
// footprint is what a budget below it cannot reach.
#include <gtest/gtest.h>

#include <random>

#include "bfedge/deploy/footprint.hpp"
#include "bfedge/models/tinyvit_datasets.hpp"
#include "bfedge/prune/search_spaces.hpp"

namespace bfedge::prune {
namespace {

Point random_point(const SearchSpace& s, std::mt19937& rng) {
  Point p;
  for (const Axis& a : s) p.push_back(static_cast<int>(rng() % a.values.size()));
  return p;
}

TEST(PruneSearchSpaces, TinyVitPointsAreValidConfigsFromTheTeacherDown) {
  const models::TinyVitConfig t =
      models::tinyvit_config_for_dataset("tiny_vit_5m_224", models::ImageDatasetName::cifar10).value();
  const SearchSpace s = tinyvit_search_space(t);
  const models::TinyVitConfig dense = tinyvit_candidate_config(t, tinyvit_shape_at(t, s, Point(s.size(), 0))).value();
  EXPECT_EQ(dense.embed_dims, t.embed_dims);
  EXPECT_EQ(dense.depths, t.depths);
  EXPECT_EQ(dense.num_heads, t.num_heads);
  EXPECT_EQ(dense.mlp_hidden(2), t.mlp_hidden(2));
  std::mt19937 rng(5);
  for (int i = 0; i < 40; ++i) {
    const Point p = random_point(s, rng);
    const Result<models::TinyVitConfig> c = tinyvit_candidate_config(t, tinyvit_shape_at(t, s, p));
    ASSERT_TRUE(c.is_ok()) << point_json(s, p) << ": " << c.status().message();
    EXPECT_TRUE(models::validate_tinyvit_config(c.value(), "candidate").is_ok()) << point_json(s, p);
  }
  const deploy::GraphFootprintModel model;
  const auto smallest = tinyvit_candidate_config(t, tinyvit_shape_at(t, s, smallest_point(s))).value();
  const std::int64_t dense_bytes = model.tinyvit(dense).value().total_bytes();
  const std::int64_t small_bytes = model.tinyvit(smallest).value().total_bytes();
  std::printf("TinyViT CIFAR-10 space: dense %lld bytes, smallest %lld (%s)\n", static_cast<long long>(dense_bytes),
              static_cast<long long>(small_bytes), point_json(s, smallest_point(s)).c_str());
  EXPECT_LT(small_bytes, dense_bytes / 20);

  // A budget below the smallest candidate is refused up front, with the footprint it reaches.
  const deploy::Footprint f = model.tinyvit(smallest).value();
  EXPECT_TRUE(check_budget_reachable(s, small_bytes, f).is_ok());
  EXPECT_TRUE(check_budget_reachable(s, 0, f).is_ok());
  const Status refused = check_budget_reachable(s, small_bytes - 1, f);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.message(), "--budget-bytes " + std::to_string(small_bytes - 1) +
                                   ": no candidate can fit; the smallest in the search space, " +
                                   point_json(s, smallest_point(s)) + ", needs " + std::to_string(small_bytes) +
                                   " bytes (weights " + std::to_string(f.weight_bytes) + " + activation peak " +
                                   std::to_string(f.activation_peak_bytes) + ")");
}

TEST(PruneSearchSpaces, MobileBertPointsAreValidConfigsFromTheTeacherDown) {
  const models::MobileBertConfig t;  // HF's default: 24 layers, 512 hidden, 4 heads of 32
  const SearchSpace s = mobilebert_search_space(t);
  std::vector<int> vocab;
  for (int id = 0; id < t.vocab_size; id += 3) vocab.push_back(id);  // includes [PAD] (0)
  const auto dense = mobilebert_candidate_config(t, mobilebert_shape_at(t, s, Point(s.size(), 0), vocab, 128)).value();
  EXPECT_EQ(dense.num_hidden_layers, 24);
  EXPECT_EQ(dense.intra_bottleneck_size, 128);
  EXPECT_EQ(dense.num_feedforward_networks, 4);
  EXPECT_EQ(dense.vocab_size, static_cast<int>(vocab.size()));
  EXPECT_EQ(dense.max_position_embeddings, 128);
  std::mt19937 rng(6);
  for (int i = 0; i < 40; ++i) {
    const Point p = random_point(s, rng);
    const auto c = mobilebert_candidate_config(t, mobilebert_shape_at(t, s, p, vocab, 64));
    ASSERT_TRUE(c.is_ok()) << point_json(s, p) << ": " << c.status().message();
    EXPECT_TRUE(models::validate_mobilebert_config(c.value(), "candidate").is_ok()) << point_json(s, p);
  }
  const auto smallest = mobilebert_candidate_config(t, mobilebert_shape_at(t, s, smallest_point(s), vocab, 64)).value();
  EXPECT_EQ(smallest.num_hidden_layers, 1);
  EXPECT_EQ(smallest.hidden_size, 64);
  EXPECT_EQ(smallest.embedding_size, 16);
}

}  // namespace
}  // namespace bfedge::prune
