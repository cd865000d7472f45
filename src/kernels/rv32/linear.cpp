// linear__rv32_dma (kernels/rv32.hpp). L1 holds: the bias, A's chunk as landed BF16 and widened
// FP32 (all m rows × tk), two landing buffers for W panels (tn × tk BF16) and the widened panel,
// and three FP32 C tiles (compute / next partial in / previous partial out; with one chunk or one
// panel only the first is used).
// Per step s = (chunk, panel): [widen panel s] barrier [compute s while the DMA brings panel s+1
// (and partial sums in/out); wait] barrier. Core 0 drives the DMA.
#include <initializer_list>

#include "rv32_common.hpp"

namespace bfedge::kernels {
namespace {

using rv32::kMr;
using rv32::kNr;
using rv32::round_up;

struct LinearL1 {
  bf16* bias;  // all n, landed once
  bf16* a_landed;
  float* a_packed;
  bf16* w_landed[2];
  float* w_packed;
  float* c_tile[3];
};

std::size_t linear_l1_bytes(int m, int n, int tn, int tk) {
  const std::size_t mp = static_cast<std::size_t>(round_up(m, kMr));
  const auto r16 = [](std::size_t b) { return rv32::round_up(b, std::size_t{16}); };
  std::size_t bytes = r16(static_cast<std::size_t>(n) * 2) + r16(static_cast<std::size_t>(m) * tk * 2) + r16(mp * tk * 4) +
                      2 * r16(static_cast<std::size_t>(tn) * tk * 2) + r16(static_cast<std::size_t>(tn) * tk * 4);
  return bytes + 3 * r16(mp * tn * 4);
}

LinearL1 carve(void* l1, int m, int n, int tn, int tk) {
  rv32::L1Carver carver{static_cast<unsigned char*>(l1)};
  const std::size_t mp = static_cast<std::size_t>(round_up(m, kMr));
  LinearL1 out{};
  out.bias = carver.take<bf16>(static_cast<std::size_t>(n));
  out.a_landed = carver.take<bf16>(static_cast<std::size_t>(m) * tk);
  out.a_packed = carver.take<float>(mp * tk);  // tk is a multiple of kNr's packing depth
  out.w_landed[0] = carver.take<bf16>(static_cast<std::size_t>(tn) * tk);
  out.w_landed[1] = carver.take<bf16>(static_cast<std::size_t>(tn) * tk);
  out.w_packed = carver.take<float>(static_cast<std::size_t>(tn) * tk);
  for (int i = 0; i < 3; ++i) out.c_tile[i] = carver.take<float>(mp * tn);
  return out;
}

int panels_of(const DmaLinearArgs& p) { return (p.n + p.plan.tn - 1) / p.plan.tn; }

struct Step {
  int chunk, panel;
  int k0, kc, n0, nc;  // chunk [k0, k0 + kc), panel columns [n0, n0 + nc)
};

Step step_at(const DmaLinearArgs& p, int s) {
  const int panels = panels_of(p);
  Step st{s / panels, s % panels, 0, 0, 0, 0};
  st.k0 = st.chunk * p.plan.tk;
  st.kc = p.k - st.k0 < p.plan.tk ? p.k - st.k0 : p.plan.tk;
  st.n0 = st.panel * p.plan.tn;
  st.nc = p.n - st.n0 < p.plan.tn ? p.n - st.n0 : p.plan.tn;
  return st;
}

std::uint32_t fetch_a(const DmaLinearArgs& p, const LinearL1& l1, const Step& st) {
  return rv32::dma_start(p.dma, p.a + st.k0, l1.a_landed, st.kc * 2u, p.m, p.lda * 2u, p.plan.tk * 2u);
}

std::uint32_t fetch_w(const DmaLinearArgs& p, const LinearL1& l1, const Step& st, int s) {
  return rv32::dma_start(p.dma, p.w + static_cast<std::size_t>(st.n0) * p.ldw + st.k0, l1.w_landed[s % 2],
                        st.kc * 2u, st.nc, p.ldw * 2u, p.plan.tk * 2u);
}

// Partial sums of C for step st: workspace ↔ L1 tile (rows m, columns nc, tile row stride tn).
std::uint32_t move_partial(const DmaLinearArgs& p, const Step& st, float* tile, bool in) {
  float* at = p.partial + st.n0;
  return in ? rv32::dma_start(p.dma, at, tile, st.nc * 4u, p.m, p.n * 4u, p.plan.tn * 4u)
            : rv32::dma_start(p.dma, tile, at, st.nc * 4u, p.m, p.plan.tn * 4u, p.n * 4u);
}

// The C tile of step s: with one panel, every chunk accumulates into the same tile (no trips).
float* tile_of(const DmaLinearArgs& p, const LinearL1& l1, int s) { return l1.c_tile[panels_of(p) == 1 ? 0 : s % 3]; }

void compute(const DmaLinearArgs& p, const LinearL1& l1, const Step& st, int s, const runtime::Team& team) {
  const int chunks = (p.k + p.plan.tk - 1) / p.plan.tk;
  const bool first = st.chunk == 0, last = st.chunk == chunks - 1;
  const int row_groups = round_up(p.m, kMr) / kMr, col_groups = round_up(st.nc, kNr) / kNr;
  const int depth = round_up(st.kc, 2);
  const int tn = p.plan.tn;
  const runtime::Range mine = runtime::split_range(row_groups * col_groups, team.core, team.cores);
  float* tile = tile_of(p, l1, s);
  for (int b = mine.begin; b < mine.end; ++b) {
    const int rg = b / col_groups, cg = b % col_groups;
    float* c = tile + rg * kMr * tn + cg * kNr;
    if (first) {
      for (int j = 0; j < kNr; ++j) {
        const int col = cg * kNr + j;
        const float bias = p.bias != nullptr && col < st.nc ? to_f32(l1.bias[st.n0 + col]) : 0.0f;
        for (int r = 0; r < kMr; ++r) c[r * tn + j] = bias;
      }
    }
    rv32::micro_4x6(l1.a_packed + static_cast<std::size_t>(rg) * depth * kMr,
                   l1.w_packed + static_cast<std::size_t>(cg) * depth * kNr, depth, c, tn);
    if (last) {
      const int rows = p.m - rg * kMr < kMr ? p.m - rg * kMr : kMr;
      const int cols = st.nc - cg * kNr < kNr ? st.nc - cg * kNr : kNr;
      bf16* out = p.c + static_cast<std::size_t>(rg * kMr) * p.ldc + st.n0 + cg * kNr;
      for (int r = 0; r < rows; ++r) {
        for (int j = 0; j < cols; ++j) out[static_cast<std::size_t>(r) * p.ldc + j] = to_bf16(c[r * tn + j]);
      }
    }
  }
}

}  // namespace

DmaLinearPlan plan_linear_mcu(int m, int n, int k, std::size_t l1_budget) {
  DmaLinearPlan plan;
  if (m <= 0 || n <= 0 || k <= 0) {
    plan.reason = "empty linear layer";
    return plan;
  }
  // The widest panel first (its widening is shared by all cores and each step ends in barriers),
  // then the fewest K chunks (each extra chunk moves the partial sums out and back by DMA).
  for (int tn : {4 * kNr, 2 * kNr, kNr}) {
    if (tn > round_up(n, kNr) && tn > kNr) continue;
    for (int tk = round_up(k, 4); tk >= 4; tk = round_up(tk / 2, 4)) {
      const std::size_t bytes = linear_l1_bytes(m, n, tn, tk);
      if (bytes <= l1_budget) return {true, "", tn, tk, bytes};
      if (tk == 4) break;
    }
  }
  plan.reason = "a linear layer's smallest tiles (all rows x 4 of K) exceed the L1 budget";
  plan.l1_bytes = linear_l1_bytes(m, n, kNr, 4);
  return plan;
}

std::size_t linear_dma_partial_bytes(int m, int n, int k, const DmaLinearPlan& plan) {
  const bool round_trips = plan.tk < k && (n + plan.tn - 1) / plan.tn > 1;
  return round_trips ? static_cast<std::size_t>(m) * n * sizeof(float) : 0;
}

void linear__rv32_dma(const DmaLinearArgs& p, const runtime::Team& team) {
  const int panels = panels_of(p);
  const int chunks = (p.k + p.plan.tk - 1) / p.plan.tk;
  const bool round_trips = chunks > 1 && panels > 1;  // partial sums go to the workspace and back
  const int steps = panels * chunks;
  const LinearL1 l1 = carve(p.l1, p.m, p.n, p.plan.tn, p.plan.tk);
  const bool lead = team.core == 0;
  if (lead) {
    const Step first = step_at(p, 0);
    if (p.bias != nullptr) p.dma.wait(p.dma.ctx, rv32::dma_start(p.dma, p.bias, l1.bias, p.n * 2u, 1, 0, 0));
    const std::uint32_t a = fetch_a(p, l1, first);
    p.dma.wait(p.dma.ctx, fetch_w(p, l1, first, 0));
    p.dma.wait(p.dma.ctx, a);
  }
  team.barrier();
  for (int s = 0; s < steps; ++s) {
    const Step st = step_at(p, s);
    const int depth = round_up(st.kc, 2);
    if (st.panel == 0) {  // a new chunk of A has landed
      const runtime::Range r = runtime::split_range(round_up(p.m, kMr), team.core, team.cores);
      rv32::widen_packed(l1.a_landed, p.plan.tk, p.m, st.kc, depth, kMr, r.begin, r.end, l1.a_packed);
    }
    const runtime::Range r = runtime::split_range(round_up(st.nc, kNr), team.core, team.cores);
    rv32::widen_packed(l1.w_landed[s % 2], p.plan.tk, st.nc, st.kc, depth, kNr, r.begin, r.end, l1.w_packed);
    team.barrier();
    std::uint32_t tickets[4];
    int n_tickets = 0;
    if (lead) {
      // The DMA serves requests in order: the previous tile goes out before any tile comes in.
      if (round_trips && s > 0 && step_at(p, s - 1).chunk < chunks - 1) {
        tickets[n_tickets++] = move_partial(p, step_at(p, s - 1), l1.c_tile[(s - 1) % 3], false);
      }
      if (s + 1 < steps) {
        const Step next = step_at(p, s + 1);
        tickets[n_tickets++] = fetch_w(p, l1, next, s + 1);
        if (next.panel == 0) tickets[n_tickets++] = fetch_a(p, l1, next);
        if (round_trips && next.chunk > 0) tickets[n_tickets++] = move_partial(p, next, l1.c_tile[(s + 1) % 3], true);
      }
    }
    compute(p, l1, st, s, team);
    for (int t = 0; t < n_tickets; ++t) p.dma.wait(p.dma.ctx, tickets[t]);
    team.barrier();
  }
}

}  // namespace bfedge::kernels
