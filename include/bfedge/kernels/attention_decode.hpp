// Causal grouped-query attention for one new query position (LLaMA decoding), all heads:
//   for head h (KV head g = h / (n_heads / n_kv_heads)):
//     s_t = q_h · k_{g,t} / sqrt(head_size),  p = softmax(s_0..s_{n-1}),  out_h = Σ_t p_t v_{g,t}
// KV cache layout, per layer, chosen so both products stream contiguous memory:
//   k_cache (n_kv_heads, head_size, seq_cap): keys transposed, k[g][i][t]
//   v_cache (n_kv_heads, seq_cap, head_size): values row-major, v[g][t][i]
// BF16 in memory, FP32 scores, softmax and accumulation. Heads are split over cores.
#pragma once

#include <cstddef>
#include <span>

#include "bfedge/core/bf16.hpp"
#include "bfedge/kernels/variant.hpp"

namespace bfedge::kernels {

struct AttentionDecodeParams {
  int n_heads = 0, n_kv_heads = 0, head_size = 0;
  int n_positions = 0;  // keys/values 0..n_positions-1 are valid (1 <= n_positions <= seq_cap)
  int seq_cap = 0;      // allocated positions per KV head
  const bf16* q = nullptr;        // (n_heads, head_size)
  const bf16* k_cache = nullptr;  // (n_kv_heads, head_size, seq_cap)
  const bf16* v_cache = nullptr;  // (n_kv_heads, seq_cap, head_size)
  bf16* out = nullptr;            // (n_heads, head_size)
  void* scratch = nullptr;
};

// One position's keys and values (n_kv_heads · head_size each) into the caches above, KV heads
// split over the cores. The graph's kv_write op; one implementation, no variants.
struct KvWriteArgs {
  int n_kv_heads = 0, head_size = 0, seq_cap = 0;
  int position = 0;  // 0 <= position < seq_cap
  const bf16* k = nullptr;
  const bf16* v = nullptr;
  bf16* k_cache = nullptr;
  bf16* v_cache = nullptr;
};
void kv_write__portable(const KvWriteArgs& p, const runtime::Team& team);

using AttentionDecodeVariant = Variant<AttentionDecodeParams>;
std::span<const AttentionDecodeVariant> attention_decode_variants();

// Scratch every variant needs per core: scores of up to two heads and an f32 accumulator.
std::size_t attention_decode_scratch(const AttentionDecodeParams& p);

void attention_decode__ref(const AttentionDecodeParams& p, const runtime::Team& team);
void attention_decode__portable_fastexp(const AttentionDecodeParams& p, const runtime::Team& team);
void attention_decode__avx2(const AttentionDecodeParams& p, const runtime::Team& team);
void attention_decode__avx512bf16(const AttentionDecodeParams& p, const runtime::Team& team);

}  // namespace bfedge::kernels
