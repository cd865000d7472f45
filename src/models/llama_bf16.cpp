#include "bfedge/models/llama_bf16.hpp"

#include <cassert>

#include "bfedge/kernels/host_isa.hpp"
#include "bfedge/models/llama_graph.hpp"

namespace bfedge::models {

Result<LlamaBf16> LlamaBf16::create(const LlamaConfig& config, LlamaWeights<bf16> weights,
                                    kernels::Isa cap, int cores) {
  Result<LlamaGraph> built = build_llama_graph(config, std::move(weights));
  if (!built.is_ok()) return built.status();
  LlamaGraph& g = built.value();
  Result<exec::PreparedGraph> prepared = exec::PreparedGraph::prepare(std::move(g.graph), kernels::host_spec(cap), cores);
  if (!prepared.is_ok()) return prepared.status();
  return LlamaBf16(config, std::move(prepared).value(), g.token, g.logits);
}

std::span<float> LlamaBf16::forward(int token, int pos, runtime::HostCluster& cluster) {
  prepared_.input_i32(token_)[0] = token;
  [[maybe_unused]] const Status run = prepared_.run(pos, cluster);
  assert(run.is_ok());  // pos and the cluster's size are the caller's contract, as in Llama<T>::forward
  return prepared_.output_f32(logits_);
}

}  // namespace bfedge::models
