// taylor_scores against the hand-derived gradient of a linear model: for loss = Σ_i (W x_b + c)_i,
// ∂loss/∂W_ij = x_b[j] and ∂loss/∂c_i = 1, so the score of W_ij is Σ_b |x_b[j] · W_ij| and of c_i
// is batches · |c_i|; then the scores feed prune::accumulate_importance.
#include "bfedge/train/taylor_importance.hpp"

#include <gtest/gtest.h>

#include "bfedge/prune/importance.hpp"

namespace bfedge::train {
namespace {

TEST(TaylorImportance, IsTheSumOfGradientTimesWeightOverBatches) {
  torch::manual_seed(3);
  torch::nn::Linear linear(3, 2);
  const std::vector<std::vector<float>> inputs = {{1.0f, -2.0f, 0.5f}, {0.0f, 3.0f, -1.0f}};
  const auto scores = taylor_scores(*linear, [&](int b) {
    return linear->forward(torch::tensor(inputs[static_cast<std::size_t>(b)]).view({1, 3})).sum();
  }, 2);
  ASSERT_EQ(scores.size(), 2u);
  const torch::Tensor w = linear->weight.detach(), c = linear->bias.detach();
  const std::vector<float>& sw = scores.at("weight");
  ASSERT_EQ(sw.size(), 6u);
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 3; ++j) {
      float want = 0.0f;
      for (const auto& x : inputs) want += std::fabs(x[static_cast<std::size_t>(j)] * w[i][j].item<float>());
      EXPECT_FLOAT_EQ(sw[static_cast<std::size_t>(i * 3 + j)], want) << i << "," << j;
    }
    EXPECT_FLOAT_EQ(scores.at("bias")[static_cast<std::size_t>(i)], 2.0f * std::fabs(c[i].item<float>()));
  }
  EXPECT_FALSE(linear->weight.grad().defined() && linear->weight.grad().abs().sum().item<float>() != 0.0f);

  // Rows of W are space "out", columns space "in": importance is the mean score per index.
  const std::vector<prune::TensorSpaces> spaces = {
      {"weight", {2, 3}, {{"out", {0, 1}}, {"in", {0, 1, 2}}}, ""}, {"bias", {2}, {{"out", {0, 1}}}, ""}};
  const prune::Importance im = prune::accumulate_importance(
      spaces, [&](const prune::TensorSpaces& t) { return std::span<const float>(scores.at(t.name)); });
  EXPECT_NEAR(im.spaces.at("in")[1], (sw[1] + sw[4]) / 2.0, 1e-6);
  EXPECT_NEAR(im.spaces.at("out")[0], (sw[0] + sw[1] + sw[2] + scores.at("bias")[0]) / 4.0, 1e-6);
}

}  // namespace
}  // namespace bfedge::train
