// Function attributes that compile one function for an x86 extension without changing the flags
// of the translation unit: the rest of the program stays baseline x86-64, and these functions
// only run after host_isa() has confirmed the extension.
#pragma once

// GCC 12's AVX-512 headers build "undefined" vectors from themselves and then warn about them
// at every inlining site (GCC PR 105593); the x86 kernel files include this header last.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#include <immintrin.h>

#include <cstdint>

#include "bfedge/kernels/epilogue.hpp"
#include "bfedge/kernels/fast_math.hpp"

#define BFEDGE_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define BFEDGE_TARGET_AVX512BF16 \
  __attribute__((target("avx2,fma,avx512f,avx512bw,avx512vl,avx512bf16")))

namespace bfedge::kernels::x86 {

// The first `count` of 16 lanes: all when count >= 16, none when count <= 0 (loop tails).
inline __mmask16 tail_mask16(int count) {
  return count >= 16 ? __mmask16(0xffff) : (count <= 0 ? __mmask16(0) : __mmask16((1u << count) - 1));
}

// Round 16 f32 lanes to bf16 bits, nearest even, NaN kept quiet: the same bits as to_bf16().
BFEDGE_TARGET_AVX512BF16 inline __m256i round_to_bf16_avx512(__m512 v) {
  const __m512i bits = _mm512_castps_si512(v);
  const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
  const __m512i rounded =
      _mm512_srli_epi32(_mm512_add_epi32(bits, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff))), 16);
  const __m512i quiet_nan = _mm512_or_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(0x40));
  const __mmask16 is_nan = _mm512_cmpgt_epu32_mask(
      _mm512_and_si512(bits, _mm512_set1_epi32(0x7fffffff)), _mm512_set1_epi32(0x7f800000));
  return _mm512_cvtepi32_epi16(_mm512_mask_mov_epi32(rounded, is_nan, quiet_nan));
}

// Widen 16 bf16 values to f32.
BFEDGE_TARGET_AVX512BF16 inline __m512 widen_bf16_avx512(__m256i v) {
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(v), 16));
}

// Widen 8 bf16 values to f32.
BFEDGE_TARGET_AVX2 inline __m256 widen_bf16_avx2(__m128i v) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(v), 16));
}

// fast_exp (kernels/fast_math.hpp) on 16 lanes: the same range reduction and polynomial.
BFEDGE_TARGET_AVX512BF16 inline __m512 exp16_avx512(__m512 x) {
  using namespace fast_exp_constants;
  const __mmask16 underflow = _mm512_cmp_ps_mask(x, _mm512_set1_ps(kMin), _CMP_LT_OQ);
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(kMin)), _mm512_set1_ps(kMax));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(kLog2e)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Lo), _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Hi), x));
  __m512 poly = _mm512_set1_ps(kPoly[0]);
  for (int i = 1; i < kPolyTerms; ++i) poly = _mm512_fmadd_ps(poly, r, _mm512_set1_ps(kPoly[i]));
  const __m512i bits = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
  return _mm512_maskz_mul_ps(static_cast<__mmask16>(~underflow), poly, _mm512_castsi512_ps(bits));
}

// GELU (erf) on 16 lanes, gelu_erf__portable_poly's math: erf by Abramowitz & Stegun 7.1.26
// (|error| ≤ 1.5e-7) with exp16, branch-free (|x| with the sign put back).
BFEDGE_TARGET_AVX512BF16 inline __m512 gelu_erf_avx512(__m512 x) {
  const __m512 one = _mm512_set1_ps(1.0f), half = _mm512_set1_ps(0.5f);
  const __m512i sign_bit = _mm512_set1_epi32(static_cast<int>(0x80000000u));
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
  const __m512 e = exp16_avx512(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_mul_ps(a, a)));
  const __m512 erf =  // sign · (1 − poly · e), which is ≥ 0 before the sign
      _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(_mm512_fnmadd_ps(poly, e, one)), sign));
  return _mm512_mul_ps(_mm512_mul_ps(half, x), _mm512_add_ps(one, erf));
}

// A producer's epilogue (kernels/epilogue.hpp) on 16 finished lanes.
BFEDGE_TARGET_AVX512BF16 inline __m512 apply_epilogue_avx512(Epilogue e, __m512 v) {
  return e == Epilogue::gelu_erf ? gelu_erf_avx512(v) : v;
}

// fast_exp on 8 lanes with AVX2 + FMA: the same range reduction and polynomial.
BFEDGE_TARGET_AVX2 inline __m256 exp8_avx2(__m256 x) {
  using namespace fast_exp_constants;
  const __m256 underflow = _mm256_cmp_ps(x, _mm256_set1_ps(kMin), _CMP_LT_OQ);
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(kMin)), _mm256_set1_ps(kMax));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(kLog2e)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Lo), _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Hi), x));
  __m256 poly = _mm256_set1_ps(kPoly[0]);
  for (int i = 1; i < kPolyTerms; ++i) poly = _mm256_fmadd_ps(poly, r, _mm256_set1_ps(kPoly[i]));
  const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_andnot_ps(underflow, _mm256_mul_ps(poly, _mm256_castsi256_ps(bits)));
}

}  // namespace bfedge::kernels::x86
