#include "bfedge/models/sampler.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <vector>

namespace bfedge::models {
namespace {

TEST(Rng, MatchesRunCXorshift) {
  // Values printed by run.c's random_u32 / random_f32 compiled from llama2.c @ 350e04fe, seed 42.
  std::uint64_t state = 42;
  EXPECT_EQ(random_u32(state), 1456360119u);
  EXPECT_EQ(random_u32(state), 3359763283u);
  EXPECT_EQ(random_u32(state), 3393612768u);
  EXPECT_EQ(random_u32(state), 4054632243u);
  state = 42;
  EXPECT_FLOAT_EQ(random_f32(state), 0.339085221f);
  EXPECT_FLOAT_EQ(random_f32(state), 0.782255828f);
}

TEST(Sampler, ArgmaxTakesFirstMaximum) {
  const std::vector<float> v = {1.0f, 3.0f, -2.0f, 3.0f};
  EXPECT_EQ(argmax(v), 1);
  std::vector<float> logits = v;
  Sampler greedy(4, 0.0f, 0.9f, 1);
  EXPECT_EQ(greedy.sample(logits), 1);
  EXPECT_EQ(logits, v) << "greedy sampling leaves logits untouched";
}

TEST(Sampler, TopPDrawsOnlyFromTheNucleus) {
  // probabilities 0.5, 0.3, 0.15, 0.05: with top-p 0.7 the nucleus is {0, 1}.
  const std::array<float, 4> probs = {0.5f, 0.3f, 0.15f, 0.05f};
  std::array<int, 4> counts{};
  for (std::uint64_t seed = 1; seed <= 2000; ++seed) {
    std::vector<float> logits;
    for (float p : probs) logits.push_back(std::log(p));
    Sampler s(4, 1.0f, 0.7f, seed);
    ++counts[static_cast<std::size_t>(s.sample(logits))];
  }
  EXPECT_EQ(counts[2] + counts[3], 0);
  // Within the nucleus the odds stay 5:3.
  EXPECT_NEAR(static_cast<double>(counts[0]) / 2000.0, 0.625, 0.05);
}

TEST(Sampler, FullDistributionWhenTopPIsOne) {
  std::array<int, 3> counts{};
  for (std::uint64_t seed = 1; seed <= 3000; ++seed) {
    std::vector<float> logits = {0.0f, 0.0f, 0.0f};
    Sampler s(3, 1.0f, 1.0f, seed);
    ++counts[static_cast<std::size_t>(s.sample(logits))];
  }
  for (int c : counts) EXPECT_NEAR(c / 3000.0, 1.0 / 3.0, 0.05);
}

TEST(Sampler, EmptyNucleusFallsBackToArgmax) {
  std::vector<float> logits(512, 0.0f);
  logits[7] = 1e-3f;
  Sampler s(512, 1.0f, 1e-6f, 3);
  EXPECT_EQ(s.sample(logits), 7);
}

TEST(Sampler, TinyTemperatureIsGreedy) {
  // 30 / 1e-38 overflows to inf: run.c's softmax then gives NaN and an arbitrary id. The T -> 0
  // limit is argmax, for multinomial and top-p sampling alike, and for every seed.
  const std::vector<float> v = {10.0f, 30.0f, -20.0f, 25.0f};
  for (float t : {1e-38f, 1e-45f}) {
    for (float topp : {0.9f, 1.0f}) {
      for (std::uint64_t seed = 1; seed <= 50; ++seed) {
        std::vector<float> logits = v;
        Sampler s(4, t, topp, seed);
        EXPECT_EQ(s.sample(logits), 1) << "T " << t << " topp " << topp << " seed " << seed;
      }
    }
  }
}

TEST(Sampler, TinyTemperatureDrawsTheStepsCoinAsUsual) {
  // One coin per sampled step whatever the path, so later steps see run.c's RNG sequence.
  // Seed 42's coins are 0.339 then 0.782: a tie between two tokens goes 0 then 1.
  Sampler s(2, 1e-38f, 1.0f, 42);
  std::vector<float> overflowing = {10.0f, 30.0f};
  EXPECT_EQ(s.sample(overflowing), 1);  // greedy, first coin drawn
  std::vector<float> tie = {-0.5f, -0.5f};  // finite after / 1e-38: an ordinary 50/50 draw
  EXPECT_EQ(s.sample(tie), 1) << "the second coin (0.782) decides";
}

}  // namespace
}  // namespace bfedge::models
