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

namespace {

// Rows of x (+ residual when given) normalized; the sum x + residual stays FP32.
void layernorm_rows(const NormParams& p, const bf16* residual, const runtime::Team& team) {
  const runtime::Range rows = runtime::split_range(p.rows, team.core, team.cores);
  for (int r = rows.begin; r < rows.end; ++r) {
    const bf16* x = p.x + static_cast<std::size_t>(r) * p.n;
    const bf16* res = residual == nullptr ? nullptr : residual + static_cast<std::size_t>(r) * p.n;
    bf16* out = p.out + static_cast<std::size_t>(r) * p.n;
    const auto in = [x, res](int j) { return res == nullptr ? to_f32(x[j]) : to_f32(x[j]) + to_f32(res[j]); };
    const float mean = sum4(p.n, in) / static_cast<float>(p.n);
    const float var = sum4(p.n, [&in, mean](int j) { return (in(j) - mean) * (in(j) - mean); });
    const float inv = 1.0f / std::sqrt(var / static_cast<float>(p.n) + p.eps);
    for (int j = 0; j < p.n; ++j) out[j] = to_bf16((in(j) - mean) * inv * p.scale[j] + p.shift[j]);
  }
}

void nonorm_rows(const NormParams& p, const bf16* residual, const runtime::Team& team) {
  const runtime::Range rows = runtime::split_range(p.rows, team.core, team.cores);
  for (int r = rows.begin; r < rows.end; ++r) {
    const std::size_t base = static_cast<std::size_t>(r) * p.n;
    for (int j = 0; j < p.n; ++j) {
      const float v = residual == nullptr ? to_f32(p.x[base + j]) : to_f32(p.x[base + j]) + to_f32(residual[base + j]);
      p.out[base + j] = to_bf16(v * p.scale[j] + p.shift[j]);
    }
  }
}

}  // namespace

void layernorm__portable(const NormParams& p, const runtime::Team& team) { layernorm_rows(p, nullptr, team); }
void nonorm__portable(const NormParams& p, const runtime::Team& team) { nonorm_rows(p, nullptr, team); }
void add_layernorm__portable(const NormParams& p, const runtime::Team& team) { layernorm_rows(p, p.residual, team); }
void add_nonorm__portable(const NormParams& p, const runtime::Team& team) { nonorm_rows(p, p.residual, team); }

}  // namespace bfedge::kernels
