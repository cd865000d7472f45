#include "bfedge/models/mobilebert_bf16.hpp"

#include <algorithm>

#include "bfedge/kernels/host_isa.hpp"

namespace bfedge::models {

Result<MobileBertBf16> MobileBertBf16::create(const MobileBertConfig& config, const MobileBertWeights<float>& weights,
                                              int batch, int seq, kernels::Isa cap, int cores,
                                              bool keep_hidden_states) {
  Result<MobileBertGraph> built =
      build_mobilebert_graph(config, mobilebert_weights_to_bf16(weights), batch, seq, keep_hidden_states);
  if (!built.is_ok()) return built.status();
  MobileBertGraph& g = built.value();
  Result<exec::PreparedGraph> prepared =
      exec::PreparedGraph::prepare(std::move(g.graph), kernels::host_spec(cap), cores);
  if (!prepared.is_ok()) return prepared.status();
  g.graph = graph::Graph{};
  return MobileBertBf16(config, std::move(prepared).value(), std::move(g));
}

Status MobileBertBf16::forward(const MobileBertInputs& in, runtime::HostCluster& cluster) {
  if (in.batch != graph_.batch || in.seq != graph_.seq) {
    return invalid_argument("mobilebert: inputs are " + std::to_string(in.batch) + " x " + std::to_string(in.seq) +
                            ", this model was prepared for " + std::to_string(graph_.batch) + " x " +
                            std::to_string(graph_.seq));
  }
  BFEDGE_RETURN_IF_ERROR(check_mobilebert_inputs(config_, in));
  std::span<std::int32_t> ids = prepared_.input_i32(graph_.input_ids);
  std::span<std::int32_t> mask = prepared_.input_i32(graph_.attention_mask);
  std::span<std::int32_t> types = prepared_.input_i32(graph_.token_type_ids);
  std::copy(in.input_ids.begin(), in.input_ids.end(), ids.begin());
  if (in.attention_mask.empty()) {
    std::fill(mask.begin(), mask.end(), 1);
  } else {
    std::copy(in.attention_mask.begin(), in.attention_mask.end(), mask.begin());
  }
  if (in.token_type_ids.empty()) {
    std::fill(types.begin(), types.end(), 0);
  } else {
    std::copy(in.token_type_ids.begin(), in.token_type_ids.end(), types.begin());
  }
  return prepared_.run(0, cluster);
}

std::span<const bf16> MobileBertBf16::hidden_state(int i) const {
  return prepared_.output_bf16(graph_.hidden_states[static_cast<std::size_t>(i)]);
}

}  // namespace bfedge::models
