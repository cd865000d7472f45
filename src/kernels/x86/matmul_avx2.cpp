// AVX2 + FMA matmul: 6×16 register block (12 ymm accumulators). op(B) is widened to f32 once
// per 16-column panel, [k][16]; A elements are widened and broadcast in the inner loop.
#include "bfedge/kernels/matmul.hpp"
#include "x86_target.hpp"

namespace bfedge::kernels {
namespace {

constexpr int kMr = 6;
constexpr int kNr = 16;

BFEDGE_TARGET_AVX2 void pack_panel(const MatmulParams& p, int j0, float* panel) {
  for (int kk = 0; kk < p.k; ++kk) {
    for (int c = 0; c < kNr; ++c) {
      panel[kk * kNr + c] = j0 + c < p.n ? to_f32(matmul_b_at(p, kk, j0 + c)) : 0.0f;
    }
  }
}

template <int Rows>
BFEDGE_TARGET_AVX2 void block(const MatmulParams& p, const float* panel, int i0, int j0, int cols) {
  __m256 acc[kMr][2];
  for (int r = 0; r < Rows; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  const bf16* a[kMr];
  for (int r = 0; r < Rows; ++r) a[r] = p.a + static_cast<std::size_t>(i0 + r) * p.lda;
  for (int kk = 0; kk < p.k; ++kk) {
    const __m256 b0 = _mm256_loadu_ps(panel + kk * kNr);
    const __m256 b1 = _mm256_loadu_ps(panel + kk * kNr + 8);
    for (int r = 0; r < Rows; ++r) {
      const __m256 av = _mm256_set1_ps(to_f32(a[r][kk]));
      acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);
    }
  }
  alignas(32) float out[kNr];
  for (int r = 0; r < Rows; ++r) {
    _mm256_store_ps(out, acc[r][0]);
    _mm256_store_ps(out + 8, acc[r][1]);
    for (int c = 0; c < cols; ++c) {
      const float bias = p.bias != nullptr ? to_f32(p.bias[j0 + c]) : 0.0f;
      store_matmul_out(p, i0 + r, j0 + c, out[c] + bias);
    }
  }
}

using BlockFn = void (*)(const MatmulParams&, const float*, int, int, int);
constexpr BlockFn kBlocks[kMr + 1] = {nullptr,   &block<1>, &block<2>, &block<3>,
                                      &block<4>, &block<5>, &block<6>};

}  // namespace

std::size_t matmul__avx2_6x16_scratch(const MatmulParams& p) {
  return static_cast<std::size_t>(p.k) * kNr * sizeof(float);
}

BFEDGE_TARGET_AVX2 void matmul__avx2_6x16(const MatmulParams& p, const runtime::Team& team) {
  for_each_panel_block<kNr, kMr>(
      p, team, core_scratch<float>(p.scratch, matmul__avx2_6x16_scratch(p), team.core),
      [&p](int j0, float* panel) { pack_panel(p, j0, panel); },
      [&p](const float* panel, int i0, int rows, int j0, int cols) { kBlocks[rows](p, panel, i0, j0, cols); });
}

}  // namespace bfedge::kernels
