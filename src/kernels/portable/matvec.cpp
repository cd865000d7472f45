// Portable matvec on the 16-row packed layout: 16 independent f32 accumulators (one per row,
// vectorizable by the compiler), x widened to f32 once into scratch. Cores take row blocks.
#include "bfedge/kernels/matvec.hpp"

namespace bfedge::kernels {

std::size_t matvec__portable_16row_scratch(const MatvecParams& p) {
  return static_cast<std::size_t>(matvec_pairs(p.cols)) * 2 * sizeof(float);
}

void matvec__portable_16row(const MatvecParams& p, const runtime::Team& team) {
  float* x = core_scratch<float>(p.scratch, matvec__portable_16row_scratch(p), team.core);
  const int pairs = matvec_pairs(p.cols);
  for (int c = 0; c < 2 * pairs; ++c) x[c] = c < p.cols ? to_f32(p.x[c]) : 0.0f;
  const runtime::Range rows = runtime::split_blocks(p.rows, kMatvecRowBlock, team.core, team.cores);
  for (int r0 = rows.begin; r0 < rows.end; r0 += kMatvecRowBlock) {
    const bf16* w = p.w_packed + static_cast<std::size_t>(r0 / kMatvecRowBlock) * pairs * 32;
    float acc[kMatvecRowBlock] = {};
    for (int kp = 0; kp < pairs; ++kp, w += 32) {
      const float x0 = x[2 * kp], x1 = x[2 * kp + 1];
      for (int r = 0; r < kMatvecRowBlock; ++r) {
        acc[r] += to_f32(w[2 * r]) * x0;
        acc[r] += to_f32(w[2 * r + 1]) * x1;
      }
    }
    const int valid = rows.end - r0 < kMatvecRowBlock ? rows.end - r0 : kMatvecRowBlock;
    for (int r = 0; r < valid; ++r) {
      if (p.y_type == OutType::f32) {
        static_cast<float*>(p.y)[r0 + r] = acc[r];
      } else {
        static_cast<bf16*>(p.y)[r0 + r] = to_bf16(acc[r]);
      }
    }
  }
}

}  // namespace bfedge::kernels
