// Portable decode attention: scores for all positions from the transposed key cache (position
// loops are unit-stride and vectorizable), fast_exp softmax, 1/sum folded into the final scale.
#include <cmath>

#include "bfedge/kernels/attention_decode.hpp"
#include "bfedge/kernels/fast_math.hpp"

namespace bfedge::kernels {

void attention_decode__portable_fastexp(const AttentionDecodeParams& p, const runtime::Team& team) {
  float* scores = core_scratch<float>(p.scratch, attention_decode_scratch(p), team.core);
  float* acc = scores + p.n_positions;
  const int group = p.n_heads / p.n_kv_heads;
  const float inv_scale = 1.0f / std::sqrt(static_cast<float>(p.head_size));
  const runtime::Range heads = runtime::split_range(p.n_heads, team.core, team.cores);
  const int n = p.n_positions;
  for (int h = heads.begin; h < heads.end; ++h) {
    const bf16* q = p.q + static_cast<std::size_t>(h) * p.head_size;
    const bf16* k = p.k_cache + static_cast<std::size_t>(h / group) * p.head_size * p.seq_cap;
    const bf16* v = p.v_cache + static_cast<std::size_t>(h / group) * p.seq_cap * p.head_size;
    for (int t = 0; t < n; ++t) scores[t] = 0.0f;
    for (int i = 0; i < p.head_size; ++i) {
      const float qi = to_f32(q[i]) * inv_scale;
      const bf16* ki = k + static_cast<std::size_t>(i) * p.seq_cap;
      for (int t = 0; t < n; ++t) scores[t] += qi * to_f32(ki[t]);
    }
    const float sum = exp_shifted_by_max(scores, n);
    for (int i = 0; i < p.head_size; ++i) acc[i] = 0.0f;
    for (int t = 0; t < n; ++t) {
      const float w = scores[t];
      const bf16* vt = v + static_cast<std::size_t>(t) * p.head_size;
      for (int i = 0; i < p.head_size; ++i) acc[i] += w * to_f32(vt[i]);
    }
    const float inv_sum = 1.0f / sum;
    for (int i = 0; i < p.head_size; ++i) {
      p.out[static_cast<std::size_t>(h) * p.head_size + i] = to_bf16(acc[i] * inv_sum);
    }
  }
}

void kv_write__portable(const KvWriteArgs& p, const runtime::Team& team) {
  const runtime::Range heads = runtime::split_range(p.n_kv_heads, team.core, team.cores);
  for (int g = heads.begin; g < heads.end; ++g) {
    for (int i = 0; i < p.head_size; ++i) {
      const std::size_t at = static_cast<std::size_t>(g) * static_cast<std::size_t>(p.head_size) + static_cast<std::size_t>(i);
      p.k_cache[at * static_cast<std::size_t>(p.seq_cap) + static_cast<std::size_t>(p.position)] = p.k[at];
      p.v_cache[(static_cast<std::size_t>(g) * static_cast<std::size_t>(p.seq_cap) + static_cast<std::size_t>(p.position)) *
                    static_cast<std::size_t>(p.head_size) + static_cast<std::size_t>(i)] = p.v[at];
    }
  }
}

}  // namespace bfedge::kernels
