// The deployed BF16 MobileBERT classifier: the graph of one forward of `batch` sequences of `seq`
// tokens (mobilebert_graph.hpp) prepared by the executor — kernel variants chosen once under an
// ISA cap, weights packed once, activations in one arena planned by liveness — and run with one
// fork per forward. Shapes are fixed at create(): a caller serving several (batch, seq) keeps
// one MobileBertBf16 per shape (prepare is the expensive part; forward allocates nothing).
//
// Its semantics are mobilebert_forward_f32's with BF16 weights and activations and FP32
// accumulation; tests/models/mobilebert_bf16_test.cpp holds each hidden state to NMSE <= 1e-4.
#pragma once

#include <span>

#include "bfedge/core/bf16.hpp"
#include "bfedge/core/status.hpp"
#include "bfedge/exec/prepared_graph.hpp"
#include "bfedge/kernels/isa.hpp"
#include "bfedge/models/mobilebert.hpp"
#include "bfedge/models/mobilebert_graph.hpp"
#include "bfedge/runtime/cluster.hpp"

namespace bfedge::models {

class MobileBertBf16 {
 public:
  // `weights` are rounded to BF16 inside; `cores`: the most cores a forward's cluster will have.
  // With keep_hidden_states the embeddings' and every layer's output stay readable after forward.
  static Result<MobileBertBf16> create(const MobileBertConfig& config, const MobileBertWeights<float>& weights,
                                       int batch, int seq, kernels::Isa cap, int cores,
                                       bool keep_hidden_states = false);

  const MobileBertConfig& config() const { return config_; }
  int batch() const { return graph_.batch; }
  int seq() const { return graph_.seq; }
  const exec::PreparedGraph& prepared() const { return prepared_; }

  // One forward: `inputs` must have this runner's batch and seq (checked, as every id's range);
  // an empty attention_mask means all ones, empty token_type_ids all zeros. Allocates nothing.
  Status forward(const MobileBertInputs& inputs, runtime::HostCluster& cluster);

  // After forward: (batch, num_labels) logits; with keep_hidden_states, HF's hidden_states[i]
  // (i = 0 the embeddings, i = l + 1 layer l's output), (batch · seq, hidden_size).
  std::span<const float> logits() const { return prepared_.output_f32(graph_.logits); }
  int hidden_state_count() const { return static_cast<int>(graph_.hidden_states.size()); }
  std::span<const bf16> hidden_state(int i) const;

 private:
  MobileBertBf16(const MobileBertConfig& config, exec::PreparedGraph prepared, MobileBertGraph graph)
      : config_(config), prepared_(std::move(prepared)), graph_(std::move(graph)) {}

  MobileBertConfig config_;
  exec::PreparedGraph prepared_;
  MobileBertGraph graph_;  // its ids (the graph itself moved into prepared_)
};

}  // namespace bfedge::models
