// x86 matvec on the 16-row packed layout (include/bfedge/kernels/matvec.hpp).
//   AVX-512 BF16: one vdpbf16ps per 16 rows × 2 columns, 4 accumulator chains over k.
//   AVX2 + FMA: each 32-bit lane holds a (k, k+1) pair; even/odd halves widen by shift/mask.
#include "bfedge/kernels/matvec.hpp"
#include "x86_target.hpp"

#include <cstring>

namespace bfedge::kernels {
namespace {

BFEDGE_TARGET_AVX512BF16 void store16(const MatvecParams& p, int r0, __m512 v) {
  const int valid = p.rows - r0 < 16 ? p.rows - r0 : 16;
  const __mmask16 mask = x86::tail_mask16(valid);
  if (p.y_type == OutType::f32) {
    _mm512_mask_storeu_ps(static_cast<float*>(p.y) + r0, mask, v);
  } else {
    _mm256_mask_storeu_epi16(static_cast<bf16*>(p.y) + r0, mask, x86::round_to_bf16_avx512(v));
  }
}

BFEDGE_TARGET_AVX512BF16 __m512bh x_pair(const MatvecParams& p, int kp) {
  std::uint32_t pair;
  if (2 * kp + 1 < p.cols) {
    std::memcpy(&pair, p.x + 2 * kp, 4);
  } else {
    pair = p.x[2 * kp].bits;
  }
  return (__m512bh)_mm512_set1_epi32(static_cast<int>(pair));
}

}  // namespace

// `Blocks` row blocks at a time share each broadcast x pair; 2 accumulator chains per block.
template <int Blocks>
BFEDGE_TARGET_AVX512BF16 void row_blocks(const MatvecParams& p, int r0, int pairs) {
  const std::uint16_t* w[Blocks];
  __m512 acc[Blocks][2];
  for (int b = 0; b < Blocks; ++b) {
    w[b] = reinterpret_cast<const std::uint16_t*>(p.w_packed) +
           static_cast<std::size_t>(r0 / kMatvecRowBlock + b) * pairs * 32;
    acc[b][0] = acc[b][1] = _mm512_setzero_ps();
  }
  int kp = 0;
  for (; kp + 2 <= pairs; kp += 2) {  // unrolled so each chain stays in a register
    const __m512bh x0 = x_pair(p, kp), x1 = x_pair(p, kp + 1);
    for (int b = 0; b < Blocks; ++b) {
      const std::uint16_t* wk = w[b] + static_cast<std::size_t>(kp) * 32;
      acc[b][0] = _mm512_dpbf16_ps(acc[b][0], x0, (__m512bh)_mm512_loadu_si512(wk));
      acc[b][1] = _mm512_dpbf16_ps(acc[b][1], x1, (__m512bh)_mm512_loadu_si512(wk + 32));
    }
  }
  if (kp < pairs) {
    const __m512bh x0 = x_pair(p, kp);
    for (int b = 0; b < Blocks; ++b) {
      acc[b][0] = _mm512_dpbf16_ps(acc[b][0], x0,
                                   (__m512bh)_mm512_loadu_si512(w[b] + static_cast<std::size_t>(kp) * 32));
    }
  }
  for (int b = 0; b < Blocks; ++b) store16(p, r0 + 16 * b, _mm512_add_ps(acc[b][0], acc[b][1]));
}

BFEDGE_TARGET_AVX512BF16 void matvec__avx512bf16_16row(const MatvecParams& p,
                                                      const runtime::Team& team) {
  const int pairs = matvec_pairs(p.cols);
  const runtime::Range rows = runtime::split_blocks(p.rows, kMatvecRowBlock, team.core, team.cores);
  int r0 = rows.begin;
  for (; r0 + 4 * kMatvecRowBlock <= rows.end; r0 += 4 * kMatvecRowBlock) row_blocks<4>(p, r0, pairs);
  for (; r0 < rows.end; r0 += kMatvecRowBlock) row_blocks<1>(p, r0, pairs);
}

BFEDGE_TARGET_AVX2 void matvec__avx2_16row(const MatvecParams& p, const runtime::Team& team) {
  const int pairs = matvec_pairs(p.cols);
  const __m256i high_half = _mm256_set1_epi32(static_cast<int>(0xffff0000u));
  const runtime::Range rows = runtime::split_blocks(p.rows, kMatvecRowBlock, team.core, team.cores);
  for (int r0 = rows.begin; r0 < rows.end; r0 += kMatvecRowBlock) {
    const bf16* w = p.w_packed + static_cast<std::size_t>(r0 / kMatvecRowBlock) * pairs * 32;
    __m256 acc_lo = _mm256_setzero_ps(), acc_hi = _mm256_setzero_ps();  // rows 0-7, 8-15
    for (int kp = 0; kp < pairs; ++kp, w += 32) {
      const __m256 x0 = _mm256_set1_ps(to_f32(p.x[2 * kp]));
      const __m256 x1 = _mm256_set1_ps(2 * kp + 1 < p.cols ? to_f32(p.x[2 * kp + 1]) : 0.0f);
      const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w));
      const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 16));
      acc_lo = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(lo, 16)), x0, acc_lo);
      acc_lo = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(lo, high_half)), x1, acc_lo);
      acc_hi = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(hi, 16)), x0, acc_hi);
      acc_hi = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(hi, high_half)), x1, acc_hi);
    }
    alignas(32) float out[16];
    _mm256_store_ps(out, acc_lo);
    _mm256_store_ps(out + 8, acc_hi);
    const int valid = rows.end - r0 < 16 ? rows.end - r0 : 16;
    for (int r = 0; r < valid; ++r) {
      if (p.y_type == OutType::f32) {
        static_cast<float*>(p.y)[r0 + r] = out[r];
      } else {
        static_cast<bf16*>(p.y)[r0 + r] = to_bf16(out[r]);
      }
    }
  }
}

}  // namespace bfedge::kernels
