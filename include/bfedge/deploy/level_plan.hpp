// The deploy compiler's memory planner: where every byte of one inference lives on the target
// (deploy/target.hpp). Per level:
//   L1: the firmware's reserve (worker stacks), the tiles being computed, double-buffered (the
//       tiling planner sizes them: `l1_tile_bytes`), and the activation arena when it fits beside
//       them (a decoder's few rows);
//   L2: the firmware's reserve, the activation arena otherwise (graph/memory_plan.hpp: inputs,
//       activations and outputs, bytes shared by liveness), the state (KV cache), and the weights
//       when all of that and the weights fit the level;
//   L3: the weights otherwise (the kernels stream them into L1 by DMA, tile by tile).
// A plan that does not fit fails with one line naming the level, what it needs against what it
// has, and the largest thing in it: "L2 needs 1.91 MiB > 1.50 MiB; largest: kv_cache 640 KiB".
// The report also names the tensors live at the arena's peak.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/deploy/footprint.hpp"
#include "bfedge/deploy/target.hpp"
#include "bfedge/graph/graph.hpp"
#include "bfedge/graph/memory_plan.hpp"

namespace bfedge::deploy {

struct LevelItem {
  std::string name;  // "firmware", "activations", "kv_cache", "weights", "tiles"
  std::int64_t bytes = 0;
};

struct LevelUse {
  MemoryLevel level = MemoryLevel::l2;
  std::int64_t capacity = 0;       // the level's size
  std::vector<LevelItem> items;    // what the plan puts there, in address order
  std::int64_t used() const;
};

struct NamedBytes {
  std::string name;
  std::int64_t bytes = 0;
};

struct LevelPlan {
  graph::MemoryPlan arena;               // tensor offsets within the activation arena (in L2)
  std::int64_t weight_bytes = 0;         // every weight tensor once, as stored
  std::int64_t placed_weight_bytes = 0;  // what the levels hold for them (placed_weight_bytes, else weight_bytes)
  std::int64_t state_bytes = 0;          // KV cache
  std::int64_t l1_tile_bytes = 0;        // the largest double-buffered tile set (tiling planner)
  MemoryLevel weights_level = MemoryLevel::l2;
  MemoryLevel activations_level = MemoryLevel::l2;
  LevelUse l1, l2, l3;
  // The node at which the most activation bytes are live, and those tensors, largest first.
  graph::NodeId peak_node = 0;
  std::int64_t peak_live_bytes = 0;
  std::vector<NamedBytes> at_peak;
  std::vector<NamedBytes> weight_components;  // by component ("layer3", "stages.1", "embeddings"), graph order

  const LevelUse& level(MemoryLevel l) const { return l == MemoryLevel::l1 ? l1 : l == MemoryLevel::l2 ? l2 : l3; }
};

// `l1_tile_bytes`: what the tiling planner needs in L1 beside the reserve (0: not planned yet).
// `placed_weight_bytes`: the constant bytes the firmware actually holds when known — the emitted
// blob, with the layouts the chosen kernels read (deploy/emit_project.hpp) — else 0: the weight
// tensors as stored.
Result<LevelPlan> plan_levels(const graph::Graph& graph, const McuTarget& target, std::int64_t l1_tile_bytes = 0,
                              std::int64_t placed_weight_bytes = 0);

// The component a weight belongs to, from its name: "stages.N" for TinyViT's stages, else the
// part before the first dot ("layer3", "embeddings", "classifier").
std::string weight_component(const std::string& tensor_name);

}  // namespace bfedge::deploy
