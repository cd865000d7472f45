// Row steps shared by the AVX-512 BF16 attention kernels that form scores with the matmul
// (attention_encoder__blocked_avx512bf16, window_attention__avx512bf16): the softmax of one row of
// FP32 scores and the probability-weighted sum of value rows, with the probabilities kept in FP32
// (16 head dimensions per vector): rounding them to BF16 for a BF16 matmul costs up to 2^-9 of
// max |v|, eight times the ops' tolerance (tests/kernels/kernel_cases.hpp).
#pragma once

#include <cmath>

#include "bfedge/core/bf16.hpp"
#include "x86_target.hpp"

namespace bfedge::kernels::x86 {

inline constexpr float kMaskedBias = -3.40282347e38f;  // the lowest float, as attention_encoder__ref adds

// Keys j..j+15 (those in m) of a row: score · scale, plus the lowest float where the key is masked
// (mask null: no key is).
BFEDGE_TARGET_AVX512BF16 inline __m512 scaled_scores(const float* s, const int* mask, int j, __mmask16 m, __m512 scale) {
  const __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, s + j), scale);
  if (mask == nullptr) return v;
  const __mmask16 off = _mm512_mask_cmpeq_epi32_mask(m, _mm512_maskz_loadu_epi32(m, mask + j), _mm512_setzero_si512());
  return _mm512_mask_add_ps(v, off, v, _mm512_set1_ps(kMaskedBias));
}

// A row of scores → its probabilities (FP32, in place) after scaling by `scale`; masked keys weigh
// zero unless every key is masked (then all weigh alike, as in the reference).
BFEDGE_TARGET_AVX512BF16 inline void softmax_row(float* s, const int* mask, int seq, float scale) {
  const __m512 vscale = _mm512_set1_ps(scale);
  __m512 max16 = _mm512_set1_ps(-INFINITY);
  for (int j = 0; j < seq; j += 16) {
    const __mmask16 m = tail_mask16(seq - j);
    max16 = _mm512_mask_max_ps(max16, m, max16, scaled_scores(s, mask, j, m, vscale));
  }
  const __m512 row_max = _mm512_set1_ps(_mm512_reduce_max_ps(max16));
  __m512 sum16 = _mm512_setzero_ps();
  for (int j = 0; j < seq; j += 16) {  // the exponentials, in place, and their sum
    const __mmask16 m = tail_mask16(seq - j);
    const __m512 e = _mm512_maskz_mov_ps(m, exp16_avx512(_mm512_sub_ps(scaled_scores(s, mask, j, m, vscale), row_max)));
    _mm512_mask_storeu_ps(s + j, m, e);
    sum16 = _mm512_add_ps(sum16, e);
  }
  const __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum16));
  for (int j = 0; j < seq; j += 16) {
    const __mmask16 m = tail_mask16(seq - j);
    _mm512_mask_storeu_ps(s + j, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, s + j), inv));
  }
}

// out = Σ_j w_j v_j over `seq` keys, for any head size: 16 dimensions per vector (masked tail),
// up to 8 vectors per pass, two interleaved key chains to hide the FMA latency.
BFEDGE_TARGET_AVX512BF16 inline void weighted_values(int seq, int d, const float* w, const bf16* v, int ldv, bf16* out) {
  for (int c0 = 0; c0 < d; c0 += 128) {
    const int chunks = (d - c0 + 15) / 16 < 8 ? (d - c0 + 15) / 16 : 8;
    __m512 acc[2][8];
    __mmask16 masks[8];
    for (int c = 0; c < chunks; ++c) {
      acc[0][c] = acc[1][c] = _mm512_setzero_ps();
      masks[c] = tail_mask16(d - c0 - 16 * c);
    }
    for (int j = 0; j < seq; ++j) {
      const __m512 wj = _mm512_set1_ps(w[j]);
      const bf16* vj = v + static_cast<std::size_t>(j) * ldv + c0;
      __m512* a = acc[j & 1];
      for (int c = 0; c < chunks; ++c) {
        a[c] = _mm512_fmadd_ps(wj, widen_bf16_avx512(_mm256_maskz_loadu_epi16(masks[c], vj + 16 * c)), a[c]);
      }
    }
    for (int c = 0; c < chunks; ++c) {
      const __m256i rounded = round_to_bf16_avx512(_mm512_add_ps(acc[0][c], acc[1][c]));
      _mm256_mask_storeu_epi16(out + c0 + 16 * c, masks[c], rounded);
    }
  }
}

}  // namespace bfedge::kernels::x86
