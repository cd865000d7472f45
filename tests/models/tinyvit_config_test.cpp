// TinyViT's configuration: timm's variants and parameter counts, the stage geometry, config.json
// (timm's Hub layout) read and written, and each bad value or tensor named in one line.
#include "bfedge/models/tinyvit_config.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "bfedge/io/file.hpp"
#include "bfedge/io/safetensors.hpp"
#include "bfedge/models/tinyvit_datasets.hpp"
#include "support/test_support.hpp"

namespace bfedge::models {
namespace {

TinyVitConfig variant(std::string_view name) {
  auto c = tinyvit_variant(name);
  EXPECT_TRUE(c.is_ok()) << c.status().message();
  return c.value();
}

// timm: sum(p.numel() for p in timm.create_model('tiny_vit_5m_224').parameters()).
TEST(TinyVitConfig, FiveMillionVariantHasTimmsParameterCount) {
  const TinyVitParameterCounts n = tinyvit_parameter_counts(variant("tiny_vit_5m_224"));
  EXPECT_EQ(n.total(), 5'392'764);
  EXPECT_EQ(n.head, 320 * 2 + 320 * 1000 + 1000);
  ASSERT_EQ(n.stages.size(), 4u);
  // The stem: conv 3×3 3→32 and 32→64, each with BatchNorm's weight and bias.
  EXPECT_EQ(n.stem, 32 * 3 * 9 + 2 * 32 + 64 * 32 * 9 + 2 * 64);
}

TEST(TinyVitConfig, EveryVariantValidatesAndCountsItsBuffersApart) {
  for (std::string_view name : tinyvit_variant_names()) {
    const TinyVitConfig c = variant(name);
    EXPECT_TRUE(validate_tinyvit_config(c, "x").is_ok()) << name;
    const TinyVitParameterCounts n = tinyvit_parameter_counts(c);
    std::int64_t buffers = 0, parameters = 0;
    for (const TinyVitTensorSpec& s : tinyvit_tensor_specs(c)) {
      (s.kind == TinyVitTensorKind::buffer ? buffers : parameters) += s.elements();
      EXPECT_EQ(s.is_i64, s.name.ends_with("num_batches_tracked")) << s.name;
    }
    EXPECT_EQ(n.buffers, buffers) << name;
    EXPECT_EQ(n.total(), parameters) << name;
  }
  EXPECT_FALSE(tinyvit_variant("tiny_vit_7m_224").is_ok());
}

TEST(TinyVitConfig, StageResolutionsFollowTheStemAndPatchMerging) {
  const TinyVitConfig c = variant("tiny_vit_5m_224");
  const int expected[] = {56, 28, 14, 7};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(tinyvit_stage_resolution(c, i).height, expected[i]) << i;
  TinyVitConfig cifar = c;
  cifar.image_height = cifar.image_width = 32;
  cifar.stem_strides[0] = 1;
  const int small[] = {16, 8, 4, 2};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(tinyvit_stage_resolution(cifar, i).width, small[i]) << i;
  TinyVitConfig odd = c;
  odd.image_height = 30, odd.image_width = 29;  // 3×3 stride-2 convs with padding 1 round up
  EXPECT_EQ(tinyvit_stem_resolution(odd).height, 8);
  EXPECT_EQ(tinyvit_stem_resolution(odd).width, 8);
  EXPECT_EQ(tinyvit_stage_resolution(odd, 3).height, 1);
}

TEST(TinyVitConfig, ConfigJsonRoundTripsWithOverrides) {
  TinyVitConfig c = variant("tiny_vit_5m_224");
  c.num_classes = 10, c.image_height = c.image_width = 32, c.in_chans = 1;
  c.mean = {0.286}, c.std = {0.353};
  c.stem_strides[0] = 1;
  c.window_sizes = {8, 8, 4, 2};
  for (int i = 0; i < 10; ++i) c.label_names.push_back("class" + std::to_string(i));
  const std::string text = tinyvit_config_json(c);
  auto back = parse_tinyvit_config(text, "config.json");
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  EXPECT_EQ(tinyvit_config_json(back.value()), text);
  EXPECT_EQ(back.value().window_sizes, c.window_sizes);
  EXPECT_EQ(back.value().stem_strides[0], 1);
  EXPECT_EQ(back.value().label_names[9], "class9");
}

TEST(TinyVitConfig, ReadsTimmsHubConfig) {
  const char* text = R"({"architecture": "tiny_vit_21m_224", "num_classes": 1000, "num_features": 576,
    "global_pool": "avg", "label_names": {"1": "b", "0": "a"},
    "pretrained_cfg": {"input_size": [3, 224, 224], "crop_pct": 0.95, "interpolation": "bicubic",
                       "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}})";
  auto c = parse_tinyvit_config(text, "config.json");
  ASSERT_FALSE(c.is_ok());  // two label names for 1000 classes
  EXPECT_EQ(c.status().message(), "config.json: label_names: has 2 names for 1000 classes");
  auto two = parse_tinyvit_config(std::string(text).replace(std::strlen(R"({"architecture": "tiny_vit_21m_224", "num_classes": )"), 4, "2   "),
                                  "config.json");
  ASSERT_TRUE(two.is_ok()) << two.status().message();
  EXPECT_EQ(two.value().embed_dims, (std::vector<int>{96, 192, 384, 576}));
  EXPECT_EQ(two.value().label_names, (std::vector<std::string>{"a", "b"}));
}

// bfedge train tinyvit --architecture FILE.json: a narrower model than timm's variants (the demo's
// teacher), adapted to the images like a variant: its dims, depths and heads kept; the image
// size, channels, classes, stem and windows the dataset's. A missing file is named.
TEST(TinyVitConfig, AConfigFileIsAnArchitectureAdaptedToTheImages) {
  test::TempDir dir;
  const std::string path = dir.file("micro.json");
  const std::string text = R"({"architecture": "tiny_vit_5m_224", "num_classes": 1000,
    "model_args": {"embed_dims": [16, 32, 48, 64], "depths": [1, 1, 2, 1], "num_heads": [1, 2, 3, 4], "mlp_ratio": 2.0}})";
  ASSERT_TRUE(io::write_file_atomically(path, text.data(), text.size()).is_ok());
  const Result<TinyVitConfig> c = tinyvit_config_for_dataset(path, ImageDatasetName::fashion_mnist);
  ASSERT_TRUE(c.is_ok()) << c.status().message();
  EXPECT_EQ(c.value().embed_dims, (std::vector<int>{16, 32, 48, 64}));
  EXPECT_EQ(c.value().depths, (std::vector<int>{1, 1, 2, 1}));
  EXPECT_EQ(c.value().num_heads, (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(c.value().mlp_ratio, 2.0);
  EXPECT_EQ(c.value().image_height, 28);
  EXPECT_EQ(c.value().in_chans, 1);
  EXPECT_EQ(c.value().num_classes, 10);
  EXPECT_EQ(c.value().window_sizes, (std::vector<int>{14, 7, 4, 2}));
  const Result<TinyVitConfig> missing = tinyvit_config_for_dataset(dir.file("none.json"), ImageDatasetName::cifar10);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find(dir.file("none.json")), std::string::npos) << missing.status().message();
}

TEST(TinyVitConfig, NamesEachBadFieldInOneLine) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"num_classes": 10})", "config.json: architecture: missing (timm's variant name, e.g. \"tiny_vit_5m_224\")"},
      {R"({"architecture": "vit_base"})", "config.json: architecture: unknown TinyViT architecture \"vit_base\""},
      {R"({"architecture": "tiny_vit_5m_224", "drop": 1})", "config.json: drop: unknown key"},
      {R"({"architecture": "tiny_vit_5m_224", "model_args": {"num_heads": [2, 4, 6, 10]}})",
       "config.json: num_heads: embed_dims[2] = 160 is not divisible by 6 heads"},
      {R"({"architecture": "tiny_vit_5m_224", "model_args": {"depths": [2, 2, 6]}})",
       "config.json: embed_dims: has 4 entries, depths has 3"},
      {R"({"architecture": "tiny_vit_5m_224", "model_args": {"stem_strides": [3, 2]}})",
       "config.json: stem_strides: each stride must be 1 or 2"},
      {R"({"architecture": "tiny_vit_5m_224", "model_args": {"fused": true}})",
       "config.json: model_args.fused: unknown TinyViT argument"},
      {R"({"architecture": "tiny_vit_5m_224", "pretrained_cfg": {"input_size": [1, 28, 28]}})",
       "config.json: pretrained_cfg.input_size: has 1 channels, in_chans is 3"},
      {R"({"architecture": "tiny_vit_5m_224", "model_args": {"in_chans": 1}})",
       "config.json: mean: mean and std need in_chans = 1 entries"},
      {R"({"architecture": "tiny_vit_5m_224", "global_pool": "max"})",
       "config.json: global_pool: only \"avg\" pooling is supported"},
      {"[1, 2", "config.json: not valid JSON"},
  };
  for (const auto& [text, expected] : cases) {
    auto c = parse_tinyvit_config(text, "config.json");
    ASSERT_FALSE(c.is_ok()) << text;
    EXPECT_EQ(c.status().message().substr(0, std::strlen(expected)), expected) << text;
    EXPECT_EQ(c.status().message().find('\n'), std::string::npos);
  }
}

// A checkpoint with every tensor of the config (zeros), as timm's state_dict would save it.
std::vector<io::SafetensorsTensor> zero_checkpoint(const TinyVitConfig& c) {
  std::vector<io::SafetensorsTensor> tensors;
  for (const TinyVitTensorSpec& s : tinyvit_tensor_specs(c)) {
    const auto dtype = s.is_i64 ? io::TensorDtype::i64 : io::TensorDtype::f32;
    tensors.push_back({s.name, dtype, s.shape,
                       std::vector<std::byte>(static_cast<std::size_t>(s.elements()) * io::tensor_dtype_bytes(dtype))});
  }
  return tensors;
}

std::string check(const TinyVitConfig& c, const std::vector<io::SafetensorsTensor>& tensors) {
  auto bytes = io::encode_safetensors(tensors, {});
  EXPECT_TRUE(bytes.is_ok());
  auto table = io::parse_safetensors(bytes.value(), "model.safetensors");
  EXPECT_TRUE(table.is_ok()) << table.status().message();
  const Status s = check_tinyvit_tensors(c, table.value(), "model.safetensors");
  return s.is_ok() ? "" : s.message();
}

TEST(TinyVitTensors, NamesTheMissingUnknownMisShapedOrMistypedTensor) {
  TinyVitConfig c = variant("tiny_vit_5m_224");
  c.depths = {1, 1, 1, 1};
  std::vector<io::SafetensorsTensor> good = zero_checkpoint(c);
  EXPECT_EQ(check(c, good), "");
  auto with_index = good;  // older checkpoints saved the bias index buffer
  with_index.push_back({"stages.1.blocks.0.attn.attention_bias_idxs", io::TensorDtype::f32, {49, 49},
                        std::vector<std::byte>(49 * 49 * 4)});
  EXPECT_EQ(check(c, with_index), "");
  auto missing = good;
  missing.erase(missing.begin() + 3);
  EXPECT_EQ(check(c, missing), "model.safetensors: missing tensor \"patch_embed.conv1.bn.running_mean\"");
  auto unknown = good;
  unknown.push_back({"head.pre_logits.weight", io::TensorDtype::f32, {1}, std::vector<std::byte>(4)});
  EXPECT_EQ(check(c, unknown), "model.safetensors: unknown tensor \"head.pre_logits.weight\" for this config.json's TinyViT");
  auto shaped = good;
  for (auto& t : shaped) {
    if (t.name == "stages.2.blocks.0.attn.qkv.weight") t.shape = {160, 480}, t.data.resize(160 * 480 * 4);
  }
  EXPECT_EQ(check(c, shaped),
            "model.safetensors: tensor \"stages.2.blocks.0.attn.qkv.weight\" has shape [160, 480], config.json implies [480, 160]");
  auto conv = good;  // a depthwise conv stored as a dense one
  for (auto& t : conv) {
    if (t.name == "stages.1.downsample.conv2.conv.weight") t.shape = {128, 128, 3, 3}, t.data.resize(128 * 128 * 9 * 4);
  }
  EXPECT_EQ(check(c, conv), "model.safetensors: tensor \"stages.1.downsample.conv2.conv.weight\" has shape "
                            "[128, 128, 3, 3], config.json implies [128, 1, 3, 3]");
  auto typed = good;
  for (auto& t : typed) {
    if (t.name == "patch_embed.conv1.bn.num_batches_tracked") t.dtype = io::TensorDtype::f32, t.data.resize(4);
  }
  EXPECT_EQ(check(c, typed), "model.safetensors: tensor \"patch_embed.conv1.bn.num_batches_tracked\" is F32, expected I64");
}

}  // namespace
}  // namespace bfedge::models
