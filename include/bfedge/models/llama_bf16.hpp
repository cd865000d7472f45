// The deployed BF16 LLaMA decoder: the graph of one token's step (llama_graph.hpp) prepared by
// the executor — kernel variants chosen once under an ISA cap, weights packed once, activations
// in one arena planned by liveness, the KV cache as state — and run with one fork per token.
//
// Its semantics are Llama<bf16>'s (the reference model): with every kernel at Isa::reference
// the logits are bit-identical, which tests/models checks.
#pragma once

#include <span>

#include "bfedge/core/bf16.hpp"
#include "bfedge/core/status.hpp"
#include "bfedge/exec/prepared_graph.hpp"
#include "bfedge/kernels/isa.hpp"
#include "bfedge/models/llama_config.hpp"
#include "bfedge/runtime/cluster.hpp"

namespace bfedge::models {

class LlamaBf16 {
 public:
  // `cores`: the most cores a forward's cluster will have.
  static Result<LlamaBf16> create(const LlamaConfig& config, LlamaWeights<bf16> weights,
                                  kernels::Isa cap, int cores);

  const LlamaConfig& config() const { return config_; }
  const exec::PreparedGraph& prepared() const { return prepared_; }
  // Logits after `token` at `pos`; positions must be fed in order (0 <= pos < seq_len).
  std::span<float> forward(int token, int pos, runtime::HostCluster& cluster);

 private:
  LlamaBf16(const LlamaConfig& config, exec::PreparedGraph prepared, graph::TensorId token,
            graph::TensorId logits)
      : config_(config), prepared_(std::move(prepared)), token_(token), logits_(logits) {}

  LlamaConfig config_;
  exec::PreparedGraph prepared_;
  graph::TensorId token_, logits_;
};

}  // namespace bfedge::models
