// The deployed BF16 TinyViT classifier: the graph of one forward of `batch` images
// (tinyvit_graph.hpp) prepared by the executor — kernel variants chosen once under an ISA cap,
// conv and linear weights packed once, activations in one arena planned by liveness — and run
// with one fork per forward. The batch size is fixed at create(); forward allocates nothing.
//
// Its semantics are tinyvit_forward_f32's with BF16 weights and activations and FP32
// accumulation; tests/models/tinyvit_bf16_test.cpp holds each hidden state to NMSE <= 1e-4.
#pragma once

#include <span>
#include <string>

#include "bfedge/core/bf16.hpp"
#include "bfedge/core/status.hpp"
#include "bfedge/exec/prepared_graph.hpp"
#include "bfedge/kernels/isa.hpp"
#include "bfedge/models/tinyvit.hpp"
#include "bfedge/models/tinyvit_graph.hpp"
#include "bfedge/runtime/cluster.hpp"

namespace bfedge::models {

class TinyVitBf16 {
 public:
  // `weights` are converted to BF16 inside (they may go away afterwards); `cores`: the most cores
  // a forward's cluster will have. With keep_hidden_states the stem's, every PatchMerging's and
  // every block's output stay readable after forward.
  static Result<TinyVitBf16> create(const TinyVitConfig& config, const TinyVitWeights& weights, int batch,
                                    kernels::Isa cap, int cores, bool keep_hidden_states = false);

  const TinyVitConfig& config() const { return config_; }
  int batch() const { return graph_.batch; }
  const exec::PreparedGraph& prepared() const { return prepared_; }

  // One forward of `images`: batch · image_height · image_width · in_chans normalized floats,
  // NHWC, split into the graph's input as two BF16 halves per value (tinyvit_graph.hpp), so the
  // stem sees the FP32 image. Allocates nothing.
  Status forward(const float* images, runtime::HostCluster& cluster);

  // After forward: (batch, num_classes) logits; with keep_hidden_states, tinyvit_forward_f32's
  // hidden_states[i] (batch, h, w, c) and its name ("stem", "stages.1.downsample", ...).
  std::span<const float> logits() const { return prepared_.output_f32(graph_.logits); }
  int hidden_state_count() const { return static_cast<int>(graph_.hidden_states.size()); }
  std::span<const bf16> hidden_state(int i) const;
  const std::string& hidden_state_name(int i) const { return graph_.hidden_names[static_cast<std::size_t>(i)]; }

 private:
  TinyVitBf16(const TinyVitConfig& config, exec::PreparedGraph prepared, TinyVitGraph graph)
      : config_(config), prepared_(std::move(prepared)), graph_(std::move(graph)) {}

  TinyVitConfig config_;
  exec::PreparedGraph prepared_;
  TinyVitGraph graph_;  // its ids and names (the graph itself moved into prepared_)
};

}  // namespace bfedge::models
