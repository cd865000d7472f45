// bfedge inspect --graph (cmd_inspect_graph.cpp).
#pragma once

#include <nlohmann/json.hpp>

#include "bfedge/deploy/footprint.hpp"

#include <optional>
#include <string>

namespace bfedge::cli {

// Prints the model's graph at `position` (default: the last position) as a table or JSON.
int inspect_graph(const std::string& model, std::optional<int> position, bool json);

}  // namespace bfedge::cli

namespace bfedge::cli {
// bfedge inspect DIR for a TinyViT folder in timm's layout (cmd_inspect_tinyvit.cpp): its
// configuration, parameters per component (model.safetensors checked when present) and the MCU
// footprint estimate (deploy/footprint.hpp).
int inspect_tinyvit_dir(const std::string& dir, bool json);

// The MCU footprint's fields (weights, activation peak, total, MACs, levels) for --json, and as
// the text table's closing lines under `title`.
nlohmann::ordered_json footprint_json(const deploy::Footprint& f);
void print_footprint(const deploy::Footprint& f, const std::string& title);
}  // namespace bfedge::cli
