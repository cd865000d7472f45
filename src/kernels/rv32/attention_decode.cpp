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
namespace {

// The L1 window: keys (n_kv_heads · head_size rows of window_positions), values (n_kv_heads blocks
// of window_positions · head_size), then each core's scores and accumulator.
std::size_t window_bytes(int n_kv_heads, int head_size, int window_positions) {
  return round_up(static_cast<std::size_t>(n_kv_heads) * head_size * window_positions * sizeof(bf16), std::size_t{16});
}
std::size_t scores_bytes_per_core(int n_heads, int n_kv_heads, int head_size, int window_positions) {
  AttentionDecodeParams p;
  p.n_heads = n_heads, p.n_kv_heads = n_kv_heads, p.head_size = head_size, p.n_positions = window_positions;
  p.seq_cap = window_positions;
  return attention_decode_scratch(p);
}

}  // namespace

std::size_t attention_decode_dma_l1_bytes(int n_heads, int n_kv_heads, int head_size, int window_positions, int cores) {
  return 2 * window_bytes(n_kv_heads, head_size, window_positions) +
         aligned_scratch_bytes(scores_bytes_per_core(n_heads, n_kv_heads, head_size, window_positions)) *
             static_cast<std::size_t>(cores);
}

void attention_decode__rv32_dma(const DmaAttentionDecodeArgs& args, const runtime::Team& team) {
  const AttentionDecodeParams& far = args.attention;
  const int hs = far.head_size, n = far.n_positions, window = args.window_positions;
  auto* l1 = static_cast<unsigned char*>(args.l1);
  auto* keys = reinterpret_cast<bf16*>(l1);
  auto* values = reinterpret_cast<bf16*>(l1 + window_bytes(far.n_kv_heads, hs, window));
  if (team.core == 0) {
    const std::uint32_t key_ticket =
        rv32::dma_start(args.dma, far.k_cache, keys, static_cast<std::size_t>(n) * sizeof(bf16),
                        far.n_kv_heads * hs, static_cast<std::size_t>(far.seq_cap) * sizeof(bf16),
                        static_cast<std::size_t>(window) * sizeof(bf16));
    const std::uint32_t value_ticket =
        rv32::dma_start(args.dma, far.v_cache, values, static_cast<std::size_t>(n) * hs * sizeof(bf16),
                        far.n_kv_heads, static_cast<std::size_t>(far.seq_cap) * hs * sizeof(bf16),
                        static_cast<std::size_t>(window) * hs * sizeof(bf16));
    args.dma.wait(args.dma.ctx, value_ticket);
    args.dma.wait(args.dma.ctx, key_ticket);
  }
  team.barrier();
  AttentionDecodeParams near = far;
  near.k_cache = keys, near.v_cache = values, near.seq_cap = window;
  near.scratch = l1 + 2 * window_bytes(far.n_kv_heads, hs, window);
  // attention_decode__rv32_heads slices the scratch per core by n_positions <= window_positions:
  // within the cores' slices planned for the window.
  attention_decode__rv32_heads(near, team);
}

}  // namespace bfedge::kernels
