// window_attention__avx512bf16: per (window, head, tile of 32 queries) on one core, S = Q·Kᵀ with
// the AVX-512 BF16 matmul (FP32 out); per row, the scale and the bias gathered at
// |y_i − y_j| · window + |x_i − x_j| (16 keys per vector), then the softmax and O = P·V with the
// probabilities kept in FP32 (attention_rows.hpp).
#include <cmath>

#include "bfedge/kernels/matmul.hpp"
#include "bfedge/kernels/window.hpp"
#include "attention_rows.hpp"

namespace bfedge::kernels {
namespace {

constexpr int kQueryTile = 32;

std::size_t matmul_scratch(const WindowAttentionParams& p) {
  MatmulParams qk;
  qk.k = p.head_size, qk.n = p.tokens(), qk.b_transposed = true;
  return aligned_scratch_bytes(matmul__avx512bf16_8x32_scratch(qk));
}

std::size_t score_bytes(const WindowAttentionParams& p) {
  return aligned_scratch_bytes(static_cast<std::size_t>(kQueryTile) * p.tokens() * sizeof(float));
}

// Token t of a window sits at row t / window, column t % window: two int arrays of tokens().
std::size_t coordinate_bytes(const WindowAttentionParams& p) {
  return aligned_scratch_bytes(2 * static_cast<std::size_t>(p.tokens()) * sizeof(int));
}

// s_j ← s_j · scale + bias[|yi − y_j| · window + |xi − x_j|] for the n keys of one query row.
BFEDGE_TARGET_AVX512BF16 void scale_and_add_bias(float* s, int n, const float* bias, const int* ys, const int* xs, int yi,
                                                 int xi, int window, float scale) {
  const __m512 vscale = _mm512_set1_ps(scale);
  const __m512i vy = _mm512_set1_epi32(yi), vx = _mm512_set1_epi32(xi), vwindow = _mm512_set1_epi32(window);
  for (int j = 0; j < n; j += 16) {
    const __mmask16 m = x86::tail_mask16(n - j);
    const __m512i dy = _mm512_abs_epi32(_mm512_sub_epi32(vy, _mm512_maskz_loadu_epi32(m, ys + j)));
    const __m512i dx = _mm512_abs_epi32(_mm512_sub_epi32(vx, _mm512_maskz_loadu_epi32(m, xs + j)));
    const __m512i index = _mm512_add_epi32(_mm512_mullo_epi32(dy, vwindow), dx);
    const __m512 b = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, index, bias, sizeof(float));
    _mm512_mask_storeu_ps(s + j, m, _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, s + j), vscale, b));
  }
}

}  // namespace

std::size_t window_attention__avx512bf16_scratch(const WindowAttentionParams& p) {
  return score_bytes(p) + coordinate_bytes(p) + matmul_scratch(p);
}

BFEDGE_TARGET_AVX512BF16 void window_attention__avx512bf16(const WindowAttentionParams& p, const runtime::Team& team) {
  const int n = p.tokens(), d = p.head_size, row_width = 3 * p.heads * d, out_width = p.heads * d;
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  unsigned char* mine = core_scratch<unsigned char>(p.scratch, window_attention__avx512bf16_scratch(p), team.core);
  float* s = reinterpret_cast<float*>(mine);
  int* ys = reinterpret_cast<int*>(mine + score_bytes(p));
  int* xs = ys + n;
  void* mm_scratch = mine + score_bytes(p) + coordinate_bytes(p);
  for (int t = 0; t < n; ++t) ys[t] = t / p.window, xs[t] = t % p.window;
  const runtime::Team solo{};
  const int tiles = (n + kQueryTile - 1) / kQueryTile;
  const runtime::Range items = runtime::split_range(p.windows * p.heads * tiles, team.core, team.cores);
  for (int item = items.begin; item < items.end; ++item) {
    const int w = item / (p.heads * tiles), h = item / tiles % p.heads, q0 = item % tiles * kQueryTile;
    const int rows = n - q0 < kQueryTile ? n - q0 : kQueryTile;
    const std::size_t first = static_cast<std::size_t>(w) * n, q_col = static_cast<std::size_t>(h) * 3 * d;
    const bf16* window_rows = p.qkv + first * row_width;
    MatmulParams qk;
    qk.m = rows, qk.n = n, qk.k = d;
    qk.a = window_rows + static_cast<std::size_t>(q0) * row_width + q_col, qk.lda = row_width;
    qk.b = window_rows + q_col + d, qk.ldb = row_width, qk.b_transposed = true;
    qk.c = s, qk.ldc = n, qk.c_type = OutType::f32, qk.scratch = mm_scratch;
    matmul__avx512bf16_8x32(qk, solo);
    const float* bias = p.bias + static_cast<std::size_t>(h) * n;
    for (int r = 0; r < rows; ++r) {
      float* row = s + static_cast<std::size_t>(r) * n;
      scale_and_add_bias(row, n, bias, ys, xs, ys[q0 + r], xs[q0 + r], p.window, scale);
      x86::softmax_row(row, nullptr, n, 1.0f);
      x86::weighted_values(n, d, row, window_rows + q_col + 2 * d, row_width,
                           p.out + (first + q0 + r) * out_width + static_cast<std::size_t>(h) * d);
    }
  }
}

}  // namespace bfedge::kernels
