// attention_encoder__portable: (sequence, head, query) rows split over cores; dot products in
// four partial sums, the softmax's weights folded into one pass over the values.
#include <cmath>

#include "../sum4.hpp"
#include "bfedge/kernels/attention_encoder.hpp"

namespace bfedge::kernels {

void attention_encoder__portable(const AttentionEncoderParams& p, const runtime::Team& team) {
  const int width = p.heads * p.head_size;
  const float scale = 1.0f / std::sqrt(static_cast<float>(p.head_size));
  float* scores = core_scratch<float>(p.scratch, attention_encoder_scratch(p), team.core);
  float* acc = scores + p.seq;
  const runtime::Range rows = runtime::split_range(p.batch * p.heads * p.seq, team.core, team.cores);
  for (int row = rows.begin; row < rows.end; ++row) {
    const int b = row / (p.heads * p.seq), h = row / p.seq % p.heads, i = row % p.seq;
    const std::size_t first = static_cast<std::size_t>(b) * p.seq, col = static_cast<std::size_t>(h) * p.head_size;
    const bf16* q = p.q + (first + i) * width + col;
    const int* mask = p.key_mask == nullptr ? nullptr : p.key_mask + first;
    float max_score = -INFINITY;
    for (int j = 0; j < p.seq; ++j) {
      const bf16* k = p.k + (first + j) * width + col;
      const float dot = sum4(p.head_size, [q, k](int d) { return to_f32(q[d]) * to_f32(k[d]); });
      scores[j] = dot * scale + (mask != nullptr && mask[j] == 0 ? -3.40282347e38f : 0.0f);
      max_score = scores[j] > max_score ? scores[j] : max_score;
    }
    for (int d = 0; d < p.head_size; ++d) acc[d] = 0.0f;
    float sum = 0.0f;
    for (int j = 0; j < p.seq; ++j) {
      const float e = std::exp(scores[j] - max_score);
      sum += e;
      const bf16* v = p.v + (first + j) * width + col;
      for (int d = 0; d < p.head_size; ++d) acc[d] += e * to_f32(v[d]);
    }
    const float inv = 1.0f / sum;
    bf16* out = p.out + (first + i) * width + col;
    for (int d = 0; d < p.head_size; ++d) out[d] = to_bf16(acc[d] * inv);
  }
}

}  // namespace bfedge::kernels
