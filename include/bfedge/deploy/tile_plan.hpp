// The deploy compiler's tiling planner: per node, the L1 tiles its MCU kernel streams its far
// operands through, chosen by minimising an estimate of the node's cycles on the target (every
// candidate size is tried; deterministic). Today: the matvecs of a decoder stream their packed
// weights through two L1 slots (kernels::matvec__rv32_dma) — the estimate per slot size is
//   DMA of the first piece (not hidden) + Σ pieces max(compute, DMA of the next piece) + a barrier each,
//   compute = ⌈⌈rows / 8⌉ / cores⌉ · 8 · column pairs · kCyclesPerRowPair (cores take 8-row halves of
//   the 16-row blocks: a piece of 32 rows keeps only 4 cores busy), DMA = bytes / bytes per cycle +
//   the fixed cost per transfer (the target's);
// a decoder's attention reads its layer's keys and values in an L1 window of the plan's positions,
// its scores in L1 too. Best, the window is fetched ahead: the streamed matvec before the attention
// (the QKV projection) carries the DMA of the past positions into a window region of its own, the
// KV write puts the new position there too, and the attention (attention_decode__rv32_heads) waits
// for nothing (the estimate: what of the window's transfers the carrier's compute does not hide);
// else the attention fetches the window itself (kernels::attention_decode__rv32_dma, the estimate
// is its two transfers at the mean window, the DMA's fixed cost per row), when the window fits
// beside the activations (every node reads those); else it reads the KV cache in L2. Of the plans
// that fit, the lower estimate wins. Prefetch across nodes: each streamed matvec fetches the next
// one's first piece into one of two buffers (TilePlan::prefetch_bytes); the slots are then sized
// with the first pieces hidden (larger pieces: fewer transfers and barriers), capped so that two
// slots and two buffers fit beside the activations — the largest cap that fits, halving; when none
// does, the plan without prefetch, where each first piece's wait counts. The other nodes read their
// operands where the memory plan put them (no tiles yet).
// When a node's smallest tiles do not fit the L1 the firmware leaves, planning fails with one line
// naming the node whose smallest tiles are the largest:
// "L1 needs 27.4 KiB > 20 KiB; largest: tiles of layer0.w2 (matvec: x and two slots of one 16-row block)".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/deploy/target.hpp"
#include "bfedge/graph/graph.hpp"

namespace bfedge::deploy {

// Cycles per (row, column pair) of matvec_f32x on one core: a 32-bit L1 load, the two halves'
// shift and mask, two FMAs, and the load-use stall, as the cycle model charges them.
inline constexpr double kCyclesPerRowPair = 6.0;

struct NodeTiles {
  graph::NodeId node = 0;
  std::size_t slot_bytes = 0;  // matvec: each of the two L1 slots; 0: the node has no tiles
  int kv_window_positions = 0;  // attention_decode: the L1 window's positions; 0: reads the cache in L2
  bool kv_window_ahead = false;   // attention_decode: the window is in TilePlan's window region, filled ahead
  graph::NodeId carries_kv_window_of = -1;  // matvec: the attention whose window it fetches ahead; -1: none
  std::int64_t l1_bytes = 0;   // the node's L1 working set
  double estimated_cycles = 0;
};

struct TilePlan {
  std::vector<NodeTiles> nodes;  // one per graph node, in order
  std::int64_t l1_bytes = 0;     // the tiles' L1 region: the largest node's working set, then the prefetch buffers
  // Prefetch across nodes: each streamed matvec fetches the next one's first piece during its own
  // last piece, into one of two buffers after the nodes' working sets (at prefetch_offset, each
  // prefetch_bytes), alternating. 0: each matvec fetches its first piece itself.
  std::size_t prefetch_bytes = 0;
  std::int64_t prefetch_offset = 0;
  // The KV window fetched ahead: one region after the buffers, each layer's attention in turn
  // (kernels::kv_window_bytes of the plan's positions). 0: the attentions fetch their own, if any.
  std::size_t kv_window_bytes = 0;
  std::int64_t kv_window_offset = 0;
};

Result<TilePlan> plan_tiles(const graph::Graph& graph, const McuTarget& target);

}  // namespace bfedge::deploy
