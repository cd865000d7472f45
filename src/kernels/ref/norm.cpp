#include <cmath>

#include "bfedge/kernels/norm.hpp"
#include "bfedge/kernels/ref.hpp"

namespace bfedge::kernels {

// The same oracle the f32/bf16 reference models use (kernels/ref.hpp), row by row.
void rmsnorm__ref(const NormParams& p, const runtime::Team& team) {
  if (team.core != 0) return;
  for (int r = 0; r < p.rows; ++r) {
    const std::size_t at = static_cast<std::size_t>(r) * p.n;
    ref::rmsnorm(p.out + at, p.x + at, p.gamma, p.n);
  }
}

void layernorm__ref(const NormParams& p, const runtime::Team& team) {
  if (team.core != 0) return;
  for (int r = 0; r < p.rows; ++r) {
    const bf16* x = p.x + static_cast<std::size_t>(r) * p.n;
    float mean = 0.0f;
    for (int j = 0; j < p.n; ++j) mean += to_f32(x[j]);
    mean /= static_cast<float>(p.n);
    float var = 0.0f;
    for (int j = 0; j < p.n; ++j) var += (to_f32(x[j]) - mean) * (to_f32(x[j]) - mean);
    const float inv = 1.0f / std::sqrt(var / static_cast<float>(p.n) + p.eps);
    for (int j = 0; j < p.n; ++j) {
      p.out[static_cast<std::size_t>(r) * p.n + j] =
          to_bf16((to_f32(x[j]) - mean) * inv * to_f32(p.gamma[j]) + to_f32(p.beta[j]));
    }
  }
}

void nonorm__ref(const NormParams& p, const runtime::Team& team) {
  if (team.core != 0) return;
  for (int r = 0; r < p.rows; ++r) {
    for (int j = 0; j < p.n; ++j) {
      const std::size_t at = static_cast<std::size_t>(r) * p.n + j;
      p.out[at] = to_bf16(to_f32(p.x[at]) * to_f32(p.gamma[j]) + to_f32(p.beta[j]));
    }
  }
}

}  // namespace bfedge::kernels
