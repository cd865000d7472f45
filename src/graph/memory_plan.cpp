#include "bfedge/graph/memory_plan.hpp"

#include <algorithm>

namespace bfedge::graph {

namespace {

std::int64_t aligned(std::int64_t bytes) { return (bytes + kPlanAlignment - 1) / kPlanAlignment * kPlanAlignment; }

bool in_arena(TensorRole role) {
  return role == TensorRole::input || role == TensorRole::activation || role == TensorRole::output;
}

struct Buffer {
  TensorId root;
  std::int64_t bytes;
  NodeId first, last;
  std::int64_t offset = -1;
};

}  // namespace

MemoryPlan plan_memory(const Graph& g) {
  MemoryPlan plan;
  plan.tensors.resize(g.tensors.size());
  const NodeId end = static_cast<NodeId>(g.nodes.size()) - 1;

  // Lifetimes per storage root, extended over every in-place result.
  std::vector<Buffer> buffers;
  std::vector<int> buffer_of(g.tensors.size(), -1);
  for (TensorId id = 0; id < static_cast<TensorId>(g.tensors.size()); ++id) {
    const Tensor& t = g.tensor(id);
    const TensorId root = g.storage_of(id);
    const Tensor& r = g.tensor(root);
    if (r.role == TensorRole::state) {
      if (root == id) {
        plan.tensors[static_cast<std::size_t>(id)] = {MemoryRegion::state, plan.state_bytes, 0, end};
        plan.state_bytes += aligned(t.bytes());
      } else {
        plan.tensors[static_cast<std::size_t>(id)] = plan.tensors[static_cast<std::size_t>(root)];
      }
      continue;
    }
    if (!in_arena(r.role)) continue;
    if (root == id) {
      buffer_of[static_cast<std::size_t>(id)] = static_cast<int>(buffers.size());
      const NodeId first = t.role == TensorRole::input ? 0 : t.producer;
      buffers.push_back({id, aligned(t.bytes()), first, first});
      plan.activation_bytes += aligned(t.bytes());
    }
    Buffer& b = buffers[static_cast<std::size_t>(buffer_of[static_cast<std::size_t>(root)])];
    if (t.producer != kNone) b.last = std::max(b.last, t.producer);
    for (NodeId reader : t.consumers) b.last = std::max(b.last, reader);
    if (t.role == TensorRole::output || t.role == TensorRole::input) b.last = end;
  }

  // Greedy by size: largest first, lowest free offset among the buffers alive at the same time.
  std::vector<int> order(buffers.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return buffers[static_cast<std::size_t>(a)].bytes > buffers[static_cast<std::size_t>(b)].bytes;
  });
  std::vector<const Buffer*> placed;
  for (int index : order) {
    Buffer& b = buffers[static_cast<std::size_t>(index)];
    std::vector<const Buffer*> overlapping;
    for (const Buffer* p : placed) {
      if (p->first <= b.last && b.first <= p->last) overlapping.push_back(p);
    }
    std::sort(overlapping.begin(), overlapping.end(),
              [](const Buffer* x, const Buffer* y) { return x->offset < y->offset; });
    std::int64_t offset = 0;
    for (const Buffer* p : overlapping) {
      if (offset + b.bytes <= p->offset) break;
      offset = std::max(offset, p->offset + p->bytes);
    }
    b.offset = offset;
    plan.arena_bytes = std::max(plan.arena_bytes, offset + b.bytes);
    placed.push_back(&b);
  }

  for (TensorId id = 0; id < static_cast<TensorId>(g.tensors.size()); ++id) {
    const int index = buffer_of[static_cast<std::size_t>(g.storage_of(id))];
    if (index < 0) continue;
    const Buffer& b = buffers[static_cast<std::size_t>(index)];
    plan.tensors[static_cast<std::size_t>(id)] = {MemoryRegion::arena, b.offset + g.byte_offset_in_storage(id),
                                                  b.first, b.last};
  }
  return plan;
}

}  // namespace bfedge::graph
