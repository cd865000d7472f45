// stories260K end to end against llama2.c run.c's own outputs (../shared/golden): the f32 path
// must reproduce them byte for byte, greedy and seeded top-p, with 1 and 2 threads.
#include <gtest/gtest.h>

#include "models/stories_fixture.hpp"

namespace bfedge::models {
namespace {

class GoldenF32 : public ::testing::TestWithParam<int> {};

TEST_P(GoldenF32, GreedyOnceUponATimeMatchesRunC) {
  BFEDGE_REQUIRE_SHARED(shared);
  BFEDGE_REQUIRE_ISA_CAP();
  const auto stories = test::load_stories(shared);
  const test::Generated g =
      test::generate_text(stories, Dtype::f32, "Once upon a time", 256, 0.0f, 0.9f, 1, GetParam());
  EXPECT_EQ(g.text,
            test::read_text((stories.golden / "greedy_once_upon_a_time_n256.txt").string()));
  EXPECT_EQ(g.ids, test::golden_ids(stories, "greedy_once_upon_a_time_n256"));
}

TEST_P(GoldenF32, SeededTopPMatchesRunC) {
  BFEDGE_REQUIRE_SHARED(shared);
  BFEDGE_REQUIRE_ISA_CAP();
  const auto stories = test::load_stories(shared);
  const test::Generated g =
      test::generate_text(stories, Dtype::f32, "Once upon a time", 256, 1.0f, 0.9f, 42, GetParam());
  EXPECT_EQ(g.text, test::read_text((stories.golden / "sampled_t1_p0.9_seed42_n256.txt").string()));
  EXPECT_EQ(g.ids, test::golden_ids(stories, "sampled_t1_p0.9_seed42_n256"));
}

INSTANTIATE_TEST_SUITE_P(Threads, GoldenF32, ::testing::Values(1, 2));

TEST(GoldenBf16, GreedyFollowsTheGoldenForALongPrefix) {
  BFEDGE_REQUIRE_SHARED(shared);
  BFEDGE_REQUIRE_ISA_CAP();
  const auto stories = test::load_stories(shared);
  const std::vector<int> golden = test::golden_ids(stories, "greedy_once_upon_a_time_n256");
  const test::Generated g =
      test::generate_text(stories, Dtype::bf16, "Once upon a time", 256, 0.0f, 0.9f, 1, 1);
  std::size_t same = 0;
  while (same < g.ids.size() && same < golden.size() && g.ids[same] == golden[same]) ++same;
  const std::size_t prompt = 5;  // BOS + 4 prompt tokens are forced, not generated
  std::printf(
      "[ bf16     ] greedy tokens identical to the f32 golden before the first divergence: "
      "%zu of %zu generated\n",
      same - prompt, golden.size() - prompt);
  RecordProperty("bf16_greedy_matching_tokens", static_cast<int>(same - prompt));
  // llama.cpp with BF16 weights diverges around token 180 (../shared/notes/peers.md); FP32
  // accumulation should do at least a quarter of that.
  EXPECT_GE(same - prompt, 45u);
}

}  // namespace
}  // namespace bfedge::models
