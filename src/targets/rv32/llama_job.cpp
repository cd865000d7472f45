// Greedy LLaMA generation on the MCU (bfedge/mcu/job.hpp LlamaJob): the weight blob sits in L2
// (copied from L3 at setup) or stays in L3, and the forward pass streams it through two L1 slots
// by DMA — piece i+1 lands while piece i's matvec runs. The KV cache is in L2; each layer's window
// of past keys and values is brought into L1 by DMA with its first piece. Activations, norm
// weights and per-core scratch live in L1. One fork per token, a measured window each.
// The layer structure and kernels are those of models::LlamaBf16 (portable variants), with
// matvec__mcu_8row for the matvecs.
#include <cstring>

#include "bfedge/kernels/activation.hpp"
#include "bfedge/kernels/attention_decode.hpp"
#include "bfedge/kernels/elementwise.hpp"
#include "bfedge/kernels/matvec.hpp"
#include "bfedge/kernels/norm.hpp"
#include "bfedge/mcu/job.hpp"
#include "dma.hpp"
#include "mcu_jobs.hpp"
#include "rv32_runtime.hpp"

namespace bfedge::rv32 {
namespace {

namespace k = kernels;
using mcu::LlamaJob;

struct Matrix {
  const bf16* packed;  // in the blob (L2 or L3)
  int rows, cols;
};

// The pieces of the weights in streaming order: whole 16-row blocks, at most chunk_bytes each.
struct Piece {
  const bf16* src;
  std::uint32_t bytes;
};
Piece piece_of(const Matrix& m, int first_row, int rows) {
  const std::size_t block = static_cast<std::size_t>(k::matvec_pairs(m.cols)) * 32;
  return {m.packed + static_cast<std::size_t>(first_row / k::kMatvecRowBlock) * block,
          static_cast<std::uint32_t>(((rows + k::kMatvecRowBlock - 1) / k::kMatvecRowBlock) * block * 2)};
}
int rows_per_piece(const Matrix& m, std::uint32_t chunk_bytes) {
  const std::size_t block_bytes = static_cast<std::size_t>(k::matvec_pairs(m.cols)) * 64;
  return static_cast<int>(chunk_bytes / block_bytes) * k::kMatvecRowBlock;
}

struct Model {
  LlamaJob job;
  const unsigned char* blob;
  int dim, kv, hs, hidden;
  Matrix matrix(int layer, std::uint32_t offset, int rows, int cols) const {
    return {reinterpret_cast<const bf16*>(blob + job.layers + layer * job.layer_bytes + offset), rows, cols};
  }
};

// Everything in L1 plus the streaming state (core 0 drives the DMA).
struct State {
  bf16* slot[2];
  std::uint32_t ticket = 0;
  unsigned pieces[kWorkers] = {};  // per core: pieces used so far (the next one is in slot % 2)
  Piece next{};        // the piece in flight
  bf16 *x, *xb, *xb2, *q, *k_new, *v_new, *hb, *hb2, *rms;
  float *logits, *rope;  // rope: cos then sin for the current position
  bf16 *k_window, *v_window;
  void* scratch;
  bf16 *key_cache, *value_cache;  // L2: (layers, kv_heads, head_size, steps), (layers, kv_heads, steps, head_size)
};

struct Forward {
  const Model& m;
  State& s;
  const runtime::Team& team;
  bool lead() const { return team.core == 0; }

  // The piece after `p` in streaming order, given that `p` is the current one; computed by
  // walking the fixed sequence (layers × 7 matrices, then the classifier).
  Piece following(int layer, int matrix, int row) const;

  void matvec(int layer, int matrix, const Matrix& w, const bf16* x, void* y, k::OutType type = k::OutType::bf16) {
    const int step = rows_per_piece(w, m.job.chunk_bytes);
    for (int r0 = 0; r0 < w.rows; r0 += step) {
      const int rows = w.rows - r0 < step ? w.rows - r0 : step;
      unsigned& piece = s.pieces[team.core];
      bf16* slot = s.slot[piece % 2];
      if (lead()) {
        s.next = following(layer, matrix, r0 + step);
        s.ticket = dma_start({s.next.src, s.slot[(piece + 1) % 2], s.next.bytes, 1, 0, 0});
      }
      k::MatvecParams p;
      p.rows = rows, p.cols = w.cols, p.w_packed = slot, p.x = x, p.y_type = type, p.scratch = s.scratch;
      p.y = type == k::OutType::f32 ? static_cast<void*>(static_cast<float*>(y) + r0)
                                    : static_cast<void*>(static_cast<bf16*>(y) + r0);
      k::matvec__mcu_8row(p, team);
      if (lead()) dma_wait(s.ticket);
      ++piece;
      team.barrier();
    }
  }

  void rmsnorm(bf16* out, const bf16* x, const bf16* gamma) {
    k::NormParams p;
    p.n = m.dim, p.x = x, p.gamma = gamma, p.out = out;
    k::rmsnorm__portable(p, team);
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

Piece Forward::following(int layer, int matrix, int row) const {
  const int dims[7][2] = {{m.dim, m.dim}, {m.kv, m.dim}, {m.kv, m.dim}, {m.dim, m.dim},
                          {m.hidden, m.dim}, {m.hidden, m.dim}, {m.dim, m.hidden}};
  const std::uint32_t offsets[7] = {m.job.wq, m.job.wk, m.job.wv, m.job.wo, m.job.w1, m.job.w3, m.job.w2};
  const int layers = static_cast<int>(m.job.n_layers);
  for (;;) {
    if (layer == layers) {  // the classifier, then the first piece of the next token
      const Matrix c{reinterpret_cast<const bf16*>(m.blob + m.job.classifier), static_cast<int>(m.job.vocab_size), m.dim};
      if (row < c.rows) return piece_of(c, row, rows_per_piece(c, m.job.chunk_bytes) < c.rows - row ? rows_per_piece(c, m.job.chunk_bytes) : c.rows - row);
      layer = 0, matrix = 0, row = 0;
    }
    const Matrix w = m.matrix(layer, offsets[matrix], dims[matrix][0], dims[matrix][1]);
    if (row < w.rows) {
      const int step = rows_per_piece(w, m.job.chunk_bytes);
      return piece_of(w, row, step < w.rows - row ? step : w.rows - row);
    }
    row = 0;
    if (++matrix == 7) matrix = 0, ++layer;
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
  matvec(l, 0, m.matrix(l, j.wq, m.dim, m.dim), s.xb, s.q);
  matvec(l, 1, m.matrix(l, j.wk, m.kv, m.dim), s.xb, s.k_new);
  matvec(l, 2, m.matrix(l, j.wv, m.kv, m.dim), s.xb, s.v_new);
  k::RopeParams rope;
  rope.dim = m.dim, rope.kv_dim = m.kv, rope.head_size = m.hs, rope.q = s.q, rope.k = s.k_new;
  rope.cos = s.rope, rope.sin = s.rope + m.hs / 2;
  k::rope__portable_pairs(rope, team);
  team.barrier();
  if (lead()) {  // the new position, into the L2 cache and the L1 window
    for (int g = 0; g < static_cast<int>(j.n_kv_heads); ++g) {
      for (int i = 0; i < m.hs; ++i) {
        const bf16 key = s.k_new[g * m.hs + i], value = s.v_new[g * m.hs + i];
        s.key_cache[cache_layer + (static_cast<std::size_t>(g) * m.hs + i) * steps + pos] = key;
        s.value_cache[cache_layer + (static_cast<std::size_t>(g) * steps + pos) * m.hs + i] = value;
        s.k_window[(static_cast<std::size_t>(g) * m.hs + i) * kvp + pos] = key;
        s.v_window[(static_cast<std::size_t>(g) * kvp + pos) * m.hs + i] = value;
      }
    }
  }
  team.barrier();
  k::AttentionDecodeParams att;
  att.n_heads = static_cast<int>(j.n_heads), att.n_kv_heads = static_cast<int>(j.n_kv_heads), att.head_size = m.hs;
  att.n_positions = pos + 1, att.seq_cap = kvp, att.q = s.q, att.k_cache = s.k_window, att.v_cache = s.v_window;
  att.out = s.xb, att.scratch = s.scratch;
  k::attention_decode__portable_fastexp(att, team);
  team.barrier();
  matvec(l, 3, m.matrix(l, j.wo, m.dim, m.dim), s.xb, s.xb2);
  residual(s.xb2);
  rmsnorm(s.xb, s.x, s.rms + (j.n_layers + l) * m.dim);
  matvec(l, 4, m.matrix(l, j.w1, m.hidden, m.dim), s.xb, s.hb);
  matvec(l, 5, m.matrix(l, j.w3, m.hidden, m.dim), s.xb, s.hb2);
  k::SwigluParams act;
  act.n = m.hidden, act.gate = s.hb, act.up = s.hb2;
  k::swiglu__portable_fastexp(act, team);
  team.barrier();
  matvec(l, 6, m.matrix(l, j.w2, m.dim, m.hidden), s.hb, s.xb);
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
  rmsnorm(s.x, s.x, s.rms + 2 * j.n_layers * m.dim);
  const Matrix classifier{reinterpret_cast<const bf16*>(m.blob + j.classifier), static_cast<int>(j.vocab_size), m.dim};
  matvec(static_cast<int>(j.n_layers), 0, classifier, s.x, s.logits, k::OutType::f32);
}

int fail(const char* why) {
  print("FAIL ");
  print(why);
  print("\n");
  return 5;
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
  s.x = take_l1<bf16>(m.dim), s.xb = take_l1<bf16>(m.dim), s.xb2 = take_l1<bf16>(m.dim), s.q = take_l1<bf16>(m.dim);
  s.k_new = take_l1<bf16>(m.kv), s.v_new = take_l1<bf16>(m.kv);
  s.hb = take_l1<bf16>(m.hidden), s.hb2 = take_l1<bf16>(m.hidden);
  s.rms = take_l1<bf16>(static_cast<std::size_t>(2 * j.n_layers + 1) * m.dim);
  s.logits = take_l1<float>(j.vocab_size), s.rope = take_l1<float>(m.hs);
  s.k_window = take_l1<bf16>(static_cast<std::size_t>(m.kv) * j.kv_positions);
  s.v_window = take_l1<bf16>(static_cast<std::size_t>(m.kv) * j.kv_positions);
  k::AttentionDecodeParams att;
  att.n_positions = static_cast<int>(j.kv_positions), att.head_size = m.hs;
  const std::size_t matvec_scratch = static_cast<std::size_t>(k::matvec_pairs(m.hidden > m.dim ? m.hidden : m.dim)) * 8;
  const std::size_t per_core = k::aligned_scratch_bytes(k::attention_decode_scratch(att) > matvec_scratch
                                                            ? k::attention_decode_scratch(att) : matvec_scratch);
  s.scratch = l1_arena().take(per_core * static_cast<std::size_t>(j.cores), 64);
  if (s.scratch == nullptr || s.k_window == nullptr || s.rms == nullptr) return fail("the decoder's L1 buffers exceed L1");
  dma_copy({m.blob + j.rms_att, s.rms, static_cast<std::uint32_t>(2 * j.n_layers * m.dim * 2), 1, 0, 0});
  dma_copy({m.blob + j.rms_final, s.rms + 2 * j.n_layers * m.dim, static_cast<std::uint32_t>(m.dim * 2), 1, 0, 0});

  static std::int32_t ids[1024 + 2];  // in L2: worker stacks are 2 KiB
  const int steps = static_cast<int>(j.steps), n_prompt = static_cast<int>(j.prompt_tokens);
  if (steps > 1024) return fail("more than 1024 steps");
  std::memcpy(ids, image + j.prompt, sizeof(std::int32_t));
  int count = 1;
  { // the first piece of the stream, in flight before the first token
    Forward f{m, s, runtime::Team{}};
    s.next = f.following(0, 0, 0);
    dma_copy({s.next.src, s.slot[0], s.next.bytes, 1, 0, 0});
  }
  for (int pos = 0; pos < steps; ++pos) {
    const int token = ids[count - 1];
    const std::uint32_t first = marks_made();
    fork([&](const runtime::Team& team) { Forward{m, s, team}.token(token, pos); }, static_cast<int>(j.cores));
    print_measure(first, marks_made() - 1);
    int next;
    if (pos < n_prompt - 1) {
      std::memcpy(&next, image + j.prompt + static_cast<std::size_t>(pos + 1) * 4, 4);
    } else {
      next = 0;
      for (int v = 1; v < static_cast<int>(j.vocab_size); ++v) next = s.logits[v] > s.logits[next] ? v : next;
    }
    ids[count++] = next;
    if (next == static_cast<int>(j.stop_token)) break;
  }
  print_words(reinterpret_cast<const std::uint32_t*>(ids), static_cast<std::uint32_t>(count));
  return 0;
}

}  // namespace bfedge::rv32
