// Portable window kernels: windows, (window, head, query) rows and (image, channel) columns split
// over cores; whole token rows copied with memcpy; dot products in four partial sums.
#include <cmath>
#include <cstring>

#include "../sum4.hpp"
#include "bfedge/kernels/window.hpp"

namespace bfedge::kernels {
namespace {

// Copies the rows of windows [first, last) between the map and the window layout: to_windows
// gathers (zero rows past the map), otherwise scatters (rows past the map skipped).
void move_windows(const WindowParams& p, runtime::Range mine, bool to_windows) {
  const int tokens = p.window * p.window, across = p.windows_across(), per_image = p.windows_down() * across;
  const std::size_t row_bytes = static_cast<std::size_t>(p.channels) * sizeof(bf16);
  for (int w = mine.begin; w < mine.end; ++w) {
    const int b = w / per_image, y0 = w % per_image / across * p.window, x0 = w % across * p.window;
    for (int t = 0; t < tokens; ++t) {
      const int y = y0 + t / p.window, x = x0 + t % p.window;
      const std::size_t window_row = (static_cast<std::size_t>(w) * tokens + t) * p.channels;
      const bool inside = y < p.height && x < p.width;
      const std::size_t map_row = inside ? ((static_cast<std::size_t>(b) * p.height + y) * p.width + x) * p.channels : 0;
      if (to_windows) {
        if (inside) {
          std::memcpy(p.out + window_row, p.in + map_row, row_bytes);
        } else {
          std::memset(static_cast<void*>(p.out + window_row), 0, row_bytes);
        }
      } else if (inside) {
        std::memcpy(p.out + map_row, p.in + window_row, row_bytes);
      }
    }
  }
}

}  // namespace

void window_partition__portable(const WindowParams& p, const runtime::Team& team) {
  move_windows(p, runtime::split_range(p.window_count(), team.core, team.cores), true);
}

void window_reverse__portable(const WindowParams& p, const runtime::Team& team) {
  move_windows(p, runtime::split_range(p.window_count(), team.core, team.cores), false);
}

void window_attention__portable(const WindowAttentionParams& p, const runtime::Team& team) {
  const int n = p.tokens(), row_width = 3 * p.heads * p.head_size, out_width = p.heads * p.head_size;
  const float scale = 1.0f / std::sqrt(static_cast<float>(p.head_size));
  float* scores = core_scratch<float>(p.scratch, window_attention_scratch(p), team.core);
  float* acc = scores + n;
  const runtime::Range rows = runtime::split_range(p.windows * p.heads * n, team.core, team.cores);
  for (int row = rows.begin; row < rows.end; ++row) {
    const int w = row / (p.heads * n), h = row / n % p.heads, i = row % n;
    const std::size_t first = static_cast<std::size_t>(w) * n, q_col = static_cast<std::size_t>(h) * 3 * p.head_size;
    const bf16* q = p.qkv + (first + i) * row_width + q_col;
    const float* bias = p.bias + static_cast<std::size_t>(h) * n;
    const int yi = i / p.window, xi = i % p.window;
    float max_score = -INFINITY;
    for (int j = 0; j < n; ++j) {
      const bf16* k = p.qkv + (first + j) * row_width + q_col + p.head_size;
      const float dot = sum4(p.head_size, [q, k](int d) { return to_f32(q[d]) * to_f32(k[d]); });
      const int dy = yi - j / p.window, dx = xi - j % p.window;
      scores[j] = dot * scale + bias[(dy < 0 ? -dy : dy) * p.window + (dx < 0 ? -dx : dx)];
      max_score = scores[j] > max_score ? scores[j] : max_score;
    }
    for (int d = 0; d < p.head_size; ++d) acc[d] = 0.0f;
    float sum = 0.0f;
    for (int j = 0; j < n; ++j) {
      const float e = std::exp(scores[j] - max_score);
      sum += e;
      const bf16* v = p.qkv + (first + j) * row_width + q_col + 2 * p.head_size;
      for (int d = 0; d < p.head_size; ++d) acc[d] += e * to_f32(v[d]);
    }
    const float inv = 1.0f / sum;
    bf16* out = p.out + (first + i) * out_width + static_cast<std::size_t>(h) * p.head_size;
    for (int d = 0; d < p.head_size; ++d) out[d] = to_bf16(acc[d] * inv);
  }
}

void mean_tokens__portable(const MeanTokensParams& p, const runtime::Team& team) {
  const runtime::Range columns = runtime::split_range(p.batch * p.channels, team.core, team.cores);
  const float inv = 1.0f / static_cast<float>(p.tokens);
  for (int col = columns.begin; col < columns.end; ++col) {
    const int b = col / p.channels, c = col % p.channels;
    const bf16* in = p.in + static_cast<std::size_t>(b) * p.tokens * p.channels + c;
    const float sum = sum4(p.tokens, [in, &p](int t) { return to_f32(in[static_cast<std::size_t>(t) * p.channels]); });
    p.out[static_cast<std::size_t>(b) * p.channels + c] = to_bf16(sum * inv);
  }
}

}  // namespace bfedge::kernels
