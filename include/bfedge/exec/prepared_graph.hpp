// Runs a graph on the host. Prepare does all the work that does not depend on the data:
//   - chooses each node's kernel variant from the variant lists for a target spec (the host's
//     CPU features under an ISA cap),
//   - packs the weights once into the layout the chosen variant reads (matvec row blocks),
//   - plans the activations into one arena by liveness (graph/memory_plan.hpp) and allocates it,
//     the state (KV caches, zeroed) and the largest per-core scratch any node needs,
//   - binds every node's params to those buffers and places barriers only where a node reads or
//     overwrites bytes an earlier node of the same barrier-free group writes or reads.
// Run allocates nothing: it sets the position-dependent params (RoPE angles, KV positions) and
// forks once over the host cluster; every core walks the nodes SPMD.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/graph/graph.hpp"
#include "bfedge/graph/memory_plan.hpp"
#include "bfedge/kernels/attention_decode.hpp"
#include "bfedge/kernels/target.hpp"
#include "bfedge/runtime/aligned_buffer.hpp"
#include "bfedge/runtime/cluster.hpp"

namespace bfedge::exec {

struct PreparedStep;  // one node, bound (prepared_graph.cpp)

// The bound program as the deploy compiler's code generator reads it (deploy/emit_project.hpp).
struct BoundNode {
  graph::NodeId node = 0;
  const char* variant_name = "";           // the kernel function this node calls
  const graph::NodeParams* params = nullptr;  // every pointer bound into buffer_regions() or a weight
  const kernels::KvWriteArgs* kv = nullptr;   // kv_write: its arguments (position 0)
  const float* rope_cos = nullptr;         // rope: the (max_positions, head_size / 2) tables
  const float* rope_sin = nullptr;
  bool barrier_before = false;
};
struct BufferRegion {
  std::string name;  // "arena", "state", "scratch", "workspace", "packed.N"
  const std::byte* data = nullptr;
  std::size_t bytes = 0;
  bool constant = false;  // packed weights
};

class PreparedGraph {
 public:
  // `spec`: what dispatch may use (on the host: kernels::host_spec(cap)); `cores`: the most cores
  // any run's cluster will have (per-core scratch is sized for them).
  static Result<PreparedGraph> prepare(graph::Graph graph, const kernels::TargetSpec& spec, int cores);

  PreparedGraph(PreparedGraph&&) noexcept;
  PreparedGraph& operator=(PreparedGraph&&) noexcept;
  ~PreparedGraph();

  const graph::Graph& graph() const { return graph_; }
  const graph::MemoryPlan& plan() const { return plan_; }
  // The variant chosen for node `node` ("matvec__avx512bf16_16row", "kv_write__portable").
  const char* variant_name(graph::NodeId node) const;
  int barrier_count() const;

  // The caller's view of an input tensor (write before run) and an output tensor (read after),
  // in the tensor's element type (checked by the caller: graph().tensor(id).type).
  std::span<std::int32_t> input_i32(graph::TensorId id);
  std::span<bf16> input_bf16(graph::TensorId id);
  std::span<const float> output_f32(graph::TensorId id) const;
  std::span<float> output_f32(graph::TensorId id);  // the caller may work in place (a sampler)
  std::span<const bf16> output_bf16(graph::TensorId id) const;

  // The program and the buffers its pointers point into (weights aside: the graph's tensors).
  std::vector<BoundNode> bound_nodes() const;
  std::vector<BufferRegion> buffer_regions() const;
  int cores() const { return cores_; }

  // One run at `position` (decoders: 0 <= position < max_positions; others: 0).
  Status run(int position, runtime::HostCluster& cluster);
  // Forgets the state (zeroes the KV caches).
  void reset_state();

 private:
  PreparedGraph() = default;
  void* address(graph::TensorId id) const;
  void run_on_core(const runtime::Team& team) const;

  graph::Graph graph_;
  graph::MemoryPlan plan_;
  std::vector<PreparedStep> steps_;
  std::vector<runtime::AlignedBuffer> packed_;  // packed weights, owned
  runtime::AlignedBuffer arena_, state_, scratch_, workspace_;
  int cores_ = 1;
};

}  // namespace bfedge::exec
