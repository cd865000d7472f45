// bfedge inspect MODEL --graph: the model's graph, one row per node (a torchinfo-style table):
// op, output shape, MACs, weight bytes read, activation bytes written, the kernel this CPU
// runs; then totals and the memory plan (activation arena by liveness, state).
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "bfedge/exec/prepared_graph.hpp"
#include "bfedge/graph/summary.hpp"
#include "bfedge/models/llama_checkpoint.hpp"
#include "bfedge/kernels/host_isa.hpp"
#include "bfedge/models/llama_graph.hpp"
#include "cli_common.hpp"
#include "inspect_graph.hpp"

namespace bfedge::cli {

namespace {

int print_graph(const std::string& model, const exec::PreparedGraph& prepared, int position, bool json) {
  const graph::Graph& g = prepared.graph();
  const graph::GraphSummary s = graph::summarize(g, position);
  nlohmann::ordered_json j;
  j["model"] = model;
  j["position"] = position;
  j["nodes"] = nlohmann::ordered_json::array();
  for (graph::NodeId id = 0; id < static_cast<graph::NodeId>(g.nodes.size()); ++id) {
    const graph::Node& n = g.node(id);
    const graph::NodeCost& c = s.nodes[static_cast<std::size_t>(id)];
    j["nodes"].push_back({{"name", n.name},
                          {"op", graph::node_op_text(n)},
                          {"output_shape", graph::shape_text(g.tensor(n.outputs.front()).shape)},
                          {"macs", c.macs},
                          {"weight_bytes", c.weight_bytes},
                          {"activation_bytes", c.activation_bytes},
                          {"kernel", prepared.variant_name(id)}});
  }
  j["totals"] = {{"nodes", g.nodes.size()},
                 {"macs", s.macs},
                 {"weight_bytes", s.weight_bytes},
                 {"activation_bytes", s.activation_bytes},
                 {"arena_bytes", s.plan.arena_bytes},
                 {"activation_bytes_without_reuse", s.plan.activation_bytes},
                 {"state_bytes", s.plan.state_bytes},
                 {"barriers", prepared.barrier_count()}};
  if (json) {
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  std::printf("%s: one decoder step at position %d (attention over %d positions)\n\n", model.c_str(), position,
              position + 1);
  std::printf("%-4s %-22s %-17s %-12s %12s %12s %10s  %s\n", "#", "node", "op", "output", "MACs", "weight B",
              "act. B", "kernel");
  for (std::size_t i = 0; i < j["nodes"].size(); ++i) {
    const auto& n = j["nodes"][i];
    std::printf("%-4zu %-22s %-17s %-12s %12s %12s %10s  %s\n", i, n["name"].get<std::string>().c_str(),
                n["op"].get<std::string>().c_str(), n["output_shape"].get<std::string>().c_str(),
                with_commas(n["macs"].get<std::int64_t>()).c_str(),
                with_commas(n["weight_bytes"].get<std::int64_t>()).c_str(),
                with_commas(n["activation_bytes"].get<std::int64_t>()).c_str(), n["kernel"].get<std::string>().c_str());
  }
  std::printf("\n%-44s %s\n", "total MACs", with_commas(s.macs).c_str());
  std::printf("%-44s %s\n", "weight bytes (each tensor once)", with_commas(s.weight_bytes).c_str());
  std::printf("%-44s %s\n", "activation bytes written", with_commas(s.activation_bytes).c_str());
  std::printf("%-44s %s (%s without reuse)\n", "activation arena (planned by liveness)",
              with_commas(s.plan.arena_bytes).c_str(), with_commas(s.plan.activation_bytes).c_str());
  std::printf("%-44s %s\n", "state bytes (KV cache)", with_commas(s.plan.state_bytes).c_str());
  std::printf("%-44s %zu nodes, %d barriers\n", "schedule", g.nodes.size(), prepared.barrier_count());
  return 0;
}

}  // namespace

int inspect_graph(const std::string& model, std::optional<int> position, bool json) {
  Result<kernels::Isa> cap = kernels::host_isa_cap();
  if (!cap.is_ok()) return report_error(cap.status());
  Result<models::LlamaCheckpoint<bf16>> checkpoint = models::load_llama<bf16>(model);
  if (!checkpoint.is_ok()) return report_error(checkpoint.status());
  const models::LlamaConfig& c = checkpoint.value().config;
  const int at = position.value_or(c.seq_len - 1);
  if (at < 0 || at >= c.seq_len) {
    return report_error("--position " + std::to_string(at) + " is outside 0.." + std::to_string(c.seq_len - 1), kExitUsageError);
  }
  Result<models::LlamaGraph> built = models::build_llama_graph(c, std::move(checkpoint.value().weights));
  if (!built.is_ok()) return report_error(model + ": " + built.status().message());
  Result<exec::PreparedGraph> prepared = exec::PreparedGraph::prepare(std::move(built.value().graph), kernels::host_spec(cap.value()), 1);
  if (!prepared.is_ok()) return report_error(model + ": " + prepared.status().message());
  return print_graph(model, prepared.value(), at, json);
}

}  // namespace bfedge::cli
