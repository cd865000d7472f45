// x86 MHSA variants: the blocked algorithms over the AVX2 and AVX-512 BF16 matmuls; on AVX-512
// the fused loop's online softmax is vectorized 16 keys at a time.
#include "../mhsa_blocked.hpp"
#include "x86_target.hpp"

namespace bfedge::kernels {
namespace {

BFEDGE_TARGET_AVX512BF16 void online_softmax_avx512(const mhsa_blocked::OnlineSoftmaxBlock& b) {
  const __m512 scale = _mm512_set1_ps(b.scale);
  for (int r = 0; r < b.rows; ++r) {
    const int visible = b.visible(r);
    const float* sr = b.s + r * b.ld;
    __m512 max16 = _mm512_set1_ps(b.row_max[r]);
    for (int j = 0; j < visible; j += 16) {
      const __mmask16 m = x86::tail_mask16(visible - j);
      max16 = _mm512_mask_max_ps(max16, m, max16, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, sr + j), scale));
    }
    const float new_max = _mm512_reduce_max_ps(max16);
    const float alpha = fast_exp(b.row_max[r] - new_max);
    const __m512 shift = _mm512_set1_ps(new_max);
    __m512 sum16 = _mm512_setzero_ps();
    bf16* pr = b.probs + r * b.ld;
    for (int j = 0; j < b.cols; j += 16) {
      const __mmask16 store = x86::tail_mask16(b.cols - j), live = x86::tail_mask16(visible - j);
      const __m512 e = x86::exp16_avx512(_mm512_fmsub_ps(_mm512_maskz_loadu_ps(live, sr + j), scale, shift));
      const __m256i rounded = x86::round_to_bf16_avx512(_mm512_maskz_mov_ps(live, e));
      _mm256_mask_storeu_epi16(pr + j, store, rounded);
      sum16 = _mm512_add_ps(sum16, x86::widen_bf16_avx512(rounded));
    }
    b.row_sum[r] = b.row_sum[r] * alpha + _mm512_reduce_add_ps(sum16);
    b.row_max[r] = new_max;
    const __m512 a = _mm512_set1_ps(alpha);
    float* acc = b.acc + r * b.d;
    for (int c = 0; c < b.d; c += 16) {
      const __mmask16 m = x86::tail_mask16(b.d - c);
      _mm512_mask_storeu_ps(acc + c, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, acc + c), a));
    }
  }
}

}  // namespace

void mhsa__tiled_avx2(const MhsaParams& p, const runtime::Team& team) {
  mhsa_blocked::tiled(p, &matmul__avx2_6x16, team);
}

void mhsa__fused_avx2(const MhsaParams& p, const runtime::Team& team) {
  mhsa_blocked::fused(p, {&matmul__avx2_6x16, &mhsa_blocked::online_softmax_portable}, team);
}

void mhsa__tiled_avx512bf16(const MhsaParams& p, const runtime::Team& team) {
  mhsa_blocked::tiled(p, &matmul__avx512bf16_8x32, team);
}

void mhsa__fused_avx512bf16(const MhsaParams& p, const runtime::Team& team) {
  mhsa_blocked::fused(p, {&matmul__avx512bf16_8x32, &online_softmax_avx512}, team);
}

}  // namespace bfedge::kernels
