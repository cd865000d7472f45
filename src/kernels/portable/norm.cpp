// Portable norms: rows split over cores; four partial sums per reduction (vectorizable, and
// independent chains on in-order cores).
#include <cmath>

#include "../sum4.hpp"
#include "bfedge/kernels/norm.hpp"

namespace bfedge::kernels {

void rmsnorm__portable(const NormParams& p, const runtime::Team& team) {
  const runtime::Range rows = runtime::split_range(p.rows, team.core, team.cores);
  for (int r = rows.begin; r < rows.end; ++r) {
    const bf16* x = p.x + static_cast<std::size_t>(r) * p.n;
    bf16* out = p.out + static_cast<std::size_t>(r) * p.n;
    const float ss = sum4(p.n, [x](int j) { return to_f32(x[j]) * to_f32(x[j]); });
    const float inv = 1.0f / std::sqrt(ss / static_cast<float>(p.n) + p.eps);
    for (int j = 0; j < p.n; ++j) out[j] = to_bf16(to_f32(p.gamma[j]) * (inv * to_f32(x[j])));
  }
}

void layernorm__portable(const NormParams& p, const runtime::Team& team) {
  const runtime::Range rows = runtime::split_range(p.rows, team.core, team.cores);
  for (int r = rows.begin; r < rows.end; ++r) {
    const bf16* x = p.x + static_cast<std::size_t>(r) * p.n;
    bf16* out = p.out + static_cast<std::size_t>(r) * p.n;
    const float mean = sum4(p.n, [x](int j) { return to_f32(x[j]); }) / static_cast<float>(p.n);
    const float var =
        sum4(p.n, [x, mean](int j) { return (to_f32(x[j]) - mean) * (to_f32(x[j]) - mean); });
    const float inv = 1.0f / std::sqrt(var / static_cast<float>(p.n) + p.eps);
    for (int j = 0; j < p.n; ++j) {
      out[j] = to_bf16((to_f32(x[j]) - mean) * inv * to_f32(p.gamma[j]) + to_f32(p.beta[j]));
    }
  }
}

void nonorm__portable(const NormParams& p, const runtime::Team& team) {
  const runtime::Range rows = runtime::split_range(p.rows, team.core, team.cores);
  for (int r = rows.begin; r < rows.end; ++r) {
    const std::size_t base = static_cast<std::size_t>(r) * p.n;
    for (int j = 0; j < p.n; ++j) {
      p.out[base + j] = to_bf16(to_f32(p.x[base + j]) * to_f32(p.gamma[j]) + to_f32(p.beta[j]));
    }
  }
}

}  // namespace bfedge::kernels
