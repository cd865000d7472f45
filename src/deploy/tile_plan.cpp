// The deploy compiler's tiling planner (deploy/tile_plan.hpp).
#include "bfedge/deploy/tile_plan.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "bfedge/core/byte_size.hpp"
#include "bfedge/core/round_up.hpp"
#include "bfedge/graph/memory_plan.hpp"
#include "bfedge/kernels/matvec.hpp"
#include "bfedge/kernels/rv32.hpp"

namespace bfedge::deploy {
namespace {

double dma_cycles(const McuTarget& t, std::size_t bytes) {
  return static_cast<double>(bytes) / t.dma_bytes_per_cycle + t.dma_cycles_per_transfer;
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

// Decode attention with its KV window in L1 when the window and the scores fit beside the
// activations (window_positions 0 otherwise).
NodeTiles attention_window(const graph::Node& node, const McuTarget& t, std::int64_t l1_left) {
  NodeTiles tiles;
  const auto& a = std::get<kernels::AttentionDecodeParams>(node.params);
  const auto bytes = static_cast<std::int64_t>(
      kernels::attention_decode_dma_l1_bytes(a.n_heads, a.n_kv_heads, a.head_size, a.seq_cap, t.cores));
  if (bytes > l1_left) return tiles;
  const std::size_t window = static_cast<std::size_t>(a.n_kv_heads) * a.head_size * a.seq_cap * sizeof(bf16);
  tiles.kv_window_positions = a.seq_cap, tiles.l1_bytes = bytes;
  tiles.estimated_cycles = 2 * dma_cycles(t, window);  // the longest window, keys then values
  return tiles;
}

// One planning pass: every slot at most `slot_cap` bytes (one block at least), the estimate with
// or without the first pieces hidden; the node whose smallest tiles do not fit `usable`, if any.
struct Pass {
  TilePlan plan;
  std::int64_t worst = 0;
  const graph::Node* worst_node = nullptr;
};
Pass plan_pass(const graph::Graph& g, const McuTarget& target, std::int64_t usable, std::int64_t activations,
               std::size_t slot_cap, bool first_piece_hidden) {
  Pass pass;
  TilePlan& plan = pass.plan;
  for (graph::NodeId id = 0; id < static_cast<graph::NodeId>(g.nodes.size()); ++id) {
    const graph::Node& node = g.node(id);
    NodeTiles tiles;
    if (node.op == graph::Op::attention_decode) {
      tiles = attention_window(node, target, usable - activations);
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

}  // namespace

Result<TilePlan> plan_tiles(const graph::Graph& g, const McuTarget& target) {
  const std::int64_t usable = target.l1.usable_bytes();
  const std::int64_t activations = round_up(graph::plan_memory(g).arena_bytes, graph::kPlanAlignment);
  // With prefetch the first pieces are hidden and larger pieces (fewer DMA transfers and barriers)
  // win; two slots and two buffers of that size must fit beside the activations. The largest cap
  // that fits, halving; else the plan without prefetch, where the first piece's wait counts.
  for (auto cap = static_cast<std::size_t>(std::max<std::int64_t>(usable - activations, 0) / 4); cap >= 64; cap /= 2) {
    Pass pass = plan_pass(g, target, usable, activations, cap, true);
    if (pass.worst_node != nullptr) break;  // some node's smallest tiles do not fit: no cap helps
    if (add_prefetch(g, usable, activations, pass.plan)) return pass.plan;
  }
  Pass pass = plan_pass(g, target, usable, activations, SIZE_MAX, false);
  if (pass.worst_node != nullptr) {
    return Status(ErrorCode::capacity, "L1 needs " + binary_size_text(pass.worst + target.l1.reserved_bytes) + " > " +
                                           binary_size_text(target.l1.bytes) + "; largest: tiles of " +
                                           pass.worst_node->name + " (matvec: x and two slots of one 16-row block)");
  }
  return pass.plan;
}

}  // namespace bfedge::deploy
