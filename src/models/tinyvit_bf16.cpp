// TinyVitBf16: build the graph, prepare it once, then per forward round the images into its input
// and run it.
#include "bfedge/models/tinyvit_bf16.hpp"

#include "bfedge/kernels/host_isa.hpp"

namespace bfedge::models {

Result<TinyVitBf16> TinyVitBf16::create(const TinyVitConfig& config, const TinyVitWeights& weights, int batch,
                                        kernels::Isa cap, int cores, bool keep_hidden_states) {
  Result<TinyVitGraph> built = build_tinyvit_graph(config, weights, batch, keep_hidden_states);
  if (!built.is_ok()) return built.status();
  TinyVitGraph& g = built.value();
  Result<exec::PreparedGraph> prepared =
      exec::PreparedGraph::prepare(std::move(g.graph), kernels::host_spec(cap), cores);
  if (!prepared.is_ok()) return prepared.status();
  g.graph = graph::Graph{};
  return TinyVitBf16(config, std::move(prepared).value(), std::move(g));
}

Status TinyVitBf16::forward(const float* images, runtime::HostCluster& cluster) {
  if (images == nullptr) return invalid_argument("tinyvit: no images");
  std::span<bf16> input = prepared_.input_bf16(graph_.images);
  const auto channels = static_cast<std::size_t>(config_.in_chans);
  split_image_halves(images, input.size() / (2 * channels), config_.in_chans, input.data());
  return prepared_.run(0, cluster);
}

std::span<const bf16> TinyVitBf16::hidden_state(int i) const {
  return prepared_.output_bf16(graph_.hidden_states[static_cast<std::size_t>(i)]);
}

}  // namespace bfedge::models
