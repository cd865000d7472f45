// The BF16 TinyViT classifier as a graph: one forward of `batch` images (shapes are concrete: one
// graph per batch size), BF16 weights and activations with FP32 accumulation in every dot
// product, norm and softmax; the LayerNorms' weight and bias and the attention bias tables stay
// FP32 (kernels/norm.hpp, kernels/window.hpp say why). The semantics are tinyvit_forward_f32's
// (tinyvit.hpp), node by node, over NHWC maps (batch, h, w, c) whose rows are the tokens. Every
// GELU is fused into the node before it (an epilogue, "+gelu": applied in FP32 before the one
// rounding), and the image enters exactly (docs/adr/0001):
//   input       images (batch, H, W, 2 · in_chans) bf16: per pixel the normalized values'
//               BF16 high halves, then their low halves x − hi (so hi + lo is the FP32 image)
//   stem        conv2d 3×3 over [hi, lo] with the weights repeated (= conv of the FP32 image)
//               +gelu → conv2d 3×3                                             "stem"
//   stage 0     per MBConv block: linear (1×1) +gelu → depthwise 3×3 +gelu → linear (1×1)
//               → add x +gelu                                              "stages.0.blocks.j"
//   stage i     PatchMerging: linear (1×1) +gelu → depthwise 3×3 stride 2 +gelu → linear (1×1)
//                                                                          "stages.i.downsample"
//               per block: window_partition → layernorm → linear qkv → window_attention →
//               linear proj → window_reverse → add x → depthwise local_conv → layernorm → fc1
//               +gelu → fc2 → add                                          "stages.i.blocks.j"
//   head        mean_tokens → layernorm → linear (f32 logits)
// A 1×1 stride-1 conv is a linear over the map's rows (the GEMM path); other convs are conv2d,
// or depthwise_conv2d when groups == channels. When a map is exactly one window (h == w ==
// window), partition and reverse are the identity and are left out: the block reads and writes
// the map directly. Node names are timm's modules ("stages.1.blocks.0.attn.qkv").
#pragma once

#include <string>
#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/graph/graph.hpp"
#include "bfedge/models/tinyvit.hpp"
#include "bfedge/models/tinyvit_config.hpp"

namespace bfedge::models {

struct TinyVitGraph {
  graph::Graph graph;
  int batch = 0;
  graph::TensorId images = graph::kNone;  // input (batch, image_height, image_width, 2 · in_chans) bf16
  graph::TensorId logits = graph::kNone;  // output (batch, num_classes) f32
  // With keep_hidden_states: tinyvit_forward_f32's hidden states in its order and with its names
  // ("stem", "stages.1.downsample", "stages.1.blocks.0", ...), outputs (batch, h, w, c) bf16.
  std::vector<std::string> hidden_names;
  std::vector<graph::TensorId> hidden_states;
};

// Normalized HWC values of `pixels` pixels into the graph's `images` layout: per pixel the
// `channels` values' BF16 high halves, then their low halves x − hi; `out` holds 2 · pixels ·
// channels values.
void split_image_halves(const float* values, std::size_t pixels, int channels, bf16* out);

// `config` valid (validate_tinyvit_config), `weights` shaped for it (tinyvit_weights_from_table,
// tinyvit_random_weights), batch >= 1. The weights are converted here (BF16, RNE; conv weights
// into the kernels' layouts) into storage the graph owns; `weights` may go away afterwards.
Result<TinyVitGraph> build_tinyvit_graph(const TinyVitConfig& config, const TinyVitWeights& weights, int batch,
                                         bool keep_hidden_states = false);

}  // namespace bfedge::models
