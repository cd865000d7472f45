// AVX-512 row softmax: 16 columns per vector with exp16 (fast_exp's polynomial).
#include <cmath>

#include "bfedge/kernels/softmax.hpp"
#include "x86_target.hpp"

namespace bfedge::kernels {

BFEDGE_TARGET_AVX512BF16 void softmax__avx512bf16(const SoftmaxParams& p, const runtime::Team& team) {
  const runtime::Range rows = runtime::split_range(p.rows, team.core, team.cores);
  const __m512 scale = _mm512_set1_ps(p.scale);
  auto mask = [&](int j) { return x86::tail_mask16(p.cols - j); };
  for (int r = rows.begin; r < rows.end; ++r) {
    float* x = p.x + static_cast<std::size_t>(r) * p.ld;
    __m512 max16 = _mm512_set1_ps(-INFINITY);
    for (int j = 0; j < p.cols; j += 16) {
      max16 = _mm512_mask_max_ps(max16, mask(j), max16, _mm512_mul_ps(_mm512_maskz_loadu_ps(mask(j), x + j), scale));
    }
    const float max_val = _mm512_reduce_max_ps(max16);
    if (max_val == -INFINITY) {
      for (int j = 0; j < p.cols; j += 16) _mm512_mask_storeu_ps(x + j, mask(j), _mm512_setzero_ps());
      continue;
    }
    const __m512 shift = _mm512_set1_ps(max_val);
    __m512 sum16 = _mm512_setzero_ps();
    for (int j = 0; j < p.cols; j += 16) {
      const __m512 e = x86::exp16_avx512(_mm512_fmsub_ps(_mm512_maskz_loadu_ps(mask(j), x + j), scale, shift));
      _mm512_mask_storeu_ps(x + j, mask(j), e);
      sum16 = _mm512_mask_add_ps(sum16, mask(j), sum16, e);
    }
    const __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum16));
    for (int j = 0; j < p.cols; j += 16) {
      _mm512_mask_storeu_ps(x + j, mask(j), _mm512_mul_ps(_mm512_maskz_loadu_ps(mask(j), x + j), inv));
    }
  }
}

}  // namespace bfedge::kernels
