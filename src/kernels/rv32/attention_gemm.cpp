// The GEMM form of attention__rv32_dma (kernels/rv32.hpp), used when a head's whole score matrix
// fits L1: per head, Q, K and V land one after the other in one BF16 buffer and are widened into
// the micro-kernel's packed layouts; S = Q·Kᵀ and O = P·V run on the 4×6 micro-kernel; softmax
// rows are split over the cores and written back as the packed P. The next head's Q lands while
// this head's P·V runs.
#include <cmath>

#include "bfedge/kernels/fast_math.hpp"
#include "rv32_common.hpp"

namespace bfedge::kernels {
namespace {

using rv32::kMr;
using rv32::kNr;
using rv32::round_up;
using Word = std::uint32_t __attribute__((may_alias, aligned(4)));

struct Layout {
  int rows4, keys6, keys2, dims6;  // seq padded to 4, to 6 and to 2; head_dim padded to 6
  std::size_t landed, a, w, s;     // floats (landed: bf16 elements)
};

Layout layout(int seq, int d) {
  Layout l{round_up(seq, kMr), round_up(seq, kNr), round_up(seq, 2), round_up(d, kNr), 0, 0, 0, 0};
  l.landed = static_cast<std::size_t>(seq) * d;
  const std::size_t q = static_cast<std::size_t>(l.rows4) * d, p = static_cast<std::size_t>(l.rows4) * l.keys2;
  const std::size_t k = static_cast<std::size_t>(l.keys6) * d, v = static_cast<std::size_t>(l.dims6) * l.keys2;
  l.a = q > p ? q : p;
  l.w = k > v ? k : v;
  l.s = static_cast<std::size_t>(l.rows4) * l.keys6;
  return l;
}

struct Buffers {
  bf16* landed;
  float *a, *w, *s, *core_tiles;
};

Buffers carve(void* l1, const Layout& l) {
  rv32::L1Carver carver{static_cast<unsigned char*>(l1)};
  Buffers b{};
  b.landed = carver.take<bf16>(l.landed);
  b.a = carver.take<float>(l.a);
  b.w = carver.take<float>(l.w);
  b.s = carver.take<float>(l.s);
  b.core_tiles = carver.take<float>(0);
  return b;
}

// part 0, 1, 2: Q, K, V of head h (seq rows of d, row stride 3E).
std::uint32_t fetch(const DmaAttentionArgs& p, const Buffers& b, int h, int part) {
  const int d = p.head_dim, e = p.heads * d;
  return rv32::dma_start(p.dma, p.qkv + part * e + h * d, b.landed, d * 2u, p.seq, static_cast<std::size_t>(3 * e) * 2,
                        d * 2u);
}

// V (seq × d, landed) into the W layout of P·V: w[j / 6][t][j % 6] = V[t][j], zero-padded.
void widen_values(const DmaAttentionArgs& p, const Layout& l, const Buffers& b, const runtime::Team& team) {
  const int d = p.head_dim;
  const runtime::Range mine = runtime::split_range(l.keys2, team.core, team.cores);
  for (int t = mine.begin; t < mine.end; ++t) {
    const Word* in = reinterpret_cast<const Word*>(b.landed + static_cast<std::size_t>(t) * d);
    for (int j = 0; j < l.dims6; j += 2) {  // d is a multiple of 4: pairs never straddle a group
      float* out = b.w + (static_cast<std::size_t>(j / kNr) * l.keys2 + t) * kNr + j % kNr;
      const std::uint32_t two = t < p.seq && j < d ? in[j / 2] : 0u;
      reinterpret_cast<Word*>(out)[0] = two << 16;
      reinterpret_cast<Word*>(out)[1] = two & 0xffff0000u;
    }
  }
}

// Row i of S → softmax (causal rows see keys 0..i) → row i of P in the A layout of P·V.
void softmax_rows(const DmaAttentionArgs& p, const Layout& l, const Buffers& b, const runtime::Team& team) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(p.head_dim));
  const runtime::Range mine = runtime::split_range(l.rows4, team.core, team.cores);
  for (int i = mine.begin; i < mine.end; ++i) {
    float* s = b.s + static_cast<std::size_t>(i) * l.keys6;
    float* out = b.a + static_cast<std::size_t>(i / kMr) * l.keys2 * kMr + i % kMr;
    if (i >= p.seq) {
      for (int t = 0; t < l.keys2; ++t) out[t * kMr] = 0.0f;
      continue;
    }
    const int valid = p.causal ? i + 1 : p.seq;
    for (int t = 0; t < valid; ++t) s[t] *= scale;
    const float inv_sum = 1.0f / exp_shifted_by_max(s, valid);
    for (int t = 0; t < l.keys2; ++t) out[t * kMr] = t < valid ? s[t] * inv_sum : 0.0f;
  }
}

}  // namespace

std::size_t rv32::attention_gemm_l1_bytes(int seq, int head_dim, int cores) {
  const Layout l = layout(seq, head_dim);
  const auto r16 = [](std::size_t b) { return round_up(b, std::size_t{16}); };
  return r16(l.landed * 2) + r16(l.a * 4) + r16(l.w * 4) + r16(l.s * 4) +
         static_cast<std::size_t>(cores) * kMr * kNr * 4;
}

void attention_gemm__rv32(const DmaAttentionArgs& p, const runtime::Team& team) {
  const int d = p.head_dim, e = p.heads * d;
  const Layout l = layout(p.seq, d);
  const Buffers b = carve(p.l1, l);
  float* tile = b.core_tiles + team.core * kMr * kNr;
  const bool lead = team.core == 0;
  if (lead) p.dma.wait(p.dma.ctx, fetch(p, b, 0, 0));
  team.barrier();
  for (int h = 0; h < p.heads; ++h) {
    // Q (landed) → A layout; then K lands and → W layout.
    runtime::Range r = runtime::split_range(l.rows4, team.core, team.cores);
    rv32::widen_packed(b.landed, d, p.seq, d, d, kMr, r.begin, r.end, b.a);
    team.barrier();
    if (lead) p.dma.wait(p.dma.ctx, fetch(p, b, h, 1));
    team.barrier();
    r = runtime::split_range(l.keys6, team.core, team.cores);
    rv32::widen_packed(b.landed, d, p.seq, d, d, kNr, r.begin, r.end, b.w);
    team.barrier();
    // S = Q·Kᵀ while V lands.
    std::uint32_t ticket = 0;
    if (lead) ticket = fetch(p, b, h, 2);
    const int col_groups = l.keys6 / kNr;
    const runtime::Range blocks = runtime::split_range(l.rows4 / kMr * col_groups, team.core, team.cores);
    for (int k = blocks.begin; k < blocks.end; ++k) {
      float* c = b.s + static_cast<std::size_t>(k / col_groups) * kMr * l.keys6 + (k % col_groups) * kNr;
      for (int i = 0; i < kMr; ++i)
        for (int j = 0; j < kNr; ++j) c[i * l.keys6 + j] = 0.0f;
      rv32::micro_4x6(b.a + static_cast<std::size_t>(k / col_groups) * d * kMr,
                     b.w + static_cast<std::size_t>(k % col_groups) * d * kNr, d, c, l.keys6);
    }
    if (lead) p.dma.wait(p.dma.ctx, ticket);
    team.barrier();
    softmax_rows(p, l, b, team);  // P replaces Q in the A buffer
    widen_values(p, l, b, team);  // V replaces K in the W buffer
    team.barrier();
    // O = P·V while the next head's Q lands.
    if (lead && h + 1 < p.heads) ticket = fetch(p, b, h + 1, 0);
    const int out_groups = l.dims6 / kNr;
    const runtime::Range outs = runtime::split_range(l.rows4 / kMr * out_groups, team.core, team.cores);
    for (int k = outs.begin; k < outs.end; ++k) {
      const int rg = k / out_groups, cg = k % out_groups;
      for (int i = 0; i < kMr * kNr; ++i) tile[i] = 0.0f;
      rv32::micro_4x6(b.a + static_cast<std::size_t>(rg) * l.keys2 * kMr, b.w + static_cast<std::size_t>(cg) * l.keys2 * kNr,
                     l.keys2, tile, kNr);
      for (int i = 0; i < kMr && rg * kMr + i < p.seq; ++i) {
        bf16* out = p.out + static_cast<std::size_t>(rg * kMr + i) * e + h * d + cg * kNr;
        for (int j = 0; j < kNr && cg * kNr + j < d; ++j) out[j] = to_bf16(tile[i * kNr + j]);
      }
    }
    if (lead && h + 1 < p.heads) p.dma.wait(p.dma.ctx, ticket);
    team.barrier();
  }
}

}  // namespace bfedge::kernels
