#include "bfedge/graph/summary.hpp"

#include <type_traits>

namespace bfedge::graph {

NodeCost node_cost(const Graph& g, NodeId id, int position) {
  const Node& node = g.node(id);
  NodeCost cost;
  for (TensorId t : node.inputs) {
    if (g.tensor(t).role == TensorRole::weight) cost.weight_bytes += g.tensor(t).bytes();
  }
  for (TensorId t : node.outputs) {
    if (g.tensor(t).role != TensorRole::state) cost.activation_bytes += g.tensor(t).bytes();
  }
  std::visit(
      [&](const auto& p) {
        using P = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<P, kernels::MatvecParams>) {
          cost.macs = std::int64_t{p.rows} * p.cols;
        } else if constexpr (std::is_same_v<P, kernels::MatmulParams>) {
          cost.macs = std::int64_t{p.m} * p.n * p.k;
        } else if constexpr (std::is_same_v<P, kernels::AttentionDecodeParams>) {
          cost.macs = 2 * std::int64_t{p.n_heads} * p.head_size * (position + 1);
        } else if constexpr (std::is_same_v<P, kernels::MhsaParams>) {
          const std::int64_t l = p.seq, e = p.embed;
          cost.macs = 4 * l * e * e + 2 * l * l * e;  // QKV and out projections, q·kᵀ and p·v
        } else if constexpr (std::is_same_v<P, kernels::AttentionEncoderParams>) {
          const std::int64_t l = p.seq;
          cost.macs = 2 * std::int64_t{p.batch} * p.heads * p.head_size * l * l;  // q·kᵀ and p·v
        } else if constexpr (std::is_same_v<P, kernels::Conv2dParams>) {
          cost.macs = std::int64_t{p.batch} * p.out_h() * p.out_w() * p.out_channels * p.patch();
        } else if constexpr (std::is_same_v<P, kernels::DepthwiseConv2dParams>) {
          cost.macs = std::int64_t{p.batch} * p.out_h() * p.out_w() * p.channels * p.kernel * p.kernel;
        } else if constexpr (std::is_same_v<P, kernels::WindowAttentionParams>) {
          const std::int64_t t = p.tokens();
          cost.macs = 2 * std::int64_t{p.windows} * p.heads * p.head_size * t * t;  // q·kᵀ and p·v per window
        } else if constexpr (std::is_same_v<P, kernels::RopeParams>) {
          cost.weight_bytes = 2 * std::int64_t{p.head_size / 2} * element_bytes(ElementType::f32);  // one row each
        } else if constexpr (std::is_same_v<P, KvWriteParams>) {
          cost.activation_bytes = 2 * std::int64_t{p.n_kv_heads} * p.head_size * element_bytes(ElementType::bf16);
        }
      },
      node.params);
  return cost;
}

GraphSummary summarize(const Graph& g, int position) {
  GraphSummary s;
  s.position = position;
  for (NodeId id = 0; id < static_cast<NodeId>(g.nodes.size()); ++id) {
    s.nodes.push_back(node_cost(g, id, position));
    s.macs += s.nodes.back().macs;
    s.activation_bytes += s.nodes.back().activation_bytes;
  }
  for (const Tensor& t : g.tensors) {
    if (t.role == TensorRole::weight) s.weight_bytes += t.bytes();
  }
  s.plan = plan_memory(g);
  return s;
}

}  // namespace bfedge::graph
