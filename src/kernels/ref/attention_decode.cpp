#include <cmath>

#include "bfedge/kernels/attention_decode.hpp"

namespace bfedge::kernels {

std::size_t attention_decode_scratch(const AttentionDecodeParams& p) {
  return (2 * static_cast<std::size_t>(p.n_positions) + p.head_size) * sizeof(float);
}

void attention_decode__ref(const AttentionDecodeParams& p, const runtime::Team& team) {
  if (team.core != 0) return;
  float* scores = static_cast<float*>(p.scratch);
  float* acc = scores + p.n_positions;
  const int group = p.n_heads / p.n_kv_heads;
  const float scale = std::sqrt(static_cast<float>(p.head_size));
  for (int h = 0; h < p.n_heads; ++h) {
    const bf16* q = p.q + static_cast<std::size_t>(h) * p.head_size;
    const bf16* k = p.k_cache + static_cast<std::size_t>(h / group) * p.head_size * p.seq_cap;
    const bf16* v = p.v_cache + static_cast<std::size_t>(h / group) * p.seq_cap * p.head_size;
    float max_score = -INFINITY;
    for (int t = 0; t < p.n_positions; ++t) {
      float s = 0.0f;
      for (int i = 0; i < p.head_size; ++i) {
        s += to_f32(q[i]) * to_f32(k[static_cast<std::size_t>(i) * p.seq_cap + t]);
      }
      scores[t] = s / scale;
      max_score = scores[t] > max_score ? scores[t] : max_score;
    }
    float sum = 0.0f;
    for (int t = 0; t < p.n_positions; ++t) {
      scores[t] = std::exp(scores[t] - max_score);
      sum += scores[t];
    }
    for (int i = 0; i < p.head_size; ++i) acc[i] = 0.0f;
    for (int t = 0; t < p.n_positions; ++t) {
      const float w = scores[t] / sum;
      for (int i = 0; i < p.head_size; ++i) {
        acc[i] += w * to_f32(v[static_cast<std::size_t>(t) * p.head_size + i]);
      }
    }
    for (int i = 0; i < p.head_size; ++i) {
      p.out[static_cast<std::size_t>(h) * p.head_size + i] = to_bf16(acc[i]);
    }
  }
}

}  // namespace bfedge::kernels
