// GraphFootprintModel: the BF16 graph of one inference, built with placeholder weights, read for
// its weight bytes by component, its memory plan's arena and its MACs (deploy/footprint.hpp).
#include "bfedge/deploy/footprint.hpp"

#include <algorithm>
#include <cctype>
#include <functional>

#include "bfedge/graph/summary.hpp"
#include "bfedge/models/mobilebert_graph.hpp"
#include "bfedge/models/tinyvit_graph.hpp"

namespace bfedge::deploy {
namespace {

using ComponentOf = std::function<std::string(const std::string&)>;

// bfedge's MobileBERT graph names layers "layer<N>.…" and the embeddings' tensors by their own
// names; the report uses HF's modules.
std::string mobilebert_component(const std::string& name) {
  if (name.rfind("layer", 0) == 0 && name.size() > 5 && std::isdigit(static_cast<unsigned char>(name[5]))) {
    return "encoder.layer." + name.substr(5, name.find('.') - 5);
  }
  if (name.rfind("pooler", 0) == 0) return "pooler";
  if (name.rfind("classifier", 0) == 0) return "classifier";
  return "embeddings";
}

// timm's names: "stages.<N>.…" by stage, everything else by its first part ("stem", "head").
std::string tinyvit_component(const std::string& name) {
  if (name.rfind("stages.", 0) == 0) return name.substr(0, name.find('.', 7));
  if (name.rfind("stem", 0) == 0) return "patch_embed";
  return name.substr(0, name.find('.'));
}

Footprint read_graph(const graph::Graph& g, const McuMemory& memory, const ComponentOf& component_of) {
  const graph::GraphSummary summary = graph::summarize(g, 0);
  Footprint f;
  f.weight_bytes = summary.weight_bytes;
  f.activation_peak_bytes = summary.plan.arena_bytes;
  f.macs = summary.macs;
  for (const graph::Tensor& t : g.tensors) {
    if (t.role != graph::TensorRole::weight) continue;
    const std::string name = component_of(t.name);
    auto it = std::find_if(f.components.begin(), f.components.end(),
                           [&name](const ComponentBytes& c) { return c.name == name; });
    if (it == f.components.end()) it = f.components.insert(f.components.end(), ComponentBytes{name, 0});
    it->weight_bytes += t.bytes();
  }
  if (f.total_bytes() <= memory.l2_bytes) {
    f.weights_level = f.activations_level = MemoryLevel::l2;
  } else if (f.activation_peak_bytes <= memory.l2_bytes) {
    f.weights_level = MemoryLevel::l3, f.activations_level = MemoryLevel::l2;
  } else {
    f.weights_level = f.activations_level = MemoryLevel::l3;
  }
  return f;
}

}  // namespace

const char* memory_level_name(MemoryLevel level) {
  switch (level) {
    case MemoryLevel::l1: return "L1";
    case MemoryLevel::l2: return "L2";
    case MemoryLevel::l3: return "L3";
  }
  return "?";
}

std::int64_t Footprint::bytes_in(MemoryLevel level) const {
  return (weights_level == level ? weight_bytes : 0) + (activations_level == level ? activation_peak_bytes : 0);
}

Result<Footprint> GraphFootprintModel::mobilebert(const models::MobileBertConfig& config, int seq_len) const {
  if (Status s = models::validate_mobilebert_config(config, "footprint"); !s.is_ok()) return s;
  Result<models::MobileBertGraph> built = models::build_mobilebert_graph(
      config, models::mobilebert_weights_to_bf16(models::mobilebert_random_weights(config, 0)), 1, seq_len);
  if (!built.is_ok()) return built.status();
  return read_graph(built.value().graph, memory_, mobilebert_component);
}

Result<Footprint> GraphFootprintModel::tinyvit(const models::TinyVitConfig& config) const {
  if (Status s = models::validate_tinyvit_config(config, "footprint"); !s.is_ok()) return s;
  Result<models::TinyVitGraph> built = models::build_tinyvit_graph(config, models::tinyvit_random_weights(config, 0), 1);
  if (!built.is_ok()) return built.status();
  return read_graph(built.value().graph, memory_, tinyvit_component);
}

}  // namespace bfedge::deploy
