// The TinyViT torch module against timm's layout and against bfedge's FP32 reference: its
// state_dict is exactly tinyvit_tensor_specs, and its weights exported as safetensors, read back
// with BatchNorm folded, give the same hidden states and logits (NMSE ≤ 1e-10) — on a small config
// whose windows need padding, and on tiny_vit_5m_224 at 224×224.
#include "bfedge/train/tinyvit_module.hpp"

#include <gtest/gtest.h>

#include <cstdio>

#include "bfedge/core/nmse.hpp"
#include "bfedge/io/safetensors.hpp"
#include "bfedge/models/tinyvit.hpp"
#include "bfedge/train/tinyvit_export.hpp"
#include "support/test_support.hpp"

namespace bfedge::train {
namespace {

// Small widths; 30×30 images with stem strides (1, 2): maps 15, 8, 4, 2, windows 3, 3, 2 so that
// stages 1 and 2 pad their windows (8 → 9, 4 → 6 with window 3).
models::TinyVitConfig small_config() { return test::padded_windows_tinyvit_config(); }

// Random BatchNorm statistics and biases, so that folding and every bias matter.
void perturb(TinyVitClassifier& model) {
  torch::NoGradGuard no_grad;
  for (auto& item : model->named_parameters()) {
    if (item.key().find("bn.weight") != std::string::npos) item.value().uniform_(0.5, 1.5);
    else if (item.key().find("bias") != std::string::npos) item.value().normal_(0.0, 0.1);
  }
  for (auto& item : model->named_buffers()) {
    if (item.key().ends_with("running_mean")) item.value().normal_(0.0, 0.2);
    if (item.key().ends_with("running_var")) item.value().uniform_(0.5, 2.0);
  }
}

std::vector<float> floats(const torch::Tensor& t) {
  const torch::Tensor c = t.contiguous().to(torch::kFloat);
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

void expect_same_as_reference(const models::TinyVitConfig& c, int batch, std::uint64_t seed) {
  torch::manual_seed(seed);
  TinyVitClassifier model(c);
  perturb(model);
  model->eval();
  const torch::Tensor images = torch::randn({batch, c.in_chans, c.image_height, c.image_width});
  torch::NoGradGuard no_grad;
  const TinyVitForwardResult want = model->forward(images, /*keep_hidden_states=*/true);

  auto bytes = tinyvit_safetensors(model);
  ASSERT_TRUE(bytes.is_ok()) << bytes.status().message();
  auto table = io::parse_safetensors(bytes.value(), "model.safetensors");
  ASSERT_TRUE(table.is_ok()) << table.status().message();
  auto weights = models::tinyvit_weights_from_table(c, table.value(), "model.safetensors");
  ASSERT_TRUE(weights.is_ok()) << weights.status().message();
  auto got = models::tinyvit_forward_f32(c, weights.value(), floats(images.permute({0, 2, 3, 1})), batch, true);
  ASSERT_TRUE(got.is_ok()) << got.status().message();

  ASSERT_EQ(got.value().hidden_names, want.hidden_names);
  double worst = 0.0;
  for (std::size_t i = 0; i < want.hidden_states.size(); ++i) {
    const double e = nmse(got.value().hidden_states[i], floats(want.hidden_states[i]));
    EXPECT_LE(e, 1e-10) << want.hidden_names[i];
    worst = std::max(worst, e);
  }
  const double logits = nmse(got.value().logits, floats(want.logits));
  EXPECT_LE(logits, 1e-10);
  std::printf("[ nmse ] bfedge FP32 vs libtorch FP32, %zu hidden states: worst %.2e, logits %.2e\n",
              want.hidden_states.size(), worst, logits);
}

TEST(TinyVitModule, StateDictIsTimmsLayout) {
  const models::TinyVitConfig c = models::tinyvit_variant("tiny_vit_5m_224").value();
  TinyVitClassifier model(c);
  std::map<std::string, std::vector<std::int64_t>> state;
  std::int64_t parameters = 0;
  for (const auto& item : model->named_parameters()) {
    state[item.key()] = item.value().sizes().vec();
    parameters += item.value().numel();
  }
  for (const auto& item : model->named_buffers()) state[item.key()] = item.value().sizes().vec();
  const std::vector<models::TinyVitTensorSpec> specs = models::tinyvit_tensor_specs(c);
  EXPECT_EQ(state.size(), specs.size());
  for (const models::TinyVitTensorSpec& s : specs) {
    ASSERT_TRUE(state.count(s.name)) << s.name;
    EXPECT_EQ(state[s.name], s.shape) << s.name;
  }
  EXPECT_EQ(parameters, 5'392'764);
}

TEST(TinyVitModule, SmallConfigWithPaddedWindowsMatchesTheReference) { expect_same_as_reference(small_config(), 2, 1); }

TEST(TinyVitModule, FiveMillionVariantAt224MatchesTheReference) {
  expect_same_as_reference(models::tinyvit_variant("tiny_vit_5m_224").value(), 1, 2);
}

}  // namespace
}  // namespace bfedge::train
