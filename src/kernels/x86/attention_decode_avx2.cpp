// AVX2 + FMA decode attention: 8 positions per vector for the scores (transposed keys, widened
// from BF16 by shift), exp8 (fast_exp's polynomial), and values accumulated 8 head dimensions per
// vector with two position chains. Head sizes that are not multiples of 8 finish in scalar code.
#include <cmath>

#include "bfedge/kernels/attention_decode.hpp"
#include "x86_target.hpp"

namespace bfedge::kernels {
namespace {

// Loads min(8, count) BF16 values (zero beyond) and widens them.
BFEDGE_TARGET_AVX2 __m256 load8(const bf16* p, int count) {
  if (count >= 8) return x86::widen_bf16_avx2(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  alignas(16) std::uint16_t tmp[8] = {};
  for (int i = 0; i < count; ++i) tmp[i] = p[i].bits;
  return x86::widen_bf16_avx2(_mm_load_si128(reinterpret_cast<const __m128i*>(tmp)));
}

BFEDGE_TARGET_AVX2 float hmax(__m256 v) {
  alignas(32) float t[8];
  _mm256_store_ps(t, v);
  float m = t[0];
  for (int i = 1; i < 8; ++i) m = t[i] > m ? t[i] : m;
  return m;
}

BFEDGE_TARGET_AVX2 void one_head(const AttentionDecodeParams& p, const bf16* q, const bf16* k,
                                 const bf16* v, bf16* out, float* scores, float* acc) {
  const int n = p.n_positions, hs = p.head_size;
  const float inv_scale = 1.0f / std::sqrt(static_cast<float>(hs));
  __m256 max8 = _mm256_set1_ps(-INFINITY);
  for (int t0 = 0; t0 < n; t0 += 8) {
    const int count = n - t0 < 8 ? n - t0 : 8;
    __m256 s = _mm256_setzero_ps();
    for (int i = 0; i < hs; ++i) {
      s = _mm256_fmadd_ps(_mm256_set1_ps(to_f32(q[i]) * inv_scale),
                          load8(k + static_cast<std::size_t>(i) * p.seq_cap + t0, count), s);
    }
    alignas(32) float t[8];
    _mm256_store_ps(t, s);
    for (int j = 0; j < count; ++j) scores[t0 + j] = t[j];
    for (int j = count; j < 8; ++j) t[j] = -INFINITY;
    max8 = _mm256_max_ps(max8, _mm256_load_ps(t));
  }
  const __m256 shift = _mm256_set1_ps(hmax(max8));
  float sum = 0.0f;
  for (int t0 = 0; t0 < n; t0 += 8) {
    const int count = n - t0 < 8 ? n - t0 : 8;
    alignas(32) float t[8] = {};
    for (int j = 0; j < count; ++j) t[j] = scores[t0 + j];
    _mm256_store_ps(t, x86::exp8_avx2(_mm256_sub_ps(_mm256_load_ps(t), shift)));
    for (int j = 0; j < count; ++j) sum += (scores[t0 + j] = t[j]);
  }
  const int vec_dims = hs / 8 * 8;
  for (int i0 = 0; i0 < vec_dims; i0 += 8) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    int t = 0;
    for (; t + 2 <= n; t += 2) {
      a0 = _mm256_fmadd_ps(_mm256_set1_ps(scores[t]), load8(v + static_cast<std::size_t>(t) * hs + i0, 8), a0);
      a1 = _mm256_fmadd_ps(_mm256_set1_ps(scores[t + 1]), load8(v + static_cast<std::size_t>(t + 1) * hs + i0, 8), a1);
    }
    if (t < n) a0 = _mm256_fmadd_ps(_mm256_set1_ps(scores[t]), load8(v + static_cast<std::size_t>(t) * hs + i0, 8), a0);
    _mm256_storeu_ps(acc + i0, _mm256_add_ps(a0, a1));
  }
  for (int i = vec_dims; i < hs; ++i) {
    float a = 0.0f;
    for (int t = 0; t < n; ++t) a += scores[t] * to_f32(v[static_cast<std::size_t>(t) * hs + i]);
    acc[i] = a;
  }
  const float inv_sum = 1.0f / sum;
  for (int i = 0; i < hs; ++i) out[i] = to_bf16(acc[i] * inv_sum);
}

}  // namespace

BFEDGE_TARGET_AVX2 void attention_decode__avx2(const AttentionDecodeParams& p, const runtime::Team& team) {
  float* scores = core_scratch<float>(p.scratch, attention_decode_scratch(p), team.core);
  float* acc = scores + 2 * static_cast<std::size_t>(p.n_positions);
  const int group = p.n_heads / p.n_kv_heads;
  const runtime::Range heads = runtime::split_range(p.n_heads, team.core, team.cores);
  for (int h = heads.begin; h < heads.end; ++h) {
    const std::size_t g = static_cast<std::size_t>(h / group);
    one_head(p, p.q + static_cast<std::size_t>(h) * p.head_size, p.k_cache + g * p.head_size * p.seq_cap,
             p.v_cache + g * p.seq_cap * p.head_size, p.out + static_cast<std::size_t>(h) * p.head_size,
             scores, acc);
  }
}

}  // namespace bfedge::kernels
