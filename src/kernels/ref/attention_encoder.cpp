// attention_encoder__ref: the oracle, scalar, one core, in the order of the header's formula.
#include <cmath>

#include "bfedge/kernels/attention_encoder.hpp"

namespace bfedge::kernels {

std::size_t attention_encoder_scratch(const AttentionEncoderParams& p) {
  return (static_cast<std::size_t>(p.seq) + static_cast<std::size_t>(p.head_size)) * sizeof(float);
}

void attention_encoder__ref(const AttentionEncoderParams& p, const runtime::Team& team) {
  if (team.core != 0) return;
  const int width = p.heads * p.head_size;
  const float scale = 1.0f / std::sqrt(static_cast<float>(p.head_size));
  float* scores = static_cast<float*>(p.scratch);
  float* acc = scores + p.seq;
  for (int b = 0; b < p.batch; ++b) {
    const std::size_t first = static_cast<std::size_t>(b) * p.seq;
    for (int h = 0; h < p.heads; ++h) {
      const std::size_t col = static_cast<std::size_t>(h) * p.head_size;
      for (int i = 0; i < p.seq; ++i) {
        const bf16* q = p.q + (first + i) * width + col;
        float max_score = -INFINITY;
        for (int j = 0; j < p.seq; ++j) {
          const bf16* k = p.k + (first + j) * width + col;
          float dot = 0.0f;
          for (int d = 0; d < p.head_size; ++d) dot += to_f32(q[d]) * to_f32(k[d]);
          const bool masked = p.key_mask != nullptr && p.key_mask[first + j] == 0;
          scores[j] = dot * scale + (masked ? -3.40282347e38f : 0.0f);
          max_score = scores[j] > max_score ? scores[j] : max_score;
        }
        float sum = 0.0f;
        for (int j = 0; j < p.seq; ++j) sum += (scores[j] = std::exp(scores[j] - max_score));
        for (int d = 0; d < p.head_size; ++d) acc[d] = 0.0f;
        for (int j = 0; j < p.seq; ++j) {
          const bf16* v = p.v + (first + j) * width + col;
          for (int d = 0; d < p.head_size; ++d) acc[d] += scores[j] * to_f32(v[d]);
        }
        bf16* out = p.out + (first + i) * width + col;
        for (int d = 0; d < p.head_size; ++d) out[d] = to_bf16(acc[d] / sum);
      }
    }
  }
}

}  // namespace bfedge::kernels
