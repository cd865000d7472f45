// TinyViT (Wu et al., 2022) as timm's `tiny_vit` defines it: the configuration and the exact
// parameter layout of its state_dict.
//
// A model directory holds config.json in timm's Hugging Face Hub layout (save_config_for_hf):
//   {"architecture": "tiny_vit_5m_224", "num_classes": 10, "label_names": [...],
//    "pretrained_cfg": {"input_size": [3, 32, 32], "mean": [...], "std": [...]},
//    "model_args": {"in_chans": 3, "window_sizes": [...], "stem_strides": [1, 2]}}
// `architecture` names timm's variant (tiny_vit_5m_224, _11m_224, _21m_224, _21m_384, _21m_512),
// which sets embed_dims, depths, num_heads and window_sizes; model_args may override any of
// timm's TinyVit arguments listed below. `stem_strides` is bfedge's one extension: the strides
// of the stem's two 3×3 convs, (2, 2) in timm; (1, 2) keeps 32×32 and 28×28 images at a
// useful resolution (docs/tinyvit.md). Unknown keys are refused; timm's informational keys
// (num_features, global_pool, label_descriptions, pretrained_cfg's other fields) are accepted.
// Every error is one line "<path>: <field>: <what is wrong>".
//
// Geometry: the stem maps the image (H, W) to stage 0's resolution through two 3×3 convs with
// padding 1 (out = (in - 1) / stride + 1); each later stage starts with PatchMerging, whose
// depthwise 3×3 stride-2 conv halves it (rounding up). Stage 0 is MBConv blocks at embed_dims[0];
// stage i > 0 is TinyViT blocks at embed_dims[i] with num_heads[i] heads attending within
// window_sizes[i]² windows (windows padded at the bottom/right edge with zero tokens).
//
// Parameter layout (timm names; conv weights (out, in / groups, k, k); every conv is
// "<name>.conv.weight" without bias + "<name>.bn.{weight,bias,running_mean,running_var,
// num_batches_tracked}", the last I64; C_i = embed_dims[i]):
//   patch_embed.conv1                 conv 3×3 (C_0 / 2, in_chans), patch_embed.conv2 (C_0, C_0 / 2)
//   stages.0.blocks.j.conv1           1×1 (C_0 · mbconv_expand_ratio, C_0)
//   stages.0.blocks.j.conv2           depthwise 3×3 (C_0 · ratio, 1)
//   stages.0.blocks.j.conv3           1×1 (C_0, C_0 · ratio)
//   stages.i.downsample.conv1/2/3     1×1 (C_i, C_{i-1}), depthwise 3×3 stride 2, 1×1 (C_i, C_i)
//   stages.i.blocks.j.attn.attention_biases  (heads, window²)   parameter, one per offset
//   stages.i.blocks.j.attn.norm       LayerNorm(C_i)
//   stages.i.blocks.j.attn.qkv        Linear(C_i -> 3 C_i), rows per head: q, k, v of head 0, ...
//   stages.i.blocks.j.attn.proj       Linear(C_i -> C_i)
//   stages.i.blocks.j.mlp.norm        LayerNorm(C_i); mlp.fc1 Linear(C_i -> C_i · mlp_ratio), mlp.fc2
//   stages.i.blocks.j.local_conv      depthwise 3×3 (C_i, 1) (local_conv_size)
//   head.norm                         LayerNorm(C_last) after global average pooling
//   head.fc                           Linear(C_last -> num_classes)
// attn.attention_bias_idxs is a non-persistent buffer (not in checkpoints): rebuilt here.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/io/tensor_table.hpp"

namespace bfedge::models {

struct TinyVitConfig {
  std::string architecture = "tiny_vit_5m_224";
  // timm's TinyVit arguments (tiny_vit_5m_224's values).
  std::vector<int> embed_dims = {64, 128, 160, 320};
  std::vector<int> depths = {2, 2, 6, 2};
  std::vector<int> num_heads = {2, 4, 5, 10};
  std::vector<int> window_sizes = {7, 7, 14, 7};
  double mlp_ratio = 4.0;
  double mbconv_expand_ratio = 4.0;
  int local_conv_size = 3;
  int in_chans = 3;
  int num_classes = 1000;
  // bfedge's extension: the stem convs' strides.
  int stem_strides[2] = {2, 2};
  // pretrained_cfg: the input resolution and normalization.
  int image_height = 224, image_width = 224;
  std::vector<double> mean = {0.485, 0.456, 0.406};  // ImageNet's (timm IMAGENET_DEFAULT_MEAN)
  std::vector<double> std = {0.229, 0.224, 0.225};
  std::vector<std::string> label_names;  // by class id; empty when config.json has none

  int stages() const { return static_cast<int>(depths.size()); }
  int mbconv_channels() const { return static_cast<int>(embed_dims[0] * mbconv_expand_ratio); }
  int mlp_hidden(int stage) const { return static_cast<int>(embed_dims[stage] * mlp_ratio); }
  int head_dim(int stage) const { return embed_dims[stage] / num_heads[stage]; }
};

// The feature-map size (height, width) entering each stage's blocks, for config's image size.
struct TinyVitResolution {
  int height = 0, width = 0;
};
TinyVitResolution tinyvit_stem_resolution(const TinyVitConfig& config);
TinyVitResolution tinyvit_stage_resolution(const TinyVitConfig& config, int stage);
// 3×3 conv with padding 1: (in - 1) / stride + 1.
inline int tinyvit_conv_out(int in, int stride) { return (in - 1) / stride + 1; }

// timm's variants: tiny_vit_5m_224, tiny_vit_11m_224, tiny_vit_21m_224, tiny_vit_21m_384,
// tiny_vit_21m_512. Error when the name is not one of them.
Result<TinyVitConfig> tinyvit_variant(std::string_view architecture);
std::span<const std::string_view> tinyvit_variant_names();

// Largest accepted dimension, stage count and block count; beyond is treated as corrupt input.
inline constexpr int kMaxTinyVitDimension = 1 << 16;
inline constexpr int kMaxTinyVitStages = 8;
inline constexpr int kMaxTinyVitDepth = 256;

// Ranges, divisibility, list lengths. Errors "<source>: <field>: <problem>".
Status validate_tinyvit_config(const TinyVitConfig& config, const std::string& source);

// config.json (timm Hub layout above) text -> config; `source` starts every error.
Result<TinyVitConfig> parse_tinyvit_config(std::string_view json_text, const std::string& source);
Result<TinyVitConfig> load_tinyvit_config(const std::string& path);
// config.json text that parse_tinyvit_config reads back to an equal config.
std::string tinyvit_config_json(const TinyVitConfig& config);

enum class TinyVitTensorKind { parameter, buffer };
enum class TinyVitComponent { stem, stage, head };

struct TinyVitTensorSpec {
  std::string name;                 // timm state_dict name
  std::vector<std::int64_t> shape;  // PyTorch shape
  TinyVitTensorKind kind = TinyVitTensorKind::parameter;
  bool is_i64 = false;              // BatchNorm's num_batches_tracked
  TinyVitComponent component = TinyVitComponent::stem;
  int stage = -1;                   // for TinyVitComponent::stage

  std::int64_t elements() const;
};

// Every state_dict entry of timm's TinyVit for `config` (valid), parameters and BatchNorm buffers.
std::vector<TinyVitTensorSpec> tinyvit_tensor_specs(const TinyVitConfig& config);

struct TinyVitParameterCounts {
  std::int64_t stem = 0;
  std::vector<std::int64_t> stages;  // per stage (PatchMerging included)
  std::int64_t head = 0;
  std::int64_t buffers = 0;          // BatchNorm running statistics and counters (not parameters)

  std::int64_t total() const;        // parameters, as sum(p.numel() for p in model.parameters())
};
TinyVitParameterCounts tinyvit_parameter_counts(const TinyVitConfig& config);

// Checks a checkpoint's tensors against tinyvit_tensor_specs: each present with its shape (and
// num_batches_tracked as I64), none unknown ("…attn.attention_bias_idxs", the buffer older
// checkpoints saved, is allowed). Errors name `source` and the first offending tensor.
Status check_tinyvit_tensors(const TinyVitConfig& config, const io::TensorTable& table, const std::string& source);

}  // namespace bfedge::models
