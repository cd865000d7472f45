// AVX-512 activations: 16 elements per vector with the shared exp16 (fast_exp's polynomial).
#include "bfedge/kernels/activation.hpp"
#include "x86_target.hpp"

namespace bfedge::kernels {

BFEDGE_TARGET_AVX512BF16 void swiglu__avx512bf16(const SwigluParams& p, const runtime::Team& team) {
  const runtime::Range r = runtime::split_range(p.n, team.core, team.cores);
  const __m512 one = _mm512_set1_ps(1.0f);
  for (int i = r.begin; i < r.end; i += 16) {
    const __mmask16 m = x86::tail_mask16(r.end - i);
    const __m512 g = x86::widen_bf16_avx512(_mm256_maskz_loadu_epi16(m, p.gate + i));
    const __m512 u = x86::widen_bf16_avx512(_mm256_maskz_loadu_epi16(m, p.up + i));
    const __m512 e = x86::exp16_avx512(_mm512_sub_ps(_mm512_setzero_ps(), g));
    const __m512 silu = _mm512_div_ps(g, _mm512_add_ps(one, e));
    _mm256_mask_storeu_epi16(p.gate + i, m, x86::round_to_bf16_avx512(_mm512_mul_ps(silu, u)));
  }
}

// gelu_erf__portable_poly on 16 lanes (x86::gelu_erf_avx512), so TinyViT's GELUs that are not
// fused into their producer run at vector speed.
BFEDGE_TARGET_AVX512BF16 void gelu_erf__avx512bf16(const UnaryParams& p, const runtime::Team& team) {
  const runtime::Range r = runtime::split_range(p.n, team.core, team.cores);
  for (int i = r.begin; i < r.end; i += 16) {
    const __mmask16 m = x86::tail_mask16(r.end - i);
    const __m512 x = x86::widen_bf16_avx512(_mm256_maskz_loadu_epi16(m, p.x + i));
    _mm256_mask_storeu_epi16(p.out + i, m, x86::round_to_bf16_avx512(x86::gelu_erf_avx512(x)));
  }
}

}  // namespace bfedge::kernels
