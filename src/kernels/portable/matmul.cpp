// Portable register-blocked matmul: 4×4 f32 accumulators, B widened to f32 once per 4-column
// panel (the PULP lesson: widen a tile as it lands, not inside the inner loop). Cores take
// panels of columns, or blocks of rows when there are fewer panels than cores.
#include "bfedge/kernels/matmul.hpp"

namespace bfedge::kernels {
namespace {

constexpr int kMr = 4;
constexpr int kNr = 4;

// panel[kk * 4 + c] = op(B)(kk, j0 + c), zero past n.
void pack_panel(const MatmulParams& p, int j0, float* panel) {
  for (int kk = 0; kk < p.k; ++kk) {
    for (int c = 0; c < kNr; ++c) {
      panel[kk * kNr + c] = j0 + c < p.n ? to_f32(matmul_b_at(p, kk, j0 + c)) : 0.0f;
    }
  }
}

void block(const MatmulParams& p, const float* panel, int i0, int rows, int j0, int cols) {
  float acc[kMr][kNr] = {};
  const bf16* a_rows[kMr];
  for (int r = 0; r < kMr; ++r) {
    a_rows[r] = p.a + static_cast<std::size_t>(i0 + (r < rows ? r : 0)) * p.lda;
  }
  for (int kk = 0; kk < p.k; ++kk) {
    const float* b = panel + kk * kNr;
    for (int r = 0; r < kMr; ++r) {
      const float a = to_f32(a_rows[r][kk]);
      for (int c = 0; c < kNr; ++c) acc[r][c] += a * b[c];
    }
  }
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const float bias = p.bias != nullptr ? to_f32(p.bias[j0 + c]) : 0.0f;
      store_matmul_out(p, i0 + r, j0 + c, acc[r][c] + bias);
    }
  }
}

}  // namespace

std::size_t matmul__portable_4x4_scratch(const MatmulParams& p) {
  return static_cast<std::size_t>(p.k) * kNr * sizeof(float);
}

void matmul__portable_4x4(const MatmulParams& p, const runtime::Team& team) {
  for_each_panel_block<kNr, kMr>(
      p, team, core_scratch<float>(p.scratch, matmul__portable_4x4_scratch(p), team.core),
      [&p](int j0, float* panel) { pack_panel(p, j0, panel); },
      [&p](const float* panel, int i0, int rows, int j0, int cols) { block(p, panel, i0, rows, j0, cols); });
}

}  // namespace bfedge::kernels
