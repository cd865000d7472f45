// The deploy compiler's tiling planner (deploy/tile_plan.hpp).
#include "bfedge/deploy/tile_plan.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

#include "bfedge/core/byte_size.hpp"
#include "bfedge/core/round_up.hpp"
#include "bfedge/graph/memory_plan.hpp"
#include "bfedge/kernels/matvec.hpp"
#include "bfedge/kernels/rv32.hpp"

namespace bfedge::deploy {
namespace {

// The target's DMA cost: bytes over the bandwidth and the fixed cost per row (a 2D transfer pays it
// for each of its rows, as the cycle model charges it).
double dma_cycles(const McuTarget& t, std::size_t bytes, int rows = 1) {
  return static_cast<double>(bytes) / t.dma_bytes_per_cycle + t.dma_cycles_per_transfer * rows;
}

// The two transfers of a KV window at the mean position of the plan (a step at position p copies
// p or p + 1 positions): the keys, a row per head dimension; the values, a block per KV head.
double mean_window_cycles(const McuTarget& t, const kernels::AttentionDecodeParams& a) {
  const int mean_positions = (a.seq_cap + 1) / 2;
  const std::size_t half = static_cast<std::size_t>(a.n_kv_heads) * a.head_size * mean_positions * sizeof(bf16);
  return dma_cycles(t, half, a.n_kv_heads * a.head_size) + dma_cycles(t, half, a.n_kv_heads);
}

// The estimate of a matvec streamed in pieces of `blocks_per_piece` 16-row blocks; with
// `first_piece_hidden` (a prefetch during the previous matvec) the first piece's DMA is not waited for.
double matvec_cycles(const McuTarget& t, int rows, int cols, int blocks_per_piece, bool first_piece_hidden) {
  const std::size_t block = kernels::matvec_dma_block_bytes(cols);
  const int blocks = (rows + kernels::kMatvecRowBlock - 1) / kernels::kMatvecRowBlock;
  const int pieces = (blocks + blocks_per_piece - 1) / blocks_per_piece;
  const double pairs = kernels::matvec_pairs(cols);
  double cycles = first_piece_hidden ? 0.0 : dma_cycles(t, block * static_cast<std::size_t>(std::min(blocks, blocks_per_piece)));
  for (int piece = 0; piece < pieces; ++piece) {
    const int first = piece * blocks_per_piece, n = std::min(blocks_per_piece, blocks - first);
    const int piece_rows = std::min(rows - first * kernels::kMatvecRowBlock, n * kernels::kMatvecRowBlock);
    const int halves = (piece_rows + 7) / 8, per_core = (halves + t.cores - 1) / t.cores;
    const double compute = per_core * 8 * pairs * kCyclesPerRowPair;
    const int next = std::min(blocks_per_piece, blocks - first - n);
    cycles += std::max(compute, next > 0 ? dma_cycles(t, block * static_cast<std::size_t>(next)) : 0.0) + t.barrier_cycles;
  }
  return cycles;
}

// Decode attention with its KV window in L1: fetched ahead into the window region (only its scores
// in the nodes' region; the transfers hidden behind the matvec that carries them), or fetched by
// the attention itself when the window and the scores fit beside the activations (else
// window_positions 0: it reads the cache in L2).
NodeTiles attention_window(const graph::Node& node, const McuTarget& t, std::int64_t l1_left, bool ahead) {
  NodeTiles tiles;
  const auto& a = std::get<kernels::AttentionDecodeParams>(node.params);
  if (ahead) {
    tiles.kv_window_positions = a.seq_cap, tiles.kv_window_ahead = true;
    tiles.l1_bytes = static_cast<std::int64_t>(
        kernels::attention_decode_scores_l1_bytes(a.n_heads, a.n_kv_heads, a.head_size, a.seq_cap, t.cores));
    return tiles;
  }
  const auto bytes = static_cast<std::int64_t>(
      kernels::attention_decode_dma_l1_bytes(a.n_heads, a.n_kv_heads, a.head_size, a.seq_cap, t.cores));
  if (bytes > l1_left) return tiles;
  tiles.kv_window_positions = a.seq_cap, tiles.l1_bytes = bytes;
  tiles.estimated_cycles = mean_window_cycles(t, a);
  return tiles;
}

// The window region the attentions share when their windows are fetched ahead: the largest window
// (kv_window_bytes is a multiple of 16 bytes).
std::int64_t ahead_window_bytes(const graph::Graph& g) {
  std::size_t bytes = 0;
  for (const graph::Node& node : g.nodes) {
    if (node.op != graph::Op::attention_decode) continue;
    const auto& a = std::get<kernels::AttentionDecodeParams>(node.params);
    bytes = std::max(bytes, kernels::kv_window_bytes(a.n_kv_heads, a.head_size, a.seq_cap));
  }
  return static_cast<std::int64_t>(bytes);
}

// Each attention's window is carried by the last streamed matvec after the attention before it,
// and the KV write that feeds the attention comes after that matvec (the write puts the new
// position into the window; the barrier before the attention, which reads the write's output, is
// where the carried transfers are complete for every core). False when some attention has no such
// carrier.
bool assign_window_carriers(const graph::Graph& g, const McuTarget& target, TilePlan& plan) {
  graph::NodeId carrier = -1;
  for (const NodeTiles& t : plan.nodes) {
    if (t.slot_bytes > 0) carrier = t.node;
    const graph::Node& node = g.node(t.node);
    if (node.op != graph::Op::attention_decode) continue;
    const graph::NodeId writer = g.tensor(node.inputs[1]).producer;
    if (carrier < 0 || writer == graph::kNone || writer < carrier || g.node(writer).op != graph::Op::kv_write) return false;
    NodeTiles& carrying = plan.nodes[static_cast<std::size_t>(carrier)];
    carrying.carries_kv_window_of = t.node;
    // The window's transfers share the DMA engine with the carrier's pieces: what its compute
    // does not hide counts.
    const double window = mean_window_cycles(target, std::get<kernels::AttentionDecodeParams>(node.params));
    plan.nodes[static_cast<std::size_t>(t.node)].estimated_cycles = std::max(0.0, window - carrying.estimated_cycles);
    carrier = -1;
  }
  return true;
}

// One planning pass: every slot at most `slot_cap` bytes (one block at least), the estimate with
// or without the first pieces hidden; the node whose smallest tiles do not fit `usable`, if any.
struct Pass {
  TilePlan plan;
  std::int64_t worst = 0;
  const graph::Node* worst_node = nullptr;
};
Pass plan_pass(const graph::Graph& g, const McuTarget& target, std::int64_t usable, std::int64_t activations,
               std::size_t slot_cap, bool first_piece_hidden, bool window_ahead) {
  Pass pass;
  TilePlan& plan = pass.plan;
  for (graph::NodeId id = 0; id < static_cast<graph::NodeId>(g.nodes.size()); ++id) {
    const graph::Node& node = g.node(id);
    NodeTiles tiles;
    if (node.op == graph::Op::attention_decode) {
      tiles = attention_window(node, target, usable - activations, window_ahead);
    } else if (node.op == graph::Op::matvec) {
      const graph::Tensor& w = g.tensor(node.inputs[1]);
      const int rows = static_cast<int>(w.shape[0]), cols = static_cast<int>(w.shape[1]);
      const std::size_t block = kernels::matvec_dma_block_bytes(cols);
      const int blocks = (rows + kernels::kMatvecRowBlock - 1) / kernels::kMatvecRowBlock;
      const auto smallest = static_cast<std::int64_t>(kernels::matvec_dma_l1_bytes(cols, block));
      if (smallest > usable && smallest > pass.worst) pass.worst = smallest, pass.worst_node = &node;
      double best = INFINITY;
      for (int k = 1; k <= blocks && smallest <= usable; ++k) {
        const std::size_t slot = block * static_cast<std::size_t>(k);
        const auto bytes = static_cast<std::int64_t>(kernels::matvec_dma_l1_bytes(cols, slot));
        if (bytes > usable || (k > 1 && slot > slot_cap)) break;
        const double cycles = matvec_cycles(target, rows, cols, k, first_piece_hidden);
        if (cycles < best) {  // ties keep the smaller tiles
          best = cycles;
          tiles.slot_bytes = slot, tiles.l1_bytes = bytes, tiles.estimated_cycles = cycles;
        }
      }
    }
    tiles.node = id;
    plan.l1_bytes = std::max(plan.l1_bytes, tiles.l1_bytes);
    plan.nodes.push_back(tiles);
  }
  return pass;
}

// Two buffers of the largest first piece after the region, when they fit beside it and the
// activations: the plan's prefetch (false: the plan is left as it is).
bool add_prefetch(const graph::Graph& g, std::int64_t usable, std::int64_t activations, TilePlan& plan) {
  std::size_t first_piece = 0;
  for (const NodeTiles& t : plan.nodes) {
    if (t.slot_bytes == 0) continue;
    const graph::Tensor& w = g.tensor(g.node(t.node).inputs[1]);
    first_piece = std::max(first_piece, kernels::matvec_dma_first_piece_bytes(static_cast<int>(w.shape[0]),
                                                                             static_cast<int>(w.shape[1]), t.slot_bytes));
  }
  const auto buffer = static_cast<std::int64_t>(round_up(first_piece, std::size_t{16}));
  const std::int64_t region = round_up(plan.l1_bytes, std::int64_t{16});
  if (first_piece == 0 || region + 2 * buffer + activations > usable) return false;
  plan.prefetch_bytes = static_cast<std::size_t>(buffer), plan.prefetch_offset = region;
  plan.l1_bytes = region + 2 * buffer;
  return true;
}

// The plan with prefetch: the largest slot cap whose region, buffers and activations fit `usable`,
// halving (none: some node's smallest tiles do not fit, or no cap leaves room for the buffers).
std::optional<TilePlan> plan_prefetched(const graph::Graph& g, const McuTarget& target, std::int64_t usable,
                                        std::int64_t activations, bool window_ahead) {
  for (auto cap = static_cast<std::size_t>(std::max<std::int64_t>(usable - activations, 0) / 4); cap >= 64; cap /= 2) {
    Pass pass = plan_pass(g, target, usable, activations, cap, true, window_ahead);
    if (pass.worst_node != nullptr) return std::nullopt;  // no cap helps
    if (add_prefetch(g, usable, activations, pass.plan)) return pass.plan;
  }
  return std::nullopt;
}

double estimated_cycles(const TilePlan& plan) {
  double cycles = 0;
  for (const NodeTiles& t : plan.nodes) cycles += t.estimated_cycles;
  return cycles;
}

}  // namespace

Result<TilePlan> plan_tiles(const graph::Graph& g, const McuTarget& target) {
  const std::int64_t usable = target.l1.usable_bytes();
  const std::int64_t activations = round_up(graph::plan_memory(g).arena_bytes, graph::kPlanAlignment);
  // With prefetch the first pieces are hidden and larger pieces (fewer DMA transfers and barriers)
  // win. With the KV windows fetched ahead, their region comes out of the L1 the slots share; the
  // lower estimate of the two wins (ties: ahead). Neither fits: the plan without prefetch, where the
  // first piece's wait counts.
  std::optional<TilePlan> best;
  if (const std::int64_t window = ahead_window_bytes(g); window > 0 && window < usable) {
    best = plan_prefetched(g, target, usable - window, activations, true);
    if (best && assign_window_carriers(g, target, *best)) {
      best->kv_window_offset = best->l1_bytes, best->kv_window_bytes = static_cast<std::size_t>(window);
      best->l1_bytes += window;
    } else {
      best.reset();
    }
  }
  std::optional<TilePlan> own = plan_prefetched(g, target, usable, activations, false);
  if (own && (!best || estimated_cycles(*own) < estimated_cycles(*best))) best = std::move(own);
  if (best) return *std::move(best);
  Pass pass = plan_pass(g, target, usable, activations, SIZE_MAX, false, false);
  if (pass.worst_node != nullptr) {
    return Status(ErrorCode::capacity, "L1 needs " + binary_size_text(pass.worst + target.l1.reserved_bytes) + " > " +
                                           binary_size_text(target.l1.bytes) + "; largest: tiles of " +
                                           pass.worst_node->name + " (matvec: x and two slots of one 16-row block)");
  }
  return pass.plan;
}

}  // namespace bfedge::deploy
