// What a graph costs, node by node (a torchinfo-style table for `bfedge inspect --graph`):
// output shape, multiply-accumulates, the weight bytes it reads and the activation bytes it
// writes, with totals and the memory plan's arena and state sizes.
//
// MACs count the products of the matrix and attention ops (matvec: rows·cols; linear: m·n·k;
// attention_decode: 2·heads·head_size·positions for q·k and p·v; mhsa: 4·L·E² + 2·L²·E, its
// projections and both attention products, as if not causal; conv2d: batch·oh·ow·cout·k²·cin;
// depthwise_conv2d: batch·oh·ow·c·k²; window_attention: 2·windows·heads·head_size·window⁴, q·kᵀ
// and p·v of every window, padded tokens included); element-wise ops, norms, pooling and data
// movement (window partition and reverse) count 0. A decoder step is costed at one position: the attention's positions
// are position + 1.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bfedge/graph/graph.hpp"
#include "bfedge/graph/memory_plan.hpp"

namespace bfedge::graph {

struct NodeCost {
  std::int64_t macs = 0;
  std::int64_t weight_bytes = 0;      // weights the node reads (RoPE: one row of cos and sin)
  std::int64_t activation_bytes = 0;  // bytes the node writes (a KV write: this position's rows)
};

NodeCost node_cost(const Graph& graph, NodeId node, int position);

struct GraphSummary {
  int position = 0;
  std::vector<NodeCost> nodes;
  std::int64_t macs = 0;
  std::int64_t weight_bytes = 0;      // every weight tensor once (a shared one is counted once)
  std::int64_t activation_bytes = 0;  // sum of the nodes' writes
  MemoryPlan plan;
};

// `position` < graph.max_positions for decoders; ignored (0) for graphs without a KV cache.
GraphSummary summarize(const Graph& graph, int position);

}  // namespace bfedge::graph
