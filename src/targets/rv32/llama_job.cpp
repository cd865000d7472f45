// Greedy LLaMA generation on the MCU (bfedge/rv32/job.hpp LlamaJob): the weight blob sits in L2
// (copied from L3 at setup) or stays in L3, and the forward pass streams it through two L1 slots
// by DMA — piece i+1 lands while piece i's matvec runs. The KV cache is in L2; each layer's window
// of past keys and values is brought into L1 by DMA with its first piece. Activations, norm
// weights and per-core scratch live in L1. One fork per token, a measured window each.
// The layer structure and kernels are those of models::LlamaBf16 (portable variants), with
// matvec__rv32_8row for the matvecs.
#include <cstring>

#include "bfedge/core/round_up.hpp"
#include "bfedge/kernels/activation.hpp"
#include "bfedge/kernels/attention_decode.hpp"
#include "bfedge/kernels/elementwise.hpp"
#include "bfedge/kernels/matvec.hpp"
#include "bfedge/kernels/norm.hpp"
#include "bfedge/rv32/job.hpp"
#include "dma.hpp"
#include "mcu_jobs.hpp"
#include "rv32_runtime.hpp"

namespace bfedge::rv32 {
namespace {

namespace k = kernels;
using rv32::LlamaJob;

constexpr int rup16(int v) { return round_up(v, 16); }

// A run of consecutive packed matrices with the same cols, applied to one x: wq|wk|wv, wo, w1|w3,
// w2, the classifier. Each matrix is padded to 16-row blocks, so the group is one packed matrix
// of `rows` rows and its outputs land consecutively (padded) in y.
struct Group {
  const bf16* packed;  // in the blob (L2 or L3)
  int rows, cols;
};

// A piece: whole 16-row blocks of a group, at most chunk_bytes.
struct Piece {
  const bf16* src;
  std::uint32_t bytes;
};
Piece piece_of(const Group& g, int first_row, int rows) {
  const std::size_t block = static_cast<std::size_t>(k::matvec_pairs(g.cols)) * 32;
  return {g.packed + static_cast<std::size_t>(first_row / k::kMatvecRowBlock) * block,
          static_cast<std::uint32_t>(((rows + k::kMatvecRowBlock - 1) / k::kMatvecRowBlock) * block * 2)};
}
// Rows per piece: as many blocks as fit a slot, rounded down to a multiple of 4 blocks when
// possible (64 rows = 8 half-blocks: one per core, so pieces split evenly over 8 cores).
int rows_per_piece(const Group& g, std::uint32_t chunk_bytes) {
  const std::size_t block_bytes = static_cast<std::size_t>(k::matvec_pairs(g.cols)) * 64;
  const int blocks = static_cast<int>(chunk_bytes / block_bytes);
  return (blocks >= 4 ? blocks / 4 * 4 : blocks) * k::kMatvecRowBlock;
}

struct Model {
  LlamaJob job;
  const unsigned char* blob;
  int dim, kv, hs, hidden;
  static constexpr int kGroups = 4;  // per layer
  // Group g of layer l (l == n_layers: the classifier).
  Group group(int l, int g) const {
    if (l == static_cast<int>(job.n_layers)) {
      return {reinterpret_cast<const bf16*>(blob + job.classifier), static_cast<int>(job.vocab_size), dim};
    }
    const std::uint32_t offsets[kGroups] = {job.wq, job.wo, job.w1, job.w2};
    const int rows[kGroups] = {rup16(dim) + rup16(kv) + kv, dim, rup16(hidden) + hidden, dim};
    const int cols[kGroups] = {dim, dim, dim, hidden};
    return {reinterpret_cast<const bf16*>(blob + job.layers + l * job.layer_bytes + offsets[g]), rows[g], cols[g]};
  }
};

// Everything in L1 plus the streaming state (core 0 drives the DMA).
struct State {
  bf16* slot[2];
  unsigned pieces[kWorkers] = {};  // per core: pieces used so far (the next one is in slot % 2)
  bf16 *x, *xb, *xb2, *qkv, *q, *k_new, *v_new, *hb, *hb2, *rms;
  float* x_wide;  // x of the current group, widened (shared: each core widens a slice)
  float *logits, *rope;  // rope: cos then sin for the current position
  int next_token;        // the argmax of the logits (greedy)
  int best[kWorkers];    // per core: the argmax of its slice
  bf16 *k_window, *v_window;
  void* scratch;
  bf16 *key_cache, *value_cache;  // L2: (layers, kv_heads, head_size, steps), (layers, kv_heads, steps, head_size)
};

struct Forward {
  const Model& m;
  State& s;
  const runtime::Team& team;
  bool lead() const { return team.core == 0; }

  // The piece after the one starting at `row` of group g of layer l, in streaming order (layers ×
  // groups, the classifier, then the first piece of the next token).
  Piece following(int l, int g, int row) const;

  void apply(int l, int g, const bf16* x, void* y, bool y_f32 = false) {
    const Group w = m.group(l, g);
    float* xw = s.x_wide;
    const runtime::Range mine = runtime::split_range(k::matvec_pairs(w.cols), team.core, team.cores);
    k::widen_matvec_x(x + 2 * mine.begin, w.cols - 2 * mine.begin < 2 * mine.size() ? w.cols - 2 * mine.begin : 2 * mine.size(),
                      xw + 2 * mine.begin);
    team.barrier();
    const int step = rows_per_piece(w, m.job.chunk_bytes);
    for (int r0 = 0; r0 < w.rows; r0 += step) {
      unsigned& piece = s.pieces[team.core];
      const bf16* slot = s.slot[piece % 2];
      DmaTicket ticket = 0;
      if (lead()) {
        const Piece next = following(l, g, r0);
        ticket = dma_start({next.src, s.slot[(piece + 1) % 2], next.bytes, 1, 0, 0});
      }
      k::MatvecF32xArgs p;
      p.rows = w.rows - r0 < step ? w.rows - r0 : step, p.cols = w.cols, p.w_packed = slot, p.x = xw;
      p.y = y_f32 ? static_cast<void*>(static_cast<float*>(y) + r0) : static_cast<void*>(static_cast<bf16*>(y) + r0);
      p.y_f32 = y_f32;
      k::matvec_f32x__rv32_8row(p, team);
      if (lead()) dma_wait(ticket);
      ++piece;
      team.barrier();
    }
  }

  void rmsnorm(bf16* out, const bf16* x, const bf16* gamma) {
    k::NormParams p;
    p.n = m.dim, p.x = x, p.gamma = gamma, p.out = out;
    k::rmsnorm__rv32_columns(p, team);
    team.barrier();
  }
  void residual(const bf16* delta) {
    k::AddParams p;
    p.n = m.dim, p.a = s.x, p.b = delta, p.out = s.x;
    k::add__portable(p, team);
    team.barrier();
  }

  void token(int token_id, int pos);
  void layer(int l, int pos);
};

Piece Forward::following(int l, int g, int row) const {
  const int layers = static_cast<int>(m.job.n_layers);
  row += rows_per_piece(m.group(l, g), m.job.chunk_bytes);
  for (;;) {
    const Group w = m.group(l, g);
    if (row < w.rows) {
      const int step = rows_per_piece(w, m.job.chunk_bytes);
      return piece_of(w, row, step < w.rows - row ? step : w.rows - row);
    }
    row = 0;
    if (l == layers) {
      l = 0, g = 0;  // the next token
    } else if (++g == Model::kGroups) {
      g = 0, ++l;
    }
  }
}

void Forward::layer(int l, int pos) {
  const LlamaJob& j = m.job;
  const int steps = static_cast<int>(j.steps), kvp = static_cast<int>(j.kv_positions);
  const std::size_t cache_layer = static_cast<std::size_t>(l) * m.kv * steps;
  rmsnorm(s.xb, s.x, s.rms + l * m.dim);
  if (lead() && pos > 0) {  // this layer's past keys and values, into the L1 window
    const int kvh = static_cast<int>(j.n_kv_heads);
    const DmaTicket keys = dma_start({s.key_cache + cache_layer, s.k_window, static_cast<std::uint32_t>(pos * 2),
                                      static_cast<std::uint32_t>(m.kv), static_cast<std::uint32_t>(steps * 2),
                                      static_cast<std::uint32_t>(kvp * 2)});
    dma_wait(dma_start({s.value_cache + cache_layer, s.v_window, static_cast<std::uint32_t>(pos * m.hs * 2),
                        static_cast<std::uint32_t>(kvh), static_cast<std::uint32_t>(steps * m.hs * 2),
                        static_cast<std::uint32_t>(kvp * m.hs * 2)}));
    dma_wait(keys);
  }
  apply(l, 0, s.xb, s.qkv);  // q | k_new | v_new
  k::RopeParams rope;
  rope.dim = m.dim, rope.kv_dim = m.kv, rope.head_size = m.hs, rope.q = s.q, rope.k = s.k_new;
  rope.cos = s.rope, rope.sin = s.rope + m.hs / 2;
  k::rope__portable_pairs(rope, team);
  team.barrier();
  // The new position, into the L2 cache and the L1 window (cores split the kv_dim values).
  const runtime::Range mine = runtime::split_range(m.kv, team.core, team.cores);
  for (int e = mine.begin; e < mine.end; ++e) {
    const int g = e / m.hs, i = e % m.hs;
    const bf16 key = s.k_new[e], value = s.v_new[e];
    s.key_cache[cache_layer + static_cast<std::size_t>(e) * steps + pos] = key;
    s.value_cache[cache_layer + (static_cast<std::size_t>(g) * steps + pos) * m.hs + i] = value;
    s.k_window[static_cast<std::size_t>(e) * kvp + pos] = key;
    s.v_window[(static_cast<std::size_t>(g) * kvp + pos) * m.hs + i] = value;
  }
  team.barrier();
  k::AttentionDecodeParams att;
  att.n_heads = static_cast<int>(j.n_heads), att.n_kv_heads = static_cast<int>(j.n_kv_heads), att.head_size = m.hs;
  att.n_positions = pos + 1, att.seq_cap = kvp, att.q = s.q, att.k_cache = s.k_window, att.v_cache = s.v_window;
  att.out = s.xb, att.scratch = s.scratch;
  k::attention_decode__rv32_heads(att, team);
  team.barrier();
  apply(l, 1, s.xb, s.xb2);
  residual(s.xb2);
  rmsnorm(s.xb, s.x, s.rms + (j.n_layers + l) * m.dim);
  apply(l, 2, s.xb, s.hb);  // hb | hb2
  k::SwigluParams act;
  act.n = m.hidden, act.gate = s.hb, act.up = s.hb2;
  k::swiglu__portable_fastexp(act, team);
  team.barrier();
  apply(l, 3, s.hb, s.xb);
  residual(s.xb);
}

void Forward::token(int token_id, int pos) {
  const LlamaJob& j = m.job;
  if (lead()) {  // the token's embedding row and this position's RoPE angles
    const DmaTicket row = dma_start({m.blob + j.token_embedding + static_cast<std::size_t>(token_id) * m.dim * 2, s.x,
                                     static_cast<std::uint32_t>(m.dim * 2), 1, 0, 0});
    const std::uint32_t half = static_cast<std::uint32_t>(m.hs / 2) * 4;
    const DmaTicket cos = dma_start({m.blob + j.rope_cos + pos * half, s.rope, half, 1, 0, 0});
    dma_wait(dma_start({m.blob + j.rope_sin + pos * half, s.rope + m.hs / 2, half, 1, 0, 0}));
    dma_wait(cos);
    dma_wait(row);
  }
  team.barrier();
  for (int l = 0; l < static_cast<int>(j.n_layers); ++l) layer(l, pos);
  rmsnorm(s.xb, s.x, s.rms + 2 * j.n_layers * m.dim);
  apply(static_cast<int>(j.n_layers), 0, s.xb, s.logits, true);
  // Greedy sampling is part of the token's time: each core takes the first maximum of its slice,
  // then core 0 the first maximum of those (the host sampler's argmax).
  const runtime::Range mine = runtime::split_range(static_cast<int>(j.vocab_size), team.core, team.cores);
  int best = mine.size() > 0 ? mine.begin : 0;
  for (int v = mine.begin + 1; v < mine.end; ++v) best = s.logits[v] > s.logits[best] ? v : best;
  s.best[team.core] = best;
  team.barrier();
  if (lead()) {
    int overall = s.best[0];
    for (int c = 1; c < team.cores; ++c) overall = s.logits[s.best[c]] > s.logits[overall] ? s.best[c] : overall;
    s.next_token = overall;
  }
}

template <class T>
T* take_l1(std::size_t count) {
  return static_cast<T*>(l1_arena().take(count * sizeof(T)));
}

}  // namespace

int run_llama_job(const unsigned char* image) {
  Model m{};
  std::memcpy(&m.job, image, sizeof m.job);
  const LlamaJob& j = m.job;
  m.dim = static_cast<int>(j.dim), m.hidden = static_cast<int>(j.hidden_dim);
  m.hs = m.dim / static_cast<int>(j.n_heads), m.kv = static_cast<int>(j.n_kv_heads) * m.hs;
  // Setup (not measured): the blob to L2 if it fits, the cache in L2, everything else in L1.
  m.blob = image + j.weights;
  if (j.weights_in_l2 != 0) {
    auto* copy = static_cast<unsigned char*>(l2_arena().take(j.weights_bytes, 64));
    if (copy == nullptr) return fail("the weights do not fit in L2");
    dma_copy({m.blob, copy, j.weights_bytes, 1, 0, 0});
    m.blob = copy;
  }
  State s{};
  const std::size_t cache = static_cast<std::size_t>(j.n_layers) * m.kv * j.steps;
  s.key_cache = static_cast<bf16*>(l2_arena().take(cache * 2));
  s.value_cache = static_cast<bf16*>(l2_arena().take(cache * 2));
  if (s.value_cache == nullptr) return fail("the KV cache does not fit in L2");
  s.slot[0] = take_l1<bf16>(j.chunk_bytes / 2);
  s.slot[1] = take_l1<bf16>(j.chunk_bytes / 2);
  s.x = take_l1<bf16>(m.dim), s.xb = take_l1<bf16>(m.dim), s.xb2 = take_l1<bf16>(m.dim);
  s.qkv = take_l1<bf16>(static_cast<std::size_t>(rup16(m.dim) + 2 * rup16(m.kv)));
  s.q = s.qkv, s.k_new = s.qkv + rup16(m.dim), s.v_new = s.k_new + rup16(m.kv);
  s.hb = take_l1<bf16>(2 * static_cast<std::size_t>(rup16(m.hidden)));
  s.hb2 = s.hb + rup16(m.hidden);
  s.x_wide = take_l1<float>(static_cast<std::size_t>(k::matvec_pairs(m.hidden > m.dim ? m.hidden : m.dim)) * 2);
  s.rms = take_l1<bf16>(static_cast<std::size_t>(2 * j.n_layers + 1) * m.dim);
  s.logits = j.logits_in_l2 != 0 ? static_cast<float*>(l2_arena().take(j.vocab_size * 4u)) : take_l1<float>(j.vocab_size);
  s.rope = take_l1<float>(m.hs);
  s.k_window = take_l1<bf16>(static_cast<std::size_t>(m.kv) * j.kv_positions);
  s.v_window = take_l1<bf16>(static_cast<std::size_t>(m.kv) * j.kv_positions);
  k::AttentionDecodeParams att;
  att.n_positions = static_cast<int>(j.kv_positions), att.head_size = m.hs;
  const std::size_t per_core = k::aligned_scratch_bytes(k::attention_decode_scratch(att));
  s.scratch = l1_arena().take(per_core * static_cast<std::size_t>(j.cores), 64);
  if (s.scratch == nullptr || s.k_window == nullptr || s.rms == nullptr || s.x_wide == nullptr || s.logits == nullptr) return fail("the decoder's L1 buffers exceed L1");
  dma_copy({m.blob + j.rms_att, s.rms, static_cast<std::uint32_t>(2 * j.n_layers * m.dim * 2), 1, 0, 0});
  dma_copy({m.blob + j.rms_final, s.rms + 2 * j.n_layers * m.dim, static_cast<std::uint32_t>(m.dim * 2), 1, 0, 0});

  static std::int32_t ids[rv32::kMaxLlamaSteps + 1];  // in L2: worker stacks are 2 KiB
  const int steps = static_cast<int>(j.steps), n_prompt = static_cast<int>(j.prompt_tokens);
  if (steps > static_cast<int>(rv32::kMaxLlamaSteps)) return fail("more steps than the firmware keeps ids for");
  std::memcpy(ids, image + j.prompt, sizeof(std::int32_t));
  int count = 1;
  {  // the first piece of the stream, in slot 0 before the first token
    const Group first = m.group(0, 0);
    const int step = rows_per_piece(first, j.chunk_bytes);
    const Piece piece = piece_of(first, 0, step < first.rows ? step : first.rows);
    dma_copy({piece.src, s.slot[0], piece.bytes, 1, 0, 0});
  }
  for (int pos = 0; pos < steps; ++pos) {
    const int token = ids[count - 1];
    const std::uint32_t first = marks_made();
    fork([&](const runtime::Team& team) { Forward{m, s, team}.token(token, pos); }, static_cast<int>(j.cores));
    print_measure(first, marks_made() - 1);
    dma_report();  // per token: the log holds one token's phases (rv32::kDmaLogEntries, planned on the host)
    int next;
    if (pos < n_prompt - 1) {
      std::memcpy(&next, image + j.prompt + static_cast<std::size_t>(pos + 1) * 4, 4);
    } else {
      next = s.next_token;
    }
    ids[count++] = next;
    if (next == static_cast<int>(j.stop_token)) break;
  }
  print_words(reinterpret_cast<const std::uint32_t*>(ids), static_cast<std::uint32_t>(count));
  return 0;
}

}  // namespace bfedge::rv32
