// The deploy compiler's tiling planner (deploy/tile_plan.hpp).
#include "bfedge/deploy/tile_plan.hpp"

#include <algorithm>
#include <cmath>

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

// The estimate of a matvec streamed in pieces of `blocks_per_piece` 16-row blocks.
double matvec_cycles(const McuTarget& t, int rows, int cols, int blocks_per_piece) {
  const std::size_t block = kernels::matvec_dma_block_bytes(cols);
  const int blocks = (rows + kernels::kMatvecRowBlock - 1) / kernels::kMatvecRowBlock;
  const int pieces = (blocks + blocks_per_piece - 1) / blocks_per_piece;
  const double pairs = kernels::matvec_pairs(cols);
  double cycles = dma_cycles(t, block * static_cast<std::size_t>(std::min(blocks, blocks_per_piece)));
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

}  // namespace

Result<TilePlan> plan_tiles(const graph::Graph& g, const McuTarget& target) {
  TilePlan plan;
  const std::int64_t usable = target.l1.usable_bytes();
  std::int64_t worst = 0;  // the largest smallest tiles that do not fit, and their node
  const graph::Node* worst_node = nullptr;
  const std::int64_t activations = round_up(graph::plan_memory(g).arena_bytes, graph::kPlanAlignment);
  for (graph::NodeId id = 0; id < static_cast<graph::NodeId>(g.nodes.size()); ++id) {
    const graph::Node& node = g.node(id);
    NodeTiles tiles;
    tiles.node = id;
    if (node.op == graph::Op::attention_decode) {
      tiles = attention_window(node, target, usable - activations);
      tiles.node = id;
      plan.l1_bytes = std::max(plan.l1_bytes, tiles.l1_bytes);
    } else if (node.op == graph::Op::matvec) {
      const graph::Tensor& w = g.tensor(node.inputs[1]);
      const int rows = static_cast<int>(w.shape[0]), cols = static_cast<int>(w.shape[1]);
      const std::size_t block = kernels::matvec_dma_block_bytes(cols);
      const int blocks = (rows + kernels::kMatvecRowBlock - 1) / kernels::kMatvecRowBlock;
      const auto smallest = static_cast<std::int64_t>(kernels::matvec_dma_l1_bytes(cols, block));
      if (smallest > usable) {
        if (smallest > worst) worst = smallest, worst_node = &node;
        plan.nodes.push_back(tiles);
        continue;
      }
      double best = INFINITY;
      for (int k = 1; k <= blocks; ++k) {
        const auto bytes = static_cast<std::int64_t>(kernels::matvec_dma_l1_bytes(cols, block * static_cast<std::size_t>(k)));
        if (bytes > usable) break;
        const double cycles = matvec_cycles(target, rows, cols, k);
        if (cycles < best) {  // ties keep the smaller tiles
          best = cycles;
          tiles.slot_bytes = block * static_cast<std::size_t>(k), tiles.l1_bytes = bytes, tiles.estimated_cycles = cycles;
        }
      }
      plan.l1_bytes = std::max(plan.l1_bytes, tiles.l1_bytes);
    }
    plan.nodes.push_back(tiles);
  }
  // Two prefetch buffers of the largest first piece, when they fit beside the region and the activations.
  std::size_t first_piece = 0;
  for (const NodeTiles& t : plan.nodes) {
    if (t.slot_bytes == 0) continue;
    const graph::Tensor& w = g.tensor(g.node(t.node).inputs[1]);
    first_piece = std::max(first_piece, kernels::matvec_dma_first_piece_bytes(static_cast<int>(w.shape[0]),
                                                                             static_cast<int>(w.shape[1]), t.slot_bytes));
  }
  const auto buffer = static_cast<std::int64_t>(round_up(first_piece, std::size_t{16}));
  const std::int64_t region = round_up(plan.l1_bytes, std::int64_t{16});
  if (first_piece > 0 && region + 2 * buffer + activations <= usable) {
    plan.prefetch_bytes = static_cast<std::size_t>(buffer), plan.prefetch_offset = region;
    plan.l1_bytes = region + 2 * buffer;
  }
  if (worst_node != nullptr) {
    return Status(ErrorCode::capacity, "L1 needs " + binary_size_text(worst + target.l1.reserved_bytes) + " > " +
                                           binary_size_text(target.l1.bytes) + "; largest: tiles of " + worst_node->name +
                                           " (matvec: x and two slots of one 16-row block)");
  }
  return plan;
}

}  // namespace bfedge::deploy
