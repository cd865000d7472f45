// Where each tensor lives while a graph runs. Activations, inputs and outputs share one arena:
// a tensor occupies its bytes from the node that writes it (inputs: from the start) to the last
// node that reads it or any in-place result over it (outputs: to the end), and tensors whose
// lifetimes do not overlap may share bytes — TFLite Micro's greedy-by-size planner: the largest
// buffers are placed first, each at the lowest 64-byte-aligned offset free for its lifetime.
// State tensors (KV caches) persist across runs and get their own region; weights stay where
// the model keeps them. The deploy compiler will add memory levels (L1/L2/L3) to this plan.
#pragma once

#include <cstdint>
#include <vector>

#include "bfedge/graph/graph.hpp"

namespace bfedge::graph {

enum class MemoryRegion : unsigned char { none, arena, state };

struct TensorPlacement {
  MemoryRegion region = MemoryRegion::none;  // none: a weight
  std::int64_t offset = 0;                   // bytes into the region (in-place results: the root's; views: within it)
  NodeId first = 0, last = 0;                // lifetime in node indices (inclusive)
};

struct MemoryPlan {
  std::vector<TensorPlacement> tensors;  // by TensorId
  std::int64_t arena_bytes = 0;          // peak of live activations, as placed
  std::int64_t activation_bytes = 0;     // every activation in its own buffer (no reuse)
  std::int64_t state_bytes = 0;
};

inline constexpr std::int64_t kPlanAlignment = 64;

MemoryPlan plan_memory(const Graph& graph);

}  // namespace bfedge::graph
