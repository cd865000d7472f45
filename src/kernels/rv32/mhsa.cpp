// mhsa__rv32_fused (kernels/rv32.hpp): the QKV projection, attention and output projection, each
// with its own L1 tiles (stages reuse the same L1 buffer), intermediates in the L2 workspace.
#include <initializer_list>

#include "rv32_common.hpp"

namespace bfedge::kernels {
namespace {

struct MhsaWorkspace {
  bf16* qkv;
  bf16* attended;
  float* partial;
};

MhsaWorkspace carve(void* workspace, int seq, int embed) {
  rv32::L1Carver carver{static_cast<unsigned char*>(workspace)};  // the same carving, in L2
  MhsaWorkspace out{};
  out.qkv = carver.take<bf16>(static_cast<std::size_t>(seq) * 3 * embed);
  out.attended = carver.take<bf16>(static_cast<std::size_t>(seq) * embed);
  out.partial = carver.take<float>(0);
  return out;
}

DmaLinearArgs linear_args(const DmaLinearPlan& plan, int m, int n, int k, const bf16* a, const bf16* w,
                          const bf16* bias, bf16* c, void* l1, float* partial, const DmaOps& dma) {
  DmaLinearArgs args;
  args.m = m, args.n = n, args.k = k, args.a = a, args.lda = k, args.w = w, args.ldw = k;
  args.bias = bias, args.c = c, args.ldc = n, args.plan = plan, args.l1 = l1, args.partial = partial;
  args.dma = dma;
  return args;
}

}  // namespace

DmaMhsaPlan plan_mhsa_mcu(int seq, int embed, int heads, int cores, std::size_t l1_budget) {
  DmaMhsaPlan plan;
  if (seq <= 0 || embed <= 0 || heads <= 0 || embed % heads != 0) {
    plan.reason = "MHSA needs seq, embed, heads > 0 and heads dividing embed";
    return plan;
  }
  plan.in_proj = plan_linear_mcu(seq, 3 * embed, embed, l1_budget);
  plan.out_proj = plan_linear_mcu(seq, embed, embed, l1_budget);
  plan.attention = plan_attention_mcu(seq, embed / heads, cores, l1_budget);
  for (const auto* stage : {&plan.in_proj.reason, &plan.out_proj.reason, &plan.attention.reason}) {
    if (**stage != '\0') {
      plan.reason = *stage;
      return plan;
    }
  }
  plan.l1_bytes = plan.in_proj.l1_bytes;
  if (plan.out_proj.l1_bytes > plan.l1_bytes) plan.l1_bytes = plan.out_proj.l1_bytes;
  if (plan.attention.l1_bytes > plan.l1_bytes) plan.l1_bytes = plan.attention.l1_bytes;
  std::size_t partial = linear_dma_partial_bytes(seq, 3 * embed, embed, plan.in_proj);
  const std::size_t out_partial = linear_dma_partial_bytes(seq, embed, embed, plan.out_proj);
  if (out_partial > partial) partial = out_partial;
  plan.l2_bytes = rv32::round_up(static_cast<std::size_t>(seq) * 3 * embed * 2, std::size_t{16}) +
                  rv32::round_up(static_cast<std::size_t>(seq) * embed * 2, std::size_t{16}) + partial;
  plan.ok = true;
  return plan;
}

void mhsa__rv32_fused(const DmaMhsaArgs& p, const runtime::Team& team) {
  const MhsaWorkspace ws = carve(p.workspace, p.seq, p.embed);
  const int e = p.embed;
  linear__rv32_dma(linear_args(p.plan.in_proj, p.seq, 3 * e, e, p.x, p.in_proj_weight, p.in_proj_bias, ws.qkv,
                              p.l1, ws.partial, p.dma),
                  team);
  DmaAttentionArgs att;
  att.seq = p.seq, att.heads = p.heads, att.head_dim = e / p.heads, att.causal = p.causal;
  att.qkv = ws.qkv, att.out = ws.attended, att.gemm = p.plan.attention.gemm, att.l1 = p.l1, att.dma = p.dma;
  attention__rv32_dma(att, team);
  linear__rv32_dma(linear_args(p.plan.out_proj, p.seq, e, e, ws.attended, p.out_proj_weight, p.out_proj_bias, p.y,
                              p.l1, ws.partial, p.dma),
                  team);
}

std::size_t mhsa_dma_phase_bound(const DmaMhsaPlan& plan, int seq, int embed, int heads) {
  (void)seq;
  const auto linear = [](const DmaLinearPlan& l, int n, int k) {
    const std::size_t panels = static_cast<std::size_t>((n + l.tn - 1) / l.tn);
    const std::size_t chunks = static_cast<std::size_t>((k + l.tk - 1) / l.tk);
    return 1 + 2 * panels * chunks;
  };
  if (!plan.ok) return 0;
  return linear(plan.in_proj, 3 * embed, embed) + linear(plan.out_proj, embed, embed) +
         1 + 8 * static_cast<std::size_t>(heads) + 4;
}

}  // namespace bfedge::kernels
