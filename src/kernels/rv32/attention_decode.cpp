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

namespace bfedge::kernels {

std::size_t kv_window_values_offset(int n_kv_heads, int head_size, int window_positions) {
  return round_up(static_cast<std::size_t>(n_kv_heads) * head_size * window_positions * sizeof(bf16), std::size_t{16});
}

std::size_t kv_window_bytes(int n_kv_heads, int head_size, int window_positions) {
  return 2 * kv_window_values_offset(n_kv_heads, head_size, window_positions);
}

std::size_t attention_decode_scores_l1_bytes(int n_heads, int n_kv_heads, int head_size, int window_positions, int cores) {
  AttentionDecodeParams p;
  p.n_heads = n_heads, p.n_kv_heads = n_kv_heads, p.head_size = head_size, p.n_positions = window_positions;
  p.seq_cap = window_positions;
  return aligned_scratch_bytes(attention_decode_scratch(p)) * static_cast<std::size_t>(cores);
}

std::size_t attention_decode_dma_l1_bytes(int n_heads, int n_kv_heads, int head_size, int window_positions, int cores) {
  return kv_window_bytes(n_kv_heads, head_size, window_positions) +
         attention_decode_scores_l1_bytes(n_heads, n_kv_heads, head_size, window_positions, cores);
}

int kv_window_transfers(const AttentionDecodeParams& far, int positions, void* window, int window_positions,
                        DmaTransfer out[2]) {
  if (positions <= 0) return 0;
  const int hs = far.head_size;
  auto* keys = static_cast<unsigned char*>(window);
  out[0] = {far.k_cache, keys, static_cast<std::size_t>(positions) * sizeof(bf16), far.n_kv_heads * hs,
            static_cast<std::size_t>(far.seq_cap) * sizeof(bf16), static_cast<std::size_t>(window_positions) * sizeof(bf16)};
  out[1] = {far.v_cache, keys + kv_window_values_offset(far.n_kv_heads, hs, window_positions),
            static_cast<std::size_t>(positions) * hs * sizeof(bf16), far.n_kv_heads,
            static_cast<std::size_t>(far.seq_cap) * hs * sizeof(bf16),
            static_cast<std::size_t>(window_positions) * hs * sizeof(bf16)};
  return 2;
}

void attention_decode__rv32_dma(const DmaAttentionDecodeArgs& args, const runtime::Team& team) {
  const AttentionDecodeParams& far = args.attention;
  const int window = args.window_positions;
  auto* l1 = static_cast<unsigned char*>(args.l1);
  if (team.core == 0) {
    DmaTransfer copies[2];
    const int count = kv_window_transfers(far, far.n_positions, l1, window, copies);
    std::uint32_t tickets[2] = {};
    for (int i = 0; i < count; ++i) tickets[i] = rv32::dma_start(args.dma, copies[i]);
    for (int i = count - 1; i >= 0; --i) args.dma.wait(args.dma.ctx, tickets[i]);
  }
  team.barrier();
  AttentionDecodeParams near = far;
  near.k_cache = reinterpret_cast<bf16*>(l1);
  near.v_cache = reinterpret_cast<bf16*>(l1 + kv_window_values_offset(far.n_kv_heads, far.head_size, window));
  near.seq_cap = window;
  near.scratch = l1 + kv_window_bytes(far.n_kv_heads, far.head_size, window);
  // attention_decode__rv32_heads slices the scratch per core by n_positions <= window_positions:
  // within the cores' slices planned for the window.
  attention_decode__rv32_heads(near, team);
}

}  // namespace bfedge::kernels
