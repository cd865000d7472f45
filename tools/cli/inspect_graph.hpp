// bfedge inspect --graph (cmd_inspect_graph.cpp).
#pragma once

#include <optional>
#include <string>

namespace bfedge::cli {

// Prints the model's graph at `position` (default: the last position) as a table or JSON.
int inspect_graph(const std::string& model, std::optional<int> position, bool json);

}  // namespace bfedge::cli
