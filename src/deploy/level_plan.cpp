// The deploy compiler's memory planner (deploy/level_plan.hpp).
#include "bfedge/deploy/level_plan.hpp"

#include <algorithm>

#include "bfedge/core/byte_size.hpp"
#include "bfedge/core/round_up.hpp"

namespace bfedge::deploy {
namespace {

std::int64_t aligned(std::int64_t bytes) { return round_up(bytes, graph::kPlanAlignment); }

// "L2 needs 1.91 MiB > 1.50 MiB; largest: kv_cache 640 KiB"
Status does_not_fit(const LevelUse& use) {
  const LevelItem* largest = nullptr;
  for (const LevelItem& item : use.items) {
    if (largest == nullptr || item.bytes > largest->bytes) largest = &item;
  }
  std::string need = binary_size_text(use.used()), have = binary_size_text(use.capacity);
  if (need == have) need = std::to_string(use.used()) + " B", have = std::to_string(use.capacity) + " B";
  return Status(ErrorCode::capacity, std::string(memory_level_name(use.level)) + " needs " + need + " > " + have +
                                         (largest ? "; largest: " + largest->name + " " + binary_size_text(largest->bytes) : ""));
}

// The node where the most arena bytes are live, and the storage roots live there.
void find_peak(const graph::Graph& g, LevelPlan& plan) {
  const auto n = static_cast<graph::NodeId>(g.nodes.size());
  std::vector<std::int64_t> live(static_cast<std::size_t>(std::max(n, 1)), 0);
  std::vector<graph::TensorId> roots;
  for (graph::TensorId id = 0; id < static_cast<graph::TensorId>(g.tensors.size()); ++id) {
    const graph::TensorPlacement& p = plan.arena.tensors[static_cast<std::size_t>(id)];
    if (p.region != graph::MemoryRegion::arena || g.storage_of(id) != id) continue;
    roots.push_back(id);
    for (graph::NodeId i = p.first; i <= p.last && i < n; ++i) live[static_cast<std::size_t>(i)] += aligned(g.tensor(id).bytes());
  }
  plan.peak_node = static_cast<graph::NodeId>(std::max_element(live.begin(), live.end()) - live.begin());
  plan.peak_live_bytes = live[static_cast<std::size_t>(plan.peak_node)];
  for (graph::TensorId id : roots) {
    const graph::TensorPlacement& p = plan.arena.tensors[static_cast<std::size_t>(id)];
    if (p.first <= plan.peak_node && plan.peak_node <= p.last) plan.at_peak.push_back({g.tensor(id).name, g.tensor(id).bytes()});
  }
  std::stable_sort(plan.at_peak.begin(), plan.at_peak.end(),
                   [](const NamedBytes& a, const NamedBytes& b) { return a.bytes > b.bytes; });
}

}  // namespace

std::int64_t LevelUse::used() const {
  std::int64_t bytes = 0;
  for (const LevelItem& item : items) bytes += item.bytes;
  return bytes;
}

std::string weight_component(const std::string& name) {
  const std::size_t dot = name.find('.');
  if (name.rfind("stages.", 0) == 0) return name.substr(0, name.find('.', 7));
  return name.substr(0, dot);
}

Result<LevelPlan> plan_levels(const graph::Graph& g, const McuTarget& target, std::int64_t l1_tile_bytes,
                              std::int64_t placed_weight_bytes) {
  LevelPlan plan;
  plan.arena = graph::plan_memory(g);
  plan.state_bytes = plan.arena.state_bytes;
  plan.l1_tile_bytes = l1_tile_bytes;
  for (const graph::Tensor& t : g.tensors) {
    if (t.role != graph::TensorRole::weight) continue;
    plan.weight_bytes += t.bytes();
    const std::string component = weight_component(t.name);
    auto it = std::find_if(plan.weight_components.begin(), plan.weight_components.end(),
                           [&component](const NamedBytes& c) { return c.name == component; });
    if (it == plan.weight_components.end()) it = plan.weight_components.insert(plan.weight_components.end(), {component, 0});
    it->bytes += t.bytes();
  }
  find_peak(g, plan);

  plan.l1 = {MemoryLevel::l1, target.l1.bytes, {{"firmware", target.l1.reserved_bytes}}};
  if (l1_tile_bytes > 0) plan.l1.items.push_back({"tiles", l1_tile_bytes});
  plan.l2 = {MemoryLevel::l2, target.l2.bytes, {{"firmware", target.l2.reserved_bytes}}};
  plan.l3 = {MemoryLevel::l3, target.l3.bytes, {}};
  // The activations beside the tiles in L1 when they fit there (a decoder's few rows), else in L2.
  if (plan.arena.arena_bytes > 0 && plan.l1.used() + plan.arena.arena_bytes <= plan.l1.capacity) {
    plan.activations_level = MemoryLevel::l1;
    plan.l1.items.push_back({"activations", plan.arena.arena_bytes});
  } else if (plan.arena.arena_bytes > 0) {
    plan.l2.items.push_back({"activations", plan.arena.arena_bytes});
  }
  if (plan.state_bytes > 0) plan.l2.items.push_back({"kv_cache", plan.state_bytes});
  // Weights in L2 when everything fits there; otherwise streamed from L3.
  plan.placed_weight_bytes = placed_weight_bytes > 0 ? placed_weight_bytes : plan.weight_bytes;
  const std::int64_t weights = aligned(plan.placed_weight_bytes);
  if (plan.l2.used() + weights <= plan.l2.capacity) {
    plan.weights_level = MemoryLevel::l2;
    if (weights > 0) plan.l2.items.push_back({"weights", weights});
  } else {
    plan.weights_level = MemoryLevel::l3;
    if (weights > 0) plan.l3.items.push_back({"weights", weights});
  }
  for (const LevelUse* use : {&plan.l1, &plan.l2, &plan.l3}) {
    if (use->used() > use->capacity) return does_not_fit(*use);
  }
  return plan;
}

}  // namespace bfedge::deploy
