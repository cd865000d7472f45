// AVX-512 decode attention: 16 positions per vector for the scores (transposed keys), a
// vectorized fast_exp (the same polynomial as kernels/fast_math.hpp), and values accumulated
// 16 head dimensions per vector (masked for head sizes that are not multiples of 16).
#include <cmath>

#include "bfedge/kernels/attention_decode.hpp"
#include "x86_target.hpp"

namespace bfedge::kernels {
namespace {

// out = inv_sum · Σ_t w_t v_t for any head size: 16 dimensions per vector (masked tail), up to
// 8 vectors per pass, and 2 interleaved position chains to hide the FMA latency.
BFEDGE_TARGET_AVX512BF16 void accumulate_values(int n, int hs, const float* w, const bf16* v,
                                                float inv_sum, bf16* out) {
  for (int i0 = 0; i0 < hs; i0 += 128) {
    const int chunks = (hs - i0 + 15) / 16 < 8 ? (hs - i0 + 15) / 16 : 8;
    __m512 acc[2][8];
    __mmask16 masks[8];
    for (int c = 0; c < chunks; ++c) {
      acc[0][c] = acc[1][c] = _mm512_setzero_ps();
      masks[c] = x86::tail_mask16(hs - i0 - 16 * c);
    }
    for (int t = 0; t < n; ++t) {
      const __m512 wt = _mm512_set1_ps(w[t]);
      const bf16* vt = v + static_cast<std::size_t>(t) * hs + i0;
      __m512* a = acc[t & 1];
      for (int c = 0; c < chunks; ++c) {
        a[c] = _mm512_fmadd_ps(wt, x86::widen_bf16_avx512(_mm256_maskz_loadu_epi16(masks[c], vt + 16 * c)), a[c]);
      }
    }
    for (int c = 0; c < chunks; ++c) {
      const __m512 sum = _mm512_mul_ps(_mm512_add_ps(acc[0][c], acc[1][c]), _mm512_set1_ps(inv_sum));
      _mm256_mask_storeu_epi16(out + i0 + 16 * c, masks[c], x86::round_to_bf16_avx512(sum));
    }
  }
}

// Head size 8 (stories260K): two positions per vector ([w_t ×8 | w_t+1 ×8] · [v_t | v_t+1]),
// 4 independent chains, halves folded at the end.
BFEDGE_TARGET_AVX512BF16 void accumulate_values_head8(int n, const float* w, const bf16* v,
                                                      float inv_sum, bf16* out) {
  __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
  const __m512i pair_index = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
  for (int t0 = 0; t0 < n; t0 += 16) {
    const __m512 w16 = _mm512_maskz_loadu_ps(x86::tail_mask16(n - t0), w + t0);
    for (int q = 0; q < 8 && t0 + 2 * q < n; ++q) {
      const __m512 wq = _mm512_permutexvar_ps(_mm512_add_epi32(pair_index, _mm512_set1_epi32(2 * q)), w16);
      const __mmask16 live = t0 + 2 * q + 1 < n ? __mmask16(0xffff) : __mmask16(0x00ff);
      const __m512 vq = x86::widen_bf16_avx512(
          _mm256_maskz_loadu_epi16(live, v + static_cast<std::size_t>(t0 + 2 * q) * 8));
      acc[q & 3] = _mm512_fmadd_ps(wq, vq, acc[q & 3]);
    }
  }
  const __m512 total = _mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3]));
  const __m256 folded = _mm256_add_ps(_mm512_castps512_ps256(total), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(total), 1)));
  const __m512 scaled = _mm512_castps256_ps512(_mm256_mul_ps(folded, _mm256_set1_ps(inv_sum)));
  _mm256_mask_storeu_epi16(out, 0x00ff, x86::round_to_bf16_avx512(scaled));
}

// Scores, softmax and values for `Heads` (1 or 2) query heads of one KV group: the key loads
// and their widening are shared by the heads, which also gives independent FMA chains.
template <int Heads>
BFEDGE_TARGET_AVX512BF16 void head_group(const AttentionDecodeParams& p, const bf16* q, const bf16* k,
                                         const bf16* v, bf16* out, float* scores) {
  const int n = p.n_positions, hs = p.head_size;
  const float inv_scale = 1.0f / std::sqrt(static_cast<float>(hs));
  __m512 max16[Heads];
  for (int h = 0; h < Heads; ++h) max16[h] = _mm512_set1_ps(-INFINITY);
  for (int t0 = 0; t0 < n; t0 += 16) {
    const __mmask16 mask = x86::tail_mask16(n - t0);
    __m512 s[Heads];
    for (int h = 0; h < Heads; ++h) s[h] = _mm512_setzero_ps();
    for (int i = 0; i < hs; ++i) {
      const __m512 ki = x86::widen_bf16_avx512(
          _mm256_maskz_loadu_epi16(mask, k + static_cast<std::size_t>(i) * p.seq_cap + t0));
      for (int h = 0; h < Heads; ++h) {
        s[h] = _mm512_fmadd_ps(_mm512_set1_ps(to_f32(q[h * hs + i]) * inv_scale), ki, s[h]);
      }
    }
    for (int h = 0; h < Heads; ++h) {
      _mm512_mask_storeu_ps(scores + h * n + t0, mask, s[h]);
      max16[h] = _mm512_mask_max_ps(max16[h], mask, max16[h], s[h]);
    }
  }
  for (int h = 0; h < Heads; ++h) {
    float* sh = scores + h * n;
    const __m512 max_score = _mm512_set1_ps(_mm512_reduce_max_ps(max16[h]));
    __m512 sum16 = _mm512_setzero_ps();
    for (int t0 = 0; t0 < n; t0 += 16) {
      const __mmask16 mask = x86::tail_mask16(n - t0);
      const __m512 e = x86::exp16_avx512(_mm512_sub_ps(_mm512_maskz_loadu_ps(mask, sh + t0), max_score));
      _mm512_mask_storeu_ps(sh + t0, mask, e);
      sum16 = _mm512_mask_add_ps(sum16, mask, sum16, e);
    }
    const float inv_sum = 1.0f / _mm512_reduce_add_ps(sum16);
    if (hs == 8) {
      accumulate_values_head8(n, sh, v, inv_sum, out + h * hs);
    } else {
      accumulate_values(n, hs, sh, v, inv_sum, out + h * hs);
    }
  }
}

}  // namespace

BFEDGE_TARGET_AVX512BF16 void attention_decode__avx512bf16(const AttentionDecodeParams& p,
                                                          const runtime::Team& team) {
  float* scores = core_scratch<float>(p.scratch, attention_decode_scratch(p), team.core);
  const int group = p.n_heads / p.n_kv_heads, hs = p.head_size;
  // Cores take whole KV groups when there are enough of them, single heads otherwise.
  const bool by_group = p.n_kv_heads >= team.cores;
  const runtime::Range r = runtime::split_range(by_group ? p.n_kv_heads : p.n_heads, team.core, team.cores);
  const int h_begin = by_group ? r.begin * group : r.begin, h_end = by_group ? r.end * group : r.end;
  for (int h = h_begin; h < h_end;) {
    const std::size_t g = static_cast<std::size_t>(h / group);
    const bf16* k = p.k_cache + g * hs * p.seq_cap;
    const bf16* v = p.v_cache + g * p.seq_cap * hs;
    const std::size_t at = static_cast<std::size_t>(h) * hs;
    if (h + 1 < h_end && (h + 1) / group == h / group) {
      head_group<2>(p, p.q + at, k, v, p.out + at, scores);
      h += 2;
    } else {
      head_group<1>(p, p.q + at, k, v, p.out + at, scores);
      h += 1;
    }
  }
}

}  // namespace bfedge::kernels
