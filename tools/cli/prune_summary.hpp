// The end of a pruning search for the CLI: the chosen candidate's checkpoint exported to
// OUT/best, OUT/summary.json (dense vs chosen footprint per component and memory level, accuracy
// at both stages, the best model under the budget), and its table on stdout (`bfedge prune
// report DIR` prints it again).
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "bfedge/core/status.hpp"
#include "bfedge/prune/prune_model.hpp"
#include "bfedge/prune/prune_run.hpp"

namespace bfedge::cli {

std::string percent_text(double accuracy);  // "84.20 %"

Result<nlohmann::ordered_json> write_prune_results(const prune::PruneModel& model, const prune::PruneOutcome& outcome,
                                                   const prune::PruneRunOptions& options, const std::string& out_dir);
Result<nlohmann::ordered_json> read_prune_summary(const std::string& out_dir);
void print_prune_summary(const nlohmann::ordered_json& summary);

}  // namespace bfedge::cli
