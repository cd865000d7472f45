// Which width space each dimension of each teacher tensor indexes (docs/adr/0009), and the
// importance of every space index and every removable structure (layer, stacked FFN, block)
// accumulated from per-element scores: |w| (magnitude) or |g · w| summed over a calibration set
// (first-order Taylor, computed by the training component). Then keep lists from importance:
// the most important indices of each space for the sizes a candidate asks for.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/io/tensor_table.hpp"
#include "bfedge/models/mobilebert_config.hpp"
#include "bfedge/models/tinyvit_config.hpp"
#include "bfedge/prune/mobilebert_prune.hpp"
#include "bfedge/prune/tinyvit_prune.hpp"

namespace bfedge::prune {

struct DimSpace {
  std::string space;       // "" = not pruned along this dimension (labels, kernel taps, …)
  std::vector<int> index;  // tensor index → space index (empty when space is "")
};

struct TensorSpaces {
  std::string name;  // the teacher checkpoint's name
  std::vector<std::int64_t> shape;
  std::vector<DimSpace> dims;
  std::string structure;  // the removable unit it belongs to ("layer.3", "layer.3.ffn.1", "stage.2.block.4") or ""
};

// Space names — MobileBERT: "vocab", "embedding", "hidden", "pooled", "layer.L.stream",
// "layer.L.shared_qk", "layer.L.attention", "layer.L.ffn.K.intermediate", "layer.L.intermediate";
// TinyViT: "stem", "stage.I.channels", "stage.I.merge", "stage.0.block.J.hidden",
// "stage.I.block.J.attention", "stage.I.block.J.mlp". Positions are kept from the first.
std::vector<TensorSpaces> mobilebert_spaces(const models::MobileBertConfig& config);
std::vector<TensorSpaces> tinyvit_spaces(const models::TinyVitConfig& config);

struct Importance {
  std::map<std::string, std::vector<double>> spaces;  // per space: its indices' scores
  std::map<std::string, double> structures;           // per structure: the sum of its elements' scores
};

// Scores of a tensor's elements, row-major in its shape (an empty span skips the tensor).
using ElementScores = std::function<std::span<const float>(const TensorSpaces& tensor)>;

// A space index's importance: the sum of the scores of every element any tensor holds at it,
// divided by the number of such elements (so that spaces indexed by big and small tensors compare).
Importance accumulate_importance(const std::vector<TensorSpaces>& tensors, const ElementScores& scores);

// |w| of a checkpoint's tensors (magnitude importance). Errors name `source` and the tensor.
Result<Importance> magnitude_importance(const std::vector<TensorSpaces>& tensors, const io::TensorTable& table,
                                        const std::string& source);

// The sizes a MobileBERT candidate asks for; vocab is the task's token ids (with the specials).
struct MobileBertShape {
  int layers = 0, heads = 0, head_size = 0, intermediate = 0, ffns = 0, hidden = 0, embedding = 0, positions = 0;
  std::vector<int> vocab;
};
// Layers and stacked FFNs by structure score; whole heads by their dimensions' summed score, then
// head_size dimensions in each; every other space by its indices' scores. Lists sorted.
Result<MobileBertKeep> select_mobilebert_keep(const models::MobileBertConfig& teacher, const Importance& importance,
                                              const MobileBertShape& shape);

// The sizes a TinyViT candidate asks for: C_0 (stage 0's width), per stage > 0 heads and key_dim
// (C_i = heads · key_dim), blocks per stage and the two ratios.
struct TinyVitShape {
  int stage0_channels = 0;
  std::vector<int> depths, heads, key_dims;  // per stage (heads/key_dims[0] unused)
  double mlp_ratio = 0, mbconv_expand_ratio = 0;
};
Result<TinyVitKeep> select_tinyvit_keep(const models::TinyVitConfig& teacher, const Importance& importance,
                                        const TinyVitShape& shape);

}  // namespace bfedge::prune
