// Default search spaces: each axis from the teacher's value down in steps that keep the configs
// valid (heads dividing widths, at least one block, key dims in steps of 8).
#include "bfedge/prune/search_spaces.hpp"

#include <algorithm>

namespace bfedge::prune {
namespace {

// from, then every `step` below it down to `floor` (at least one value).
std::vector<double> down(int from, int step, int floor) {
  std::vector<double> v = {static_cast<double>(from)};
  for (int x = (from - 1) / step * step; x >= floor; x -= step) {
    if (x < from) v.push_back(x);
  }
  return v;
}

// The values `candidates` below `from`, after `from` itself.
std::vector<double> down_list(int from, std::initializer_list<int> candidates) {
  std::vector<double> v = {static_cast<double>(from)};
  for (int c : candidates) {
    if (c < from) v.push_back(c);
  }
  return v;
}

int at(const SearchSpace& s, const Point& p, const std::string& axis) { return static_cast<int>(axis_value(s, p, axis)); }

Importance zero_importance(const std::vector<TensorSpaces>& spaces) {
  return accumulate_importance(spaces, [](const TensorSpaces&) { return std::span<const float>(); });
}

}  // namespace

Point smallest_point(const SearchSpace& space) {
  Point p;
  for (const Axis& a : space) p.push_back(static_cast<int>(a.values.size()) - 1);
  return p;
}

Status check_budget_reachable(const SearchSpace& space, std::int64_t budget_bytes, const deploy::Footprint& smallest) {
  if (budget_bytes <= 0 || smallest.total_bytes() <= budget_bytes) return Status::ok();
  return invalid_argument("--budget-bytes " + std::to_string(budget_bytes) +
                          ": no candidate can fit; the smallest in the search space, " +
                          point_json(space, smallest_point(space)) + ", needs " +
                          std::to_string(smallest.total_bytes()) + " bytes (weights " +
                          std::to_string(smallest.weight_bytes) + " + activation peak " +
                          std::to_string(smallest.activation_peak_bytes) + ")");
}

SearchSpace tinyvit_search_space(const models::TinyVitConfig& t) {
  SearchSpace s;
  for (int i = 0; i < t.stages(); ++i) s.push_back({"depth." + std::to_string(i), down(t.depths[static_cast<std::size_t>(i)], 1, 1)});
  s.push_back({"stage0", down(t.embed_dims[0], 16, 16)});
  int key_dim = t.head_dim(t.stages() - 1);
  for (int i = 1; i < t.stages(); ++i) {
    s.push_back({"heads." + std::to_string(i), down(t.num_heads[static_cast<std::size_t>(i)], 1, 1)});
    key_dim = std::min(key_dim, t.head_dim(i));
  }
  s.push_back({"key_dim", down(key_dim, 8, 8)});
  s.push_back({"mlp_ratio", down_list(static_cast<int>(t.mlp_ratio), {3, 2, 1})});
  s.push_back({"expand_ratio", down_list(static_cast<int>(t.mbconv_expand_ratio), {3, 2})});
  if (t.mlp_ratio != static_cast<int>(t.mlp_ratio)) s[s.size() - 2].values.front() = t.mlp_ratio;
  if (t.mbconv_expand_ratio != static_cast<int>(t.mbconv_expand_ratio)) s.back().values.front() = t.mbconv_expand_ratio;
  return s;
}

TinyVitShape tinyvit_shape_at(const models::TinyVitConfig& t, const SearchSpace& s, const Point& p) {
  TinyVitShape shape;
  shape.stage0_channels = at(s, p, "stage0");
  shape.mlp_ratio = axis_value(s, p, "mlp_ratio");
  shape.mbconv_expand_ratio = axis_value(s, p, "expand_ratio");
  for (int i = 0; i < t.stages(); ++i) {
    shape.depths.push_back(at(s, p, "depth." + std::to_string(i)));
    shape.heads.push_back(i == 0 ? 0 : at(s, p, "heads." + std::to_string(i)));
    shape.key_dims.push_back(i == 0 ? 0 : at(s, p, "key_dim"));
  }
  return shape;
}

Result<models::TinyVitConfig> tinyvit_candidate_config(const models::TinyVitConfig& t, const TinyVitShape& shape) {
  Result<TinyVitKeep> keep = select_tinyvit_keep(t, zero_importance(tinyvit_spaces(t)), shape);
  if (!keep.is_ok()) return keep.status();
  Result<TinyVitSlicePlan> plan = plan_tinyvit_slice(t, keep.value());
  if (!plan.is_ok()) return plan.status();
  return plan.value().student;
}

SearchSpace mobilebert_search_space(const models::MobileBertConfig& t) {
  return {{"layers", down_list(t.num_hidden_layers, {20, 16, 12, 8, 6, 4, 3, 2, 1})},
          {"heads", down(t.num_attention_heads, 1, 1)},
          {"head_size", down(t.attention_head_size(), 8, 8)},
          {"intermediate", down_list(t.intermediate_size, {384, 256, 192, 128, 96, 64, 32})},
          {"ffns", down(t.num_feedforward_networks, 1, 1)},
          {"hidden", down_list(t.hidden_size, {384, 256, 192, 128, 96, 64})},
          {"embedding", down_list(t.embedding_size, {96, 64, 48, 32, 16})}};
}

MobileBertShape mobilebert_shape_at(const models::MobileBertConfig&, const SearchSpace& s, const Point& p,
                                    std::vector<int> vocab, int positions) {
  MobileBertShape shape;
  shape.layers = at(s, p, "layers"), shape.heads = at(s, p, "heads"), shape.head_size = at(s, p, "head_size");
  shape.intermediate = at(s, p, "intermediate"), shape.ffns = at(s, p, "ffns"), shape.hidden = at(s, p, "hidden");
  shape.embedding = at(s, p, "embedding"), shape.positions = positions, shape.vocab = std::move(vocab);
  return shape;
}

Result<models::MobileBertConfig> mobilebert_candidate_config(const models::MobileBertConfig& t,
                                                             const MobileBertShape& shape) {
  Result<MobileBertKeep> keep = select_mobilebert_keep(t, zero_importance(mobilebert_spaces(t)), shape);
  if (!keep.is_ok()) return keep.status();
  Result<MobileBertSlicePlan> plan = plan_mobilebert_slice(t, keep.value());
  if (!plan.is_ok()) return plan.status();
  return plan.value().student;
}

}  // namespace bfedge::prune
