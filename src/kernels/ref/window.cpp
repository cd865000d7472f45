// window_partition, window_reverse, window_attention and mean_tokens references: the oracles,
// scalar, one core, in the order of kernels/window.hpp's formulas.
#include <cmath>

#include "bfedge/kernels/window.hpp"

namespace bfedge::kernels {

std::size_t window_attention_scratch(const WindowAttentionParams& p) {
  return (static_cast<std::size_t>(p.tokens()) + static_cast<std::size_t>(p.head_size)) * sizeof(float);
}

namespace {

// Row `token` of window `index` ↔ the map position it covers; false past the map's edge.
bool map_row(const WindowParams& p, int index, int token, std::size_t& row) {
  const int per_image = p.windows_down() * p.windows_across();
  const int b = index / per_image, wy = index % per_image / p.windows_across(), wx = index % p.windows_across();
  const int y = wy * p.window + token / p.window, x = wx * p.window + token % p.window;
  if (y >= p.height || x >= p.width) return false;
  row = (static_cast<std::size_t>(b) * p.height + y) * p.width + x;
  return true;
}

}  // namespace

void window_partition__ref(const WindowParams& p, const runtime::Team& team) {
  if (team.core != 0) return;
  const int tokens = p.window * p.window;
  for (int w = 0; w < p.window_count(); ++w)
    for (int t = 0; t < tokens; ++t) {
      std::size_t row = 0;
      const bool inside = map_row(p, w, t, row);
      bf16* out = p.out + (static_cast<std::size_t>(w) * tokens + t) * p.channels;
      for (int c = 0; c < p.channels; ++c) out[c] = inside ? p.in[row * p.channels + c] : bf16{};
    }
}

void window_reverse__ref(const WindowParams& p, const runtime::Team& team) {
  if (team.core != 0) return;
  const int tokens = p.window * p.window;
  for (int w = 0; w < p.window_count(); ++w)
    for (int t = 0; t < tokens; ++t) {
      std::size_t row = 0;
      if (!map_row(p, w, t, row)) continue;
      const bf16* in = p.in + (static_cast<std::size_t>(w) * tokens + t) * p.channels;
      for (int c = 0; c < p.channels; ++c) p.out[row * p.channels + c] = in[c];
    }
}

void window_attention__ref(const WindowAttentionParams& p, const runtime::Team& team) {
  if (team.core != 0) return;
  const int n = p.tokens(), row_width = 3 * p.heads * p.head_size, out_width = p.heads * p.head_size;
  const float scale = 1.0f / std::sqrt(static_cast<float>(p.head_size));
  float* scores = static_cast<float*>(p.scratch);
  float* acc = scores + n;
  for (int w = 0; w < p.windows; ++w) {
    const std::size_t first = static_cast<std::size_t>(w) * n;
    for (int h = 0; h < p.heads; ++h) {
      const std::size_t q_col = static_cast<std::size_t>(h) * 3 * p.head_size;
      const std::size_t k_col = q_col + p.head_size, v_col = q_col + 2 * p.head_size;
      const float* bias = p.bias + static_cast<std::size_t>(h) * n;
      for (int i = 0; i < n; ++i) {
        const bf16* q = p.qkv + (first + i) * row_width + q_col;
        float max_score = -INFINITY;
        for (int j = 0; j < n; ++j) {
          const bf16* k = p.qkv + (first + j) * row_width + k_col;
          float dot = 0.0f;
          for (int d = 0; d < p.head_size; ++d) dot += to_f32(q[d]) * to_f32(k[d]);
          const int offset = std::abs(i / p.window - j / p.window) * p.window + std::abs(i % p.window - j % p.window);
          scores[j] = dot * scale + bias[offset];
          max_score = scores[j] > max_score ? scores[j] : max_score;
        }
        float sum = 0.0f;
        for (int j = 0; j < n; ++j) sum += (scores[j] = std::exp(scores[j] - max_score));
        for (int d = 0; d < p.head_size; ++d) acc[d] = 0.0f;
        for (int j = 0; j < n; ++j) {
          const bf16* v = p.qkv + (first + j) * row_width + v_col;
          for (int d = 0; d < p.head_size; ++d) acc[d] += scores[j] * to_f32(v[d]);
        }
        bf16* out = p.out + (first + i) * out_width + static_cast<std::size_t>(h) * p.head_size;
        for (int d = 0; d < p.head_size; ++d) out[d] = to_bf16(acc[d] / sum);
      }
    }
  }
}

void mean_tokens__ref(const MeanTokensParams& p, const runtime::Team& team) {
  if (team.core != 0) return;
  for (int b = 0; b < p.batch; ++b)
    for (int c = 0; c < p.channels; ++c) {
      float sum = 0.0f;
      for (int t = 0; t < p.tokens; ++t) sum += to_f32(p.in[(static_cast<std::size_t>(b) * p.tokens + t) * p.channels + c]);
      p.out[static_cast<std::size_t>(b) * p.channels + c] = to_bf16(sum / static_cast<float>(p.tokens));
    }
}

}  // namespace bfedge::kernels
