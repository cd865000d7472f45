// TinyViT's weights (BatchNorm folded into each conv, as timm's ConvNorm.fuse()) and the FP32
// reference forward pass: timm's TinyVit in eval mode, read top to bottom, the oracle of the BF16
// graph and the FP32 twin of libtorch's module.
//
// Activations are NHWC: images (batch, height, width, in_chans) already normalized
// ((pixel / 255 - mean) / std), feature maps (batch, h, w, channels), which are also the token rows
// (batch · h · w, channels) of the transformer stages.
//   stem      conv1 3×3 (stem_strides[0]) → GELU → conv2 3×3 (stem_strides[1])
//   stage 0   MBConv blocks: 1×1 → GELU → depthwise 3×3 → GELU → 1×1, + x, GELU
//   stage i   PatchMerging (1×1 → GELU → depthwise 3×3 stride 2 → GELU → 1×1), then blocks:
//             x + window_attention(x); local_conv (depthwise 3×3); x + mlp(x)
//   head      mean over tokens → LayerNorm → fc
// window_attention pads the map at the bottom/right to whole windows with zero tokens (which take
// part, unmasked, as keys and values), and per window: LayerNorm → qkv → per head
// softmax(q·kᵀ/√d + bias[h, |Δy|·w + |Δx|]) · v → proj; padded rows are dropped. GELU is the
// erf form; every LayerNorm uses eps 1e-5, every BatchNorm eps 1e-5.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/io/tensor_table.hpp"
#include "bfedge/models/tinyvit_config.hpp"

namespace bfedge::models {

// A conv with its BatchNorm folded in: weight (out, in / groups, k, k) as PyTorch, bias (out).
struct TinyVitConv {
  std::vector<float> weight;
  std::vector<float> bias;
  int in_channels = 0, out_channels = 0, kernel = 1, stride = 1, padding = 0, groups = 1;
};

struct TinyVitLinear {
  std::vector<float> weight;  // (out, in)
  std::vector<float> bias;    // (out)
};

struct TinyVitNorm {  // LayerNorm, eps 1e-5
  std::vector<float> weight;
  std::vector<float> bias;
};

struct TinyVitMbConv {
  TinyVitConv expand;     // 1×1 (C · ratio, C)
  TinyVitConv depthwise;  // 3×3 (C · ratio)
  TinyVitConv project;    // 1×1 (C, C · ratio)
};

struct TinyVitBlock {
  std::vector<float> attention_biases;  // (heads, window²): one per offset (|Δy|, |Δx|)
  TinyVitNorm attention_norm;
  TinyVitLinear qkv;   // (3C, C): rows per head h: q [h·3d, h·3d + d), k, v (d = C / heads)
  TinyVitLinear proj;  // (C, C)
  TinyVitConv local_conv;
  TinyVitNorm mlp_norm;
  TinyVitLinear fc1;  // (C · mlp_ratio, C)
  TinyVitLinear fc2;  // (C, C · mlp_ratio)
};

struct TinyVitStage {
  std::vector<TinyVitMbConv> mbconv;  // stage 0
  TinyVitConv merge_expand, merge_depthwise, merge_project;  // PatchMerging (stage > 0)
  std::vector<TinyVitBlock> blocks;                          // stage > 0
};

struct TinyVitWeights {
  TinyVitConv stem1, stem2;
  std::vector<TinyVitStage> stages;
  TinyVitNorm head_norm;
  TinyVitLinear head_fc;  // (num_classes, C_last)
};

inline constexpr double kTinyVitNormEps = 1e-5;

// The weights of a timm checkpoint by name (checked with check_tinyvit_tensors first), BatchNorm
// folded in double: w' = w · γ / √(var + eps), b' = β − mean · γ / √(var + eps). `source` starts
// every error (a non-finite value, a negative running_var).
Result<TinyVitWeights> tinyvit_weights_from_table(const TinyVitConfig& config, const io::TensorTable& table,
                                                  const std::string& source);

struct TinyVitModel {
  TinyVitConfig config;
  TinyVitWeights weights;
};

// DIR/config.json (timm's Hub layout) and DIR/model.safetensors (timm's names). Errors name the file.
Result<TinyVitModel> load_tinyvit(const std::string& dir);

// Seeded folded weights at a trained model's scale (convs and linears N(0, √(1/fan_in)), norms
// near 1, small biases and attention biases), for tests and benchmarks without a checkpoint.
TinyVitWeights tinyvit_random_weights(const TinyVitConfig& config, std::uint32_t seed);

// The bias table index of every (query, key) pair of a window × window window, as timm's
// attention_bias_idxs (offsets numbered in order of first appearance): (window², window²).
std::vector<int> tinyvit_attention_bias_index(int window);

struct TinyVitOutputs {
  std::vector<float> logits;  // (batch, num_classes)
  // With keep_hidden_states: the stem's output, then each block's (and each PatchMerging's)
  // output, NHWC; names like "stem", "stages.1.downsample", "stages.1.blocks.0".
  std::vector<std::string> hidden_names;
  std::vector<std::vector<float>> hidden_states;
};

// `images` (batch, image_height, image_width, in_chans), normalized.
Result<TinyVitOutputs> tinyvit_forward_f32(const TinyVitConfig& config, const TinyVitWeights& weights,
                                           const std::vector<float>& images, int batch,
                                           bool keep_hidden_states = false);

}  // namespace bfedge::models
