// AVX-512 RMSNorm: 16 elements per vector, masked tail.
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

}  // namespace bfedge::kernels
