#include "bfedge/exec/prepared_graph.hpp"

#include <algorithm>
#include <new>
#include <type_traits>

#include "prepared_step.hpp"
#include "bfedge/graph/validate.hpp"
#include "bfedge/kernels/variants.hpp"

namespace bfedge::exec {

namespace k = kernels;
using graph::ElementType;
using graph::MemoryRegion;
using graph::Op;
using graph::TensorId;

PreparedGraph::PreparedGraph(PreparedGraph&&) noexcept = default;
PreparedGraph& PreparedGraph::operator=(PreparedGraph&&) noexcept = default;
PreparedGraph::~PreparedGraph() = default;

void* PreparedGraph::address(TensorId id) const {
  const graph::TensorPlacement& at = plan_.tensors[static_cast<std::size_t>(id)];
  switch (at.region) {
    case MemoryRegion::arena: return const_cast<std::byte*>(arena_.data()) + at.offset;
    case MemoryRegion::state: return const_cast<std::byte*>(state_.data()) + at.offset;
    case MemoryRegion::none: break;
  }
  return const_cast<void*>(graph_.tensor(id).data);
}

const char* PreparedGraph::variant_name(graph::NodeId node) const {
  return steps_[static_cast<std::size_t>(node)].variant_name;
}

int PreparedGraph::barrier_count() const {
  return static_cast<int>(std::count_if(steps_.begin(), steps_.end(),
                                        [](const PreparedStep& s) { return s.barrier_before; }));
}

std::span<std::int32_t> PreparedGraph::input_i32(TensorId id) {
  return {static_cast<std::int32_t*>(address(id)), static_cast<std::size_t>(graph_.tensor(id).shape.element_count())};
}

std::span<bf16> PreparedGraph::input_bf16(TensorId id) {
  return {static_cast<bf16*>(address(id)), static_cast<std::size_t>(graph_.tensor(id).shape.element_count())};
}

std::span<const bf16> PreparedGraph::output_bf16(TensorId id) const {
  return {static_cast<const bf16*>(address(id)), static_cast<std::size_t>(graph_.tensor(id).shape.element_count())};
}

std::span<float> PreparedGraph::output_f32(TensorId id) {
  return {static_cast<float*>(address(id)), static_cast<std::size_t>(graph_.tensor(id).shape.element_count())};
}

std::span<const float> PreparedGraph::output_f32(TensorId id) const {
  return {static_cast<const float*>(address(id)), static_cast<std::size_t>(graph_.tensor(id).shape.element_count())};
}

void PreparedGraph::reset_state() {
  if (state_.size() > 0) std::fill_n(state_.data(), state_.size(), std::byte{0});
}

std::vector<BoundNode> PreparedGraph::bound_nodes() const {
  std::vector<BoundNode> nodes;
  for (const PreparedStep& s : steps_) {
    nodes.push_back({s.node, s.variant_name, &s.params, s.op == Op::kv_write ? &s.kv : nullptr, s.rope_cos, s.rope_sin,
                     s.barrier_before});
  }
  return nodes;
}

std::vector<BufferRegion> PreparedGraph::buffer_regions() const {
  std::vector<BufferRegion> regions = {{"arena", arena_.data(), arena_.size(), false},
                                       {"state", state_.data(), state_.size(), false},
                                       {"scratch", scratch_.data(), scratch_.size(), false},
                                       {"workspace", workspace_.data(), workspace_.size(), false}};
  for (std::size_t i = 0; i < packed_.size(); ++i) {
    regions.push_back({"packed." + std::to_string(i), packed_[i].data(), packed_[i].size(), true});
  }
  return regions;
}

Result<PreparedGraph> PreparedGraph::prepare(graph::Graph graph, const k::TargetSpec& spec, int cores) {
  BFEDGE_RETURN_IF_ERROR(graph::validate(graph));
  if (cores < 1) return invalid_argument("prepare: cores must be at least 1");
  PreparedGraph p;
  try {
    p.graph_ = std::move(graph);
    p.cores_ = cores;
    p.plan_ = graph::plan_memory(p.graph_);
    p.arena_.resize(static_cast<std::size_t>(p.plan_.arena_bytes) + 64);
    p.state_.resize(static_cast<std::size_t>(p.plan_.state_bytes) + 64);
    std::size_t scratch_per_core = 0, workspace = 0;
    for (graph::NodeId id = 0; id < static_cast<graph::NodeId>(p.graph_.nodes.size()); ++id) {
      auto step = bind_step(p.graph_, id, spec, [&p](TensorId t) { return p.address(t); }, p.packed_);
      if (!step.is_ok()) return step.status();
      scratch_per_core = std::max(scratch_per_core, step.value().scratch_per_core);
      workspace = std::max(workspace, step.value().workspace_bytes);
      p.steps_.push_back(std::move(step).value());
    }
    p.scratch_.resize(k::aligned_scratch_bytes(scratch_per_core) * static_cast<std::size_t>(cores) + 64);
    p.workspace_.resize(workspace + 64);
    for (PreparedStep& s : p.steps_) set_scratch(s, p.scratch_.data(), p.workspace_.data());
    place_barriers(p.graph_, p.plan_, p.steps_);
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::capacity, "prepare: not enough memory for the graph's buffers");
  }
  return p;
}

Status PreparedGraph::run(int position, runtime::HostCluster& cluster) {
  const int limit = std::max(graph_.max_positions, 1);
  if (position < 0 || position >= limit) {
    return invalid_argument("position " + std::to_string(position) + " is outside 0.." + std::to_string(limit - 1));
  }
  if (cluster.core_count() > cores_) {
    return invalid_argument("the cluster has " + std::to_string(cluster.core_count()) +
                            " cores, the graph was prepared for " + std::to_string(cores_));
  }
  for (PreparedStep& s : steps_) set_position(s, position);
  cluster.fork([this](const runtime::Team& team) { run_on_core(team); });
  return Status::ok();
}

void PreparedGraph::run_on_core(const runtime::Team& team) const {
  for (const PreparedStep& s : steps_) {
    if (s.barrier_before) team.barrier();
    s.invoke(s, team);
  }
}

}  // namespace bfedge::exec
