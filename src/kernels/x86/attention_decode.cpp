// AVX-512 decode attention: 16 positions per vector for the scores (transposed keys), a
// vectorized fast_exp (the same polynomial as kernels/fast_math.hpp), and values accumulated
// 16 head dimensions per vector (masked for head sizes that are not multiples of 16).
#include <cmath>

#include "bfedge/kernels/attention_decode.hpp"
#include "x86_target.hpp"

namespace bfedge::kernels {
namespace {

BFEDGE_TARGET_AVX512BF16 __mmask16 tail_mask(int valid) {
  return valid >= 16 ? __mmask16(0xffff) : __mmask16((1u << valid) - 1);
}

BFEDGE_TARGET_AVX512BF16 void one_head(const AttentionDecodeParams& p, const bf16* q, const bf16* k,
                                       const bf16* v, bf16* out, float* scores) {
  const int n = p.n_positions, hs = p.head_size;
  const float inv_scale = 1.0f / std::sqrt(static_cast<float>(hs));
  __m512 max16 = _mm512_set1_ps(-INFINITY);
  for (int t0 = 0; t0 < n; t0 += 16) {
    const __mmask16 mask = tail_mask(n - t0);
    __m512 s = _mm512_setzero_ps();
    for (int i = 0; i < hs; ++i) {
      const __m512 ki = x86::widen_bf16_avx512(
          _mm256_maskz_loadu_epi16(mask, k + static_cast<std::size_t>(i) * p.seq_cap + t0));
      s = _mm512_fmadd_ps(_mm512_set1_ps(to_f32(q[i]) * inv_scale), ki, s);
    }
    _mm512_mask_storeu_ps(scores + t0, mask, s);
    max16 = _mm512_mask_max_ps(max16, mask, max16, s);
  }
  const __m512 max_score = _mm512_set1_ps(_mm512_reduce_max_ps(max16));
  __m512 sum16 = _mm512_setzero_ps();
  for (int t0 = 0; t0 < n; t0 += 16) {
    const __mmask16 mask = tail_mask(n - t0);
    const __m512 e = x86::exp16_avx512(_mm512_sub_ps(_mm512_maskz_loadu_ps(mask, scores + t0), max_score));
    _mm512_mask_storeu_ps(scores + t0, mask, e);
    sum16 = _mm512_mask_add_ps(sum16, mask, sum16, e);
  }
  const float inv_sum = 1.0f / _mm512_reduce_add_ps(sum16);
  for (int i0 = 0; i0 < hs; i0 += 128) {  // up to 8 vectors of 16 head dimensions at a time
    const int chunks = (hs - i0 + 15) / 16 < 8 ? (hs - i0 + 15) / 16 : 8;
    __m512 acc[8];
    __mmask16 masks[8];
    for (int c = 0; c < chunks; ++c) {
      acc[c] = _mm512_setzero_ps();
      masks[c] = tail_mask(hs - i0 - 16 * c);
    }
    for (int t = 0; t < n; ++t) {
      const __m512 w = _mm512_set1_ps(scores[t]);
      const bf16* vt = v + static_cast<std::size_t>(t) * hs + i0;
      for (int c = 0; c < chunks; ++c) {
        acc[c] = _mm512_fmadd_ps(
            w, x86::widen_bf16_avx512(_mm256_maskz_loadu_epi16(masks[c], vt + 16 * c)), acc[c]);
      }
    }
    for (int c = 0; c < chunks; ++c) {
      _mm256_mask_storeu_epi16(out + i0 + 16 * c, masks[c],
                               x86::round_to_bf16_avx512(_mm512_mul_ps(acc[c], _mm512_set1_ps(inv_sum))));
    }
  }
}

}  // namespace

BFEDGE_TARGET_AVX512BF16 void attention_decode__avx512bf16(const AttentionDecodeParams& p,
                                                          const runtime::Team& team) {
  float* scores = core_scratch<float>(p.scratch, attention_decode_scratch(p), team.core);
  const int group = p.n_heads / p.n_kv_heads;
  const runtime::Range heads = runtime::split_range(p.n_heads, team.core, team.cores);
  for (int h = heads.begin; h < heads.end; ++h) {
    const std::size_t g = static_cast<std::size_t>(h / group);
    one_head(p, p.q + static_cast<std::size_t>(h) * p.head_size,
             p.k_cache + g * p.head_size * p.seq_cap, p.v_cache + g * p.seq_cap * p.head_size,
             p.out + static_cast<std::size_t>(h) * p.head_size, scores);
  }
}

}  // namespace bfedge::kernels
