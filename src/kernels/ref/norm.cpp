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

namespace {

// x[at] (+ residual[at] when given), in FP32.
float input(const NormParams& p, const bf16* residual, std::size_t at) {
  return residual == nullptr ? to_f32(p.x[at]) : to_f32(p.x[at]) + to_f32(residual[at]);
}

void layernorm_rows(const NormParams& p, const bf16* residual) {
  for (int r = 0; r < p.rows; ++r) {
    const std::size_t row = static_cast<std::size_t>(r) * p.n;
    float mean = 0.0f;
    for (int j = 0; j < p.n; ++j) mean += input(p, residual, row + j);
    mean /= static_cast<float>(p.n);
    float var = 0.0f;
    for (int j = 0; j < p.n; ++j) var += (input(p, residual, row + j) - mean) * (input(p, residual, row + j) - mean);
    const float inv = 1.0f / std::sqrt(var / static_cast<float>(p.n) + p.eps);
    for (int j = 0; j < p.n; ++j) {
      p.out[row + j] = to_bf16((input(p, residual, row + j) - mean) * inv * p.scale[j] + p.shift[j]);
    }
  }
}

void nonorm_rows(const NormParams& p, const bf16* residual) {
  for (int r = 0; r < p.rows; ++r) {
    for (int j = 0; j < p.n; ++j) {
      const std::size_t at = static_cast<std::size_t>(r) * p.n + j;
      p.out[at] = to_bf16(input(p, residual, at) * p.scale[j] + p.shift[j]);
    }
  }
}

}  // namespace

void layernorm__ref(const NormParams& p, const runtime::Team& team) {
  if (team.core == 0) layernorm_rows(p, nullptr);
}

void nonorm__ref(const NormParams& p, const runtime::Team& team) {
  if (team.core == 0) nonorm_rows(p, nullptr);
}

void add_layernorm__ref(const NormParams& p, const runtime::Team& team) {
  if (team.core == 0) layernorm_rows(p, p.residual);
}

void add_nonorm__ref(const NormParams& p, const runtime::Team& team) {
  if (team.core == 0) nonorm_rows(p, p.residual);
}

}  // namespace bfedge::kernels
