// What `bench mobilebert` and `bench tinyvit` share: the median of interleaved rounds, and the
// libtorch columns of their JSON (times and bfedge's speed-up over each).
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace bfedge::cli {

inline double median_of(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

// Adds torch_f32_us / torch_bf16_us and the ratios to bfedge's `ours_us` (for each peer that ran),
// and "torch" with `note` when libtorch could not run.
inline void add_torch_columns(nlohmann::ordered_json& j, const std::vector<double>& torch_f32_us,
                              const std::vector<double>& torch_bf16_us, const std::string& note, double ours_us) {
  if (!torch_f32_us.empty()) {
    j["torch_f32_us"] = median_of(torch_f32_us);
    j["ratio_bfedge_vs_torch_f32"] = median_of(torch_f32_us) / ours_us;
  }
  if (!torch_bf16_us.empty()) {
    j["torch_bf16_us"] = median_of(torch_bf16_us);
    j["ratio_bfedge_vs_torch_bf16"] = median_of(torch_bf16_us) / ours_us;
  }
  if (!note.empty()) j["torch"] = note;
}

}  // namespace bfedge::cli
