// attention_decode__rv32_heads (kernels/rv32.hpp): decode attention for small heads on in-order
// cores. The portable variant's loops run over positions with the head dimension outside, which
// suits vector units; here each position's dot product and value update keep the head's q and
// accumulators in registers (head_size 8 is unrolled). Same summation order as the portable
// variant, so the results are bit-identical under the same compiler flags.
#include <cmath>

#include "bfedge/kernels/attention_decode.hpp"
#include "bfedge/kernels/fast_math.hpp"
#include "rv32_common.hpp"

namespace bfedge::kernels {
namespace {

// HS > 0: the head size, known at compile time; 0: p.head_size at run time.
template <int HS>
void one_head(const AttentionDecodeParams& p, int h, float* scores, float* acc) {
  const int hs = HS > 0 ? HS : p.head_size;
  const int group = p.n_heads / p.n_kv_heads;
  const float inv_scale = 1.0f / std::sqrt(static_cast<float>(hs));
  const bf16* q = p.q + static_cast<std::size_t>(h) * hs;
  const bf16* k = p.k_cache + static_cast<std::size_t>(h / group) * hs * p.seq_cap;
  const bf16* v = p.v_cache + static_cast<std::size_t>(h / group) * p.seq_cap * hs;
  const int n = p.n_positions;
  float qf[HS > 0 ? HS : 1];
  float* qs = HS > 0 ? qf : acc;  // the run-time case keeps q in the accumulator buffer until ·V
  for (int i = 0; i < hs; ++i) qs[i] = to_f32(q[i]) * inv_scale;
  for (int t = 0; t < n; ++t) {
    float s = 0.0f;
#pragma GCC unroll 8
    for (int i = 0; i < hs; ++i) s += qs[i] * to_f32(k[static_cast<std::size_t>(i) * p.seq_cap + t]);
    scores[t] = s;
  }
  const float sum = exp_shifted_by_max(scores, n);
  float af[HS > 0 ? HS : 1] = {};
  float* a = HS > 0 ? af : acc;
  if (HS == 0) {
    for (int i = 0; i < hs; ++i) a[i] = 0.0f;
  }
  for (int t = 0; t < n; ++t) {
    const float w = scores[t];
    const bf16* vt = v + static_cast<std::size_t>(t) * hs;
#pragma GCC unroll 8
    for (int i = 0; i < hs; ++i) a[i] += w * to_f32(vt[i]);
  }
  const float inv_sum = 1.0f / sum;
  for (int i = 0; i < hs; ++i) p.out[static_cast<std::size_t>(h) * hs + i] = to_bf16(a[i] * inv_sum);
}

}  // namespace

void attention_decode__rv32_heads(const AttentionDecodeParams& p, const runtime::Team& team) {
  float* scores = core_scratch<float>(p.scratch, attention_decode_scratch(p), team.core);
  float* acc = scores + p.n_positions;
  const runtime::Range heads = runtime::split_range(p.n_heads, team.core, team.cores);
  for (int h = heads.begin; h < heads.end; ++h) {
    if (p.head_size == 8) {
      one_head<8>(p, h, scores, acc);
    } else {
      one_head<0>(p, h, scores, acc);
    }
  }
}

}  // namespace bfedge::kernels
