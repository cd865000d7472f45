// AVX-512 residual add: 16 elements per vector, masked tail.
#include "bfedge/kernels/elementwise.hpp"
#include "x86_target.hpp"

namespace bfedge::kernels {

BFEDGE_TARGET_AVX512BF16 void add__avx512bf16(const AddParams& p, const runtime::Team& team) {
  const runtime::Range r = runtime::split_range(p.n, team.core, team.cores);
  for (int i = r.begin; i < r.end; i += 16) {
    const __mmask16 m = x86::tail_mask16(r.end - i);
    const __m512 a = x86::widen_bf16_avx512(_mm256_maskz_loadu_epi16(m, p.a + i));
    const __m512 b = x86::widen_bf16_avx512(_mm256_maskz_loadu_epi16(m, p.b + i));
    _mm256_mask_storeu_epi16(p.out + i, m,
                             x86::round_to_bf16_avx512(x86::apply_epilogue_avx512(p.epilogue, _mm512_add_ps(a, b))));
  }
}

}  // namespace bfedge::kernels
