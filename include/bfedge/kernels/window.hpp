// TinyViT's windowed attention and pooling over NHWC maps (batch, height, width, channels), whose
// rows are tokens:
//   window_partition  x (batch, h, w, c) → windows (batch · nh · nw, window², c), nh = ⌈h / window⌉,
//                     windows in row-major order per image, tokens row-major inside a window;
//                     positions past the map are zero tokens (timm pads the bottom/right edge)
//   window_reverse    the inverse: windows → (batch, h, w, c), padded tokens dropped
//   window_attention  per window, head h and query i over qkv rows laid out per head
//                     (q, k, v of head 0, then head 1, …, each head_size wide):
//                       s_j = q_i · k_j / √head_size + bias[h, |y_i − y_j| · window + |x_i − x_j|]
//                       out_i = Σ_j softmax(s)_j v_j  → out (windows · window², heads · head_size)
//                     no mask: padded tokens take part as keys and values, as in timm. The bias
//                     table (heads, window²) is FP32 (like the norms' parameters: it shifts every
//                     score of a head the same way); its index is timm's attention_bias_idxs, which
//                     numbers offsets (|Δy|, |Δx|) by first appearance, i.e. |Δy| · window + |Δx|.
//   mean_tokens       x (batch, tokens, c) → (batch, c): the mean over tokens (global average pool)
// BF16 storage, FP32 scores, sums and accumulation. Work is split over cores by window rows, by
// (window, head, query) and by (image, channel block).
#pragma once

#include <cstddef>
#include <span>

#include "bfedge/core/bf16.hpp"
#include "bfedge/kernels/variant.hpp"

namespace bfedge::kernels {

struct WindowParams {
  int batch = 1, height = 0, width = 0, channels = 0, window = 1;
  const bf16* in = nullptr;  // partition: the map; reverse: the windows
  bf16* out = nullptr;       // partition: the windows; reverse: the map
  void* scratch = nullptr;

  int windows_down() const { return (height + window - 1) / window; }
  int windows_across() const { return (width + window - 1) / window; }
  int window_count() const { return batch * windows_down() * windows_across(); }
};

struct WindowAttentionParams {
  int windows = 1, window = 1, heads = 1, head_size = 0;
  const bf16* qkv = nullptr;   // (windows · window², heads · 3 · head_size)
  const float* bias = nullptr;  // (heads, window²)
  bf16* out = nullptr;          // (windows · window², heads · head_size)
  void* scratch = nullptr;      // per core: window_attention_scratch(params)

  int tokens() const { return window * window; }
};

struct MeanTokensParams {
  int batch = 1, tokens = 0, channels = 0;
  const bf16* in = nullptr;  // (batch, tokens, channels)
  bf16* out = nullptr;       // (batch, channels)
  void* scratch = nullptr;
};

using WindowVariant = Variant<WindowParams>;
using WindowAttentionVariant = Variant<WindowAttentionParams>;
using MeanTokensVariant = Variant<MeanTokensParams>;
std::span<const WindowVariant> window_partition_variants();
std::span<const WindowVariant> window_reverse_variants();
std::span<const WindowAttentionVariant> window_attention_variants();
std::span<const MeanTokensVariant> mean_tokens_variants();

// One row of scores (window² floats) and one of accumulators (head_size floats) per core.
std::size_t window_attention_scratch(const WindowAttentionParams& p);

void window_partition__ref(const WindowParams& p, const runtime::Team& team);
void window_partition__portable(const WindowParams& p, const runtime::Team& team);
void window_reverse__ref(const WindowParams& p, const runtime::Team& team);
void window_reverse__portable(const WindowParams& p, const runtime::Team& team);
void window_attention__ref(const WindowAttentionParams& p, const runtime::Team& team);
void window_attention__portable(const WindowAttentionParams& p, const runtime::Team& team);
// x86 (AVX-512 BF16): scores by the matmul per (window, head, 32 queries), src/kernels/x86/window.cpp.
void window_attention__avx512bf16(const WindowAttentionParams& p, const runtime::Team& team);
std::size_t window_attention__avx512bf16_scratch(const WindowAttentionParams& p);
void mean_tokens__ref(const MeanTokensParams& p, const runtime::Team& team);
void mean_tokens__portable(const MeanTokensParams& p, const runtime::Team& team);

}  // namespace bfedge::kernels
