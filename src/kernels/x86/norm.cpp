// AVX-512 RMSNorm and LayerNorm (with and without the fused residual add): 16 elements per vector,
// masked tail; LayerNorm's mean and variance in two passes, as the reference.
#include <cmath>

#include "bfedge/kernels/norm.hpp"
#include "x86_target.hpp"

namespace bfedge::kernels {

BFEDGE_TARGET_AVX512BF16 void rmsnorm__avx512bf16(const NormParams& p, const runtime::Team& team) {
  const runtime::Range rows = runtime::split_range(p.rows, team.core, team.cores);
  for (int r = rows.begin; r < rows.end; ++r) {
    const bf16* x = p.x + static_cast<std::size_t>(r) * p.n;
    bf16* out = p.out + static_cast<std::size_t>(r) * p.n;
    __m512 ss = _mm512_setzero_ps();
    for (int j = 0; j < p.n; j += 16) {
      const __mmask16 m = x86::tail_mask16(p.n - j);
      const __m512 v = x86::widen_bf16_avx512(_mm256_maskz_loadu_epi16(m, x + j));
      ss = _mm512_fmadd_ps(v, v, ss);
    }
    const __m512 inv = _mm512_set1_ps(1.0f / std::sqrt(_mm512_reduce_add_ps(ss) / static_cast<float>(p.n) + p.eps));
    for (int j = 0; j < p.n; j += 16) {
      const __mmask16 m = x86::tail_mask16(p.n - j);
      const __m512 v = x86::widen_bf16_avx512(_mm256_maskz_loadu_epi16(m, x + j));
      const __m512 g = x86::widen_bf16_avx512(_mm256_maskz_loadu_epi16(m, p.gamma + j));
      _mm256_mask_storeu_epi16(out + j, m, x86::round_to_bf16_avx512(_mm512_mul_ps(g, _mm512_mul_ps(inv, v))));
    }
  }
}

namespace {

// x (+ residual) of row r's 16 lanes at column j, in FP32.
BFEDGE_TARGET_AVX512BF16 inline __m512 load_input(const bf16* x, const bf16* residual, int j, __mmask16 m) {
  const __m512 v = x86::widen_bf16_avx512(_mm256_maskz_loadu_epi16(m, x + j));
  if (residual == nullptr) return v;
  return _mm512_add_ps(v, x86::widen_bf16_avx512(_mm256_maskz_loadu_epi16(m, residual + j)));
}

BFEDGE_TARGET_AVX512BF16 void layernorm_rows_avx512(const NormParams& p, const bf16* residual, const runtime::Team& team) {
  const runtime::Range rows = runtime::split_range(p.rows, team.core, team.cores);
  for (int r = rows.begin; r < rows.end; ++r) {
    const std::size_t base = static_cast<std::size_t>(r) * p.n;
    const bf16* x = p.x + base;
    const bf16* res = residual == nullptr ? nullptr : residual + base;
    bf16* out = p.out + base;
    __m512 sum = _mm512_setzero_ps();
    for (int j = 0; j < p.n; j += 16) sum = _mm512_add_ps(sum, load_input(x, res, j, x86::tail_mask16(p.n - j)));
    const float mean = _mm512_reduce_add_ps(sum) / static_cast<float>(p.n);
    const __m512 mean_v = _mm512_set1_ps(mean);
    __m512 squares = _mm512_setzero_ps();
    for (int j = 0; j < p.n; j += 16) {
      const __mmask16 m = x86::tail_mask16(p.n - j);
      const __m512 d = _mm512_maskz_sub_ps(m, load_input(x, res, j, m), mean_v);  // 0 in the tail lanes
      squares = _mm512_fmadd_ps(d, d, squares);
    }
    const __m512 inv = _mm512_set1_ps(1.0f / std::sqrt(_mm512_reduce_add_ps(squares) / static_cast<float>(p.n) + p.eps));
    for (int j = 0; j < p.n; j += 16) {
      const __mmask16 m = x86::tail_mask16(p.n - j);
      const __m512 d = _mm512_mul_ps(_mm512_sub_ps(load_input(x, res, j, m), mean_v), inv);
      const __m512 y = _mm512_fmadd_ps(d, _mm512_maskz_loadu_ps(m, p.scale + j), _mm512_maskz_loadu_ps(m, p.shift + j));
      _mm256_mask_storeu_epi16(out + j, m, x86::round_to_bf16_avx512(y));
    }
  }
}

}  // namespace

void layernorm__avx512bf16(const NormParams& p, const runtime::Team& team) { layernorm_rows_avx512(p, nullptr, team); }
void add_layernorm__avx512bf16(const NormParams& p, const runtime::Team& team) {
  layernorm_rows_avx512(p, p.residual, team);
}

}  // namespace bfedge::kernels
