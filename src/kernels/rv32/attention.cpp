// attention__rv32_dma (kernels/rv32.hpp). L1: K and V of two heads (this one and the next, landing
// by DMA while this one computes) as BF16, and per core: 4 query rows (FP32, pre-scaled by
// 1/sqrt(d)), their scores over all keys and their output accumulators. Queries are read from L2
// (each once); K and V are widened in registers (each element is used by 4 rows per load).
#include <cmath>

#include "bfedge/kernels/fast_math.hpp"
#include "rv32_common.hpp"

namespace bfedge::kernels {
namespace {

constexpr int kBlock = 4;  // query rows per block

std::size_t per_core_floats(int seq, int head_dim) { return static_cast<std::size_t>(kBlock) * (2 * head_dim + seq); }

struct HeadL1 {
  bf16* k[2];
  bf16* v[2];
  float* core_base;
};

HeadL1 carve(void* l1, int seq, int d) {
  rv32::L1Carver carver{static_cast<unsigned char*>(l1)};
  HeadL1 out{};
  for (int b = 0; b < 2; ++b) {
    out.k[b] = carver.take<bf16>(static_cast<std::size_t>(seq) * d);
    out.v[b] = carver.take<bf16>(static_cast<std::size_t>(seq) * d);
  }
  out.core_base = carver.take<float>(0);
  return out;
}

void fetch_head(const DmaAttentionArgs& p, const HeadL1& l1, int h, std::uint32_t tickets[2]) {
  const int d = p.head_dim, e = p.heads * d;
  const std::size_t row = static_cast<std::size_t>(3 * e) * 2;
  tickets[0] = rv32::dma_start(p.dma, p.qkv + e + h * d, l1.k[h % 2], d * 2u, p.seq, row, d * 2u);
  tickets[1] = rv32::dma_start(p.dma, p.qkv + 2 * e + h * d, l1.v[h % 2], d * 2u, p.seq, row, d * 2u);
}

// One block of up to 4 query rows [i0, i0 + rows) of head h.
void block(const DmaAttentionArgs& p, const HeadL1& l1, int h, int i0, int rows, float* q, float* scores, float* o) {
  const int d = p.head_dim, seq = p.seq, e = p.heads * d;
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  for (int r = 0; r < kBlock; ++r) {
    const bf16* in = p.qkv + static_cast<std::size_t>(i0 + (r < rows ? r : 0)) * 3 * e + h * d;
    for (int c = 0; c < d; ++c) q[c * kBlock + r] = to_f32(in[c]) * scale;
  }
  const bf16* k = l1.k[h % 2];
  const bf16* v = l1.v[h % 2];
  const int keys = p.causal ? (i0 + rows < seq ? i0 + rows : seq) : seq;
  for (int t0 = 0; t0 < keys; t0 += kBlock) {  // 4 rows × 4 keys per pass
    const bf16* kt[kBlock];
    for (int u = 0; u < kBlock; ++u) kt[u] = k + static_cast<std::size_t>(t0 + u < keys ? t0 + u : t0) * d;
    float s[kBlock][kBlock] = {};
    for (int c = 0; c < d; ++c) {
      const float* qc = q + c * kBlock;
      const float q0 = qc[0], q1 = qc[1], q2 = qc[2], q3 = qc[3];
#pragma GCC unroll 4
      for (int u = 0; u < kBlock; ++u) {
        const float kv = to_f32(kt[u][c]);
        s[0][u] += q0 * kv, s[1][u] += q1 * kv, s[2][u] += q2 * kv, s[3][u] += q3 * kv;
      }
    }
    for (int u = 0; u < kBlock && t0 + u < keys; ++u) {
      for (int r = 0; r < kBlock; ++r) scores[r * seq + t0 + u] = s[r][u];
    }
  }
  float inv_sum[kBlock];
  for (int r = 0; r < kBlock; ++r) {
    float* s = scores + r * seq;
    const int valid = p.causal ? (i0 + r < keys ? i0 + r + 1 : keys) : keys;
    const float sum = exp_shifted_by_max(s, valid);
    for (int t = valid; t < keys; ++t) s[t] = 0.0f;
    inv_sum[r] = 1.0f / sum;
  }
  for (int c0 = 0; c0 < d; c0 += kBlock) {
    float acc[kBlock][kBlock] = {};
    for (int t = 0; t < keys; ++t) {
      const bf16* vt = v + static_cast<std::size_t>(t) * d + c0;
      const float v0 = to_f32(vt[0]), v1 = to_f32(vt[1]), v2 = to_f32(vt[2]), v3 = to_f32(vt[3]);
#pragma GCC unroll 4
      for (int r = 0; r < kBlock; ++r) {
        const float w = scores[r * seq + t];
        acc[r][0] += w * v0, acc[r][1] += w * v1, acc[r][2] += w * v2, acc[r][3] += w * v3;
      }
    }
    for (int r = 0; r < rows; ++r) {
      for (int c = 0; c < kBlock; ++c) o[r * d + c0 + c] = acc[r][c] * inv_sum[r];
    }
  }
  for (int r = 0; r < rows; ++r) {
    bf16* out = p.out + static_cast<std::size_t>(i0 + r) * e + h * d;
    for (int c = 0; c < d; ++c) out[c] = to_bf16(o[r * d + c]);
  }
}

}  // namespace

DmaAttentionPlan plan_attention_mcu(int seq, int head_dim, int cores, std::size_t l1_budget) {
  DmaAttentionPlan plan;
  if (seq <= 0 || head_dim <= 0 || head_dim % kBlock != 0) {
    plan.reason = "attention needs a head size that is a multiple of 4";
    return plan;
  }
  plan.l1_bytes = rv32::attention_gemm_l1_bytes(seq, head_dim, cores);
  plan.gemm = plan.l1_bytes <= l1_budget;
  if (plan.gemm) {
    plan.ok = true;
    return plan;
  }
  plan.l1_bytes = 4 * rv32::round_up(static_cast<std::size_t>(seq) * head_dim * 2, std::size_t{16}) +
                  static_cast<std::size_t>(cores) * rv32::round_up(per_core_floats(seq, head_dim) * 4, std::size_t{16});
  plan.ok = plan.l1_bytes <= l1_budget;
  if (!plan.ok) plan.reason = "attention's K and V of two heads and the per-core rows exceed the L1 budget";
  return plan;
}

void attention__rv32_dma(const DmaAttentionArgs& p, const runtime::Team& team) {
  if (p.gemm) {
    attention_gemm__rv32(p, team);
    return;
  }
  const HeadL1 l1 = carve(p.l1, p.seq, p.head_dim);
  float* q = l1.core_base + rv32::round_up(per_core_floats(p.seq, p.head_dim) * 4, std::size_t{16}) / 4 * team.core;
  float* scores = q + kBlock * p.head_dim;
  float* o = scores + kBlock * p.seq;
  const bool lead = team.core == 0;
  std::uint32_t tickets[2];
  if (lead) {
    fetch_head(p, l1, 0, tickets);
    p.dma.wait(p.dma.ctx, tickets[0]);
    p.dma.wait(p.dma.ctx, tickets[1]);
  }
  team.barrier();
  const int blocks = (p.seq + kBlock - 1) / kBlock;
  for (int h = 0; h < p.heads; ++h) {
    const bool prefetch = lead && h + 1 < p.heads;
    if (prefetch) fetch_head(p, l1, h + 1, tickets);
    const runtime::Range mine = runtime::split_range(blocks, team.core, team.cores);
    for (int b = mine.begin; b < mine.end; ++b) {
      const int i0 = b * kBlock;
      block(p, l1, h, i0, p.seq - i0 < kBlock ? p.seq - i0 : kBlock, q, scores, o);
    }
    if (prefetch) {
      p.dma.wait(p.dma.ctx, tickets[0]);
      p.dma.wait(p.dma.ctx, tickets[1]);
    }
    team.barrier();
  }
}

}  // namespace bfedge::kernels
