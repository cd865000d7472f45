// Where a pruning search's time went (docs/pruning.md, "Time profile"): the teacher's evaluations,
// then per stage the slicing of students, each child `bfedge train`'s start-up (loading libtorch,
// the teacher and the data), its training steps and its evaluations, read from the database's
// results and each candidate's train.jsonl. Seconds are as each slot waited for them: with several
// slots (MPI workers) they add up to more than the wall time.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "bfedge/prune/prune_run.hpp"

namespace bfedge::cli {

// {"teacher_evaluation_seconds", "proxy": {candidates, slicing_seconds, startup_seconds,
//  training_seconds, evaluation_seconds, seconds}, "final": {…}, "seconds"}.
nlohmann::ordered_json time_profile(const prune::PruneOutcome& out, const std::string& out_dir);

// The profile as a table of seconds and shares, after a title line.
void print_time_profile(const nlohmann::ordered_json& profile);

}  // namespace bfedge::cli
