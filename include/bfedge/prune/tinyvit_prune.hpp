// TinyViT's width spaces (docs/adr/0009) and the slicing of a teacher into a smaller dense timm
// TinyVit: which teacher indices each space keeps → the student's config and, for each of its
// state_dict entries (timm names and order, BatchNorm statistics included), the teacher entry and
// indices it comes from.
#pragma once

#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/models/tinyvit_config.hpp"
#include "bfedge/prune/tensor_slice.hpp"

namespace bfedge::prune {

// Index lists are teacher indices, strictly increasing.
struct TinyVitMbConvKeep {
  int teacher_block = 0;
  std::vector<int> hidden;  // conv1's outputs = the depthwise conv2's channels = conv3's inputs
};

struct TinyVitBlockKeep {
  int teacher_block = 0;
  // The attention's inner width, numbered head · key_dim + d (teacher key_dim = C / heads): whole
  // heads or the same number of dimensions of each kept head; the student's head h is
  // attention[h·s, (h+1)·s), s = its key_dim, and must lie in one teacher head. q, k and v keep the
  // same dimensions; the bias table keeps the kept heads' rows.
  std::vector<int> attention;
  std::vector<int> mlp;  // fc1's outputs = fc2's inputs
};

struct TinyVitStageKeep {
  std::vector<int> channels;  // C_i: the stage's stream
  std::vector<int> merge;     // stage > 0: PatchMerging's inner width (conv1 out, conv2, conv3 in)
  int heads = 0;              // stage > 0: the student's num_heads
  std::vector<TinyVitMbConvKeep> mbconv;  // stage 0
  std::vector<TinyVitBlockKeep> blocks;   // stage > 0
};

struct TinyVitKeep {
  std::vector<int> stem;  // patch_embed.conv1's outputs (C_0 / 2 of them)
  std::vector<TinyVitStageKeep> stages;
  double mlp_ratio = 0;            // the student's: every block's mlp width is int(C_i · mlp_ratio)
  double mbconv_expand_ratio = 0;  // every MBConv's hidden width is int(C_0 · ratio)
};

TinyVitKeep tinyvit_keep_all(const models::TinyVitConfig& teacher);

// The smallest ratio r with int(channels · r) == width (what timm computes from the config).
double ratio_for_width(int channels, int width);

struct TinyVitSlicePlan {
  models::TinyVitConfig student;
  std::vector<TensorSlice> tensors;  // tinyvit_tensor_specs(student) order
};

// Checks `keep` against `teacher` (valid) — lists in range and increasing, the widths timm's config
// implies (stem = C_0 / 2, merge = C_i, attention = C_i with heads dividing it and each student head
// inside one teacher head, mlp and MBConv widths from the ratios, at least one block per stage) —
// then plans the slices. Errors say which list is wrong.
Result<TinyVitSlicePlan> plan_tinyvit_slice(const models::TinyVitConfig& teacher, const TinyVitKeep& keep);

}  // namespace bfedge::prune
