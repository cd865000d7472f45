// One graph node bound to buffers and to a kernel variant (private to exec).
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "bfedge/core/bf16.hpp"
#include "bfedge/core/status.hpp"
#include "bfedge/graph/graph.hpp"
#include "bfedge/graph/memory_plan.hpp"
#include "bfedge/kernels/attention_decode.hpp"
#include "bfedge/kernels/target.hpp"
#include "bfedge/runtime/aligned_buffer.hpp"
#include "bfedge/runtime/team.hpp"

namespace bfedge::exec {

struct PreparedStep {
  graph::NodeId node = 0;
  graph::Op op = graph::Op::add;
  const char* variant_name = "";
  const void* variant = nullptr;  // const kernels::Variant<P>* for the node's params type P
  void (*invoke)(const PreparedStep& step, const runtime::Team& team) = nullptr;
  graph::NodeParams params;  // bound: every pointer set
  std::size_t scratch_per_core = 0;
  std::size_t workspace_bytes = 0;  // shared by all cores (mhsa)
  bool barrier_before = false;
  // Position-dependent parts, set by set_position before each run.
  const float* rope_cos = nullptr;  // (max_positions, head_size / 2)
  const float* rope_sin = nullptr;
  kernels::KvWriteArgs kv;  // kv_write: its sizes, pointers and position
};

using AddressOf = std::function<void*(graph::TensorId)>;
using PackedWeights = std::vector<runtime::AlignedBuffer>;

// Chooses the node's variant for `spec`, packs its weights into `packed` when the variant
// reads a packed layout (matvec row blocks; a variant's pack_weights, e.g. GEMM B panels), and
// binds its params to the tensors' addresses.
Result<PreparedStep> bind_step(const graph::Graph& graph, graph::NodeId node, const kernels::TargetSpec& spec,
                               const AddressOf& address, PackedWeights& packed);
void set_scratch(PreparedStep& step, void* scratch, void* workspace);
void set_position(PreparedStep& step, int position);
// Sets barrier_before where a step touches bytes the steps since the last barrier wrote, or
// writes bytes they read.
void place_barriers(const graph::Graph& graph, const graph::MemoryPlan& plan,
                    std::vector<PreparedStep>& steps);

}  // namespace bfedge::exec
