// The BF16 LLaMA decoder as a graph: one token's step at the run-time position, reading the
// weights where LlamaWeights<bf16> keeps them (the graph owns them), with the KV cache as state
// in the layout attention_decode reads (keys transposed). Node names follow the weights:
// "layer3.wq", "layer3.attention", "classifier".
#pragma once

#include <memory>

#include "bfedge/core/bf16.hpp"
#include "bfedge/core/status.hpp"
#include "bfedge/graph/graph.hpp"
#include "bfedge/models/llama_config.hpp"

namespace bfedge::models {

struct LlamaGraph {
  graph::Graph graph;
  graph::TensorId token = graph::kNone;   // input (1) i32
  graph::TensorId logits = graph::kNone;  // output (vocab_size) f32
};

Result<LlamaGraph> build_llama_graph(const LlamaConfig& config, LlamaWeights<bf16> weights);

}  // namespace bfedge::models
