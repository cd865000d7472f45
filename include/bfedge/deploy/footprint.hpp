// What a model costs on a PULP-class MCU before the deploy compiler plans it exactly: the BF16
// weight bytes (by component), the activation peak of one inference, the MACs, and where they go
// among the memory levels (L1 scratchpad, L2, external L3). The pruning search ranks candidates by
// it; FootprintModel is the one interface, so that the deploy compiler's exact plan can replace
// the estimate without touching the search.
//
// The estimate (GraphFootprintModel) builds the candidate's BF16 graph for one inference (batch 1;
// MobileBERT at the task's sequence length, TinyViT at its configured resolution) with placeholder
// weights and reads it: weights = every weight tensor once, as stored (BF16; the norms' parameters
// and TinyViT's attention-bias tables FP32); activation peak = the memory plan's arena
// (graph/memory_plan.hpp: lifetimes shared greedily); MACs = graph/summary.hpp's count. Placement:
//   everything in L2 when weights + activations fit it;
//   otherwise weights in L3 (streamed through L1 tile by tile) and activations in L2 when they fit;
//   otherwise both in L3.
// L1 holds the tiles being computed in every case; it is counted as needed, not sized here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/models/mobilebert_config.hpp"
#include "bfedge/models/tinyvit_config.hpp"

namespace bfedge::deploy {

struct McuMemory {
  std::int64_t l1_bytes = 128 * 1024;   // the cluster's shared scratchpad (GAP9: 128 KiB)
  std::int64_t l2_bytes = 1536 * 1024;  // GAP9: 1.5 MiB
};

enum class MemoryLevel : unsigned char { l1, l2, l3 };
const char* memory_level_name(MemoryLevel level);  // "L1", "L2", "L3"

struct ComponentBytes {
  // MobileBERT: "embeddings", "encoder.layer.N", "pooler", "classifier"; TinyViT: timm's
  // top-level modules, stages one by one: "patch_embed", "stages.N", "head".
  std::string name;
  std::int64_t weight_bytes = 0;
};

struct Footprint {
  std::int64_t weight_bytes = 0;
  std::int64_t activation_peak_bytes = 0;
  std::int64_t macs = 0;                   // per inference
  std::vector<ComponentBytes> components;  // weights by component, in graph order
  MemoryLevel weights_level = MemoryLevel::l2;
  MemoryLevel activations_level = MemoryLevel::l2;

  std::int64_t total_bytes() const { return weight_bytes + activation_peak_bytes; }
  // The outermost level the model needs (L2 or L3); L1 is always used for tiles.
  MemoryLevel outermost_level() const {
    return weights_level > activations_level ? weights_level : activations_level;
  }
  std::int64_t bytes_in(MemoryLevel level) const;  // weights and activations placed at `level`
};

class FootprintModel {
 public:
  virtual ~FootprintModel() = default;
  // `config` valid; 1 <= seq_len <= max_position_embeddings.
  virtual Result<Footprint> mobilebert(const models::MobileBertConfig& config, int seq_len) const = 0;
  // `config` valid; at its image size.
  virtual Result<Footprint> tinyvit(const models::TinyVitConfig& config) const = 0;
};

class GraphFootprintModel final : public FootprintModel {
 public:
  explicit GraphFootprintModel(McuMemory memory = {}) : memory_(memory) {}
  Result<Footprint> mobilebert(const models::MobileBertConfig& config, int seq_len) const override;
  Result<Footprint> tinyvit(const models::TinyVitConfig& config) const override;

 private:
  McuMemory memory_;
};

}  // namespace bfedge::deploy
