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

// gelu_erf__portable_poly on 16 lanes: erf by Abramowitz & Stegun 7.1.26 with exp16, branch-free
// (|x| with the sign put back), so TinyViT's MBConv and MLP GELUs run at vector speed.
BFEDGE_TARGET_AVX512BF16 void gelu_erf__avx512bf16(const UnaryParams& p, const runtime::Team& team) {
  const runtime::Range r = runtime::split_range(p.n, team.core, team.cores);
  const __m512 one = _mm512_set1_ps(1.0f), half = _mm512_set1_ps(0.5f);
  const __m512i sign_bit = _mm512_set1_epi32(static_cast<int>(0x80000000u));
  for (int i = r.begin; i < r.end; i += 16) {
    const __mmask16 m = x86::tail_mask16(r.end - i);
    const __m512 x = x86::widen_bf16_avx512(_mm256_maskz_loadu_epi16(m, p.x + i));
    const __m512 z = _mm512_mul_ps(x, _mm512_set1_ps(0.70710678118654752f));
    const __m512i sign = _mm512_and_si512(_mm512_castps_si512(z), sign_bit);  // AVX-512F only, no DQ
    const __m512 a = _mm512_castsi512_ps(_mm512_andnot_si512(sign_bit, _mm512_castps_si512(z)));
    const __m512 t = _mm512_div_ps(one, _mm512_fmadd_ps(_mm512_set1_ps(0.3275911f), a, one));
    __m512 poly = _mm512_set1_ps(1.061405429f);
    poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(-1.453152027f));
    poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(1.421413741f));
    poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(-0.284496736f));
    poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(0.254829592f));
    poly = _mm512_mul_ps(poly, t);
    const __m512 e = x86::exp16_avx512(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_mul_ps(a, a)));
    const __m512 erf =  // sign · (1 − poly · e), which is ≥ 0 before the sign
        _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(_mm512_fnmadd_ps(poly, e, one)), sign));
    const __m512 y = _mm512_mul_ps(_mm512_mul_ps(half, x), _mm512_add_ps(one, erf));
    _mm256_mask_storeu_epi16(p.out + i, m, x86::round_to_bf16_avx512(y));
  }
}

}  // namespace bfedge::kernels
