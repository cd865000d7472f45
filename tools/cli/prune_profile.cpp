// The time profile of prune_profile.hpp.
#include "prune_profile.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "prune_trainer.hpp"

namespace bfedge::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

ordered_json stage_profile(const std::vector<prune::CandidateOutcome>& candidates, const std::string& out_dir,
                           const char* folder) {
  int trained = 0;
  double slicing = 0, startup = 0, training = 0, evaluation = 0, seconds = 0;
  for (const prune::CandidateOutcome& c : candidates) {
    if (!c.trained || c.failed || c.seconds <= 0) continue;  // the teacher itself, skipped, failed
    ++trained;
    const Result<TrainLogState> log = read_train_log((fs::path(out_dir) / "candidates" / std::to_string(c.id) / folder).string());
    const TrainLogState child = log.is_ok() ? log.value() : TrainLogState{};
    const double in_loop = std::min(child.elapsed_seconds, c.seconds - c.slice_seconds);
    slicing += c.slice_seconds;
    evaluation += std::min(child.eval_seconds, in_loop);
    training += in_loop - std::min(child.eval_seconds, in_loop);
    startup += c.seconds - c.slice_seconds - in_loop;
    seconds += c.seconds;
  }
  return {{"candidates", trained},           {"slicing_seconds", slicing},       {"startup_seconds", startup},
          {"training_seconds", training},    {"evaluation_seconds", evaluation}, {"seconds", seconds}};
}

void print_line(const char* what, double seconds, double total) {
  std::printf("%-36s %10.0f s %6.1f %%\n", what, seconds, total > 0 ? 100.0 * seconds / total : 0.0);
}

}  // namespace

ordered_json time_profile(const prune::PruneOutcome& out, const std::string& out_dir) {
  ordered_json p = {{"teacher_evaluation_seconds", out.teacher_seconds},
                    {"proxy", stage_profile(out.proxy, out_dir, "proxy")},
                    {"final", stage_profile(out.finals, out_dir, "final")}};
  p["seconds"] = out.teacher_seconds + p["proxy"]["seconds"].get<double>() + p["final"]["seconds"].get<double>();
  return p;
}

void print_time_profile(const ordered_json& p) {
  const double total = p["seconds"].get<double>();
  std::printf("\nwhere the time went (seconds as the training slots spent them)\n");
  print_line("teacher evaluation", p["teacher_evaluation_seconds"].get<double>(), total);
  for (const char* stage : {"proxy", "final"}) {
    const ordered_json& s = p[stage];
    const std::string head = std::string(stage) + " (" + std::to_string(s["candidates"].get<int>()) + " trained): ";
    if (std::string(stage) == "proxy") print_line((head + "slicing").c_str(), s["slicing_seconds"].get<double>(), total);
    print_line((head + "start-up").c_str(), s["startup_seconds"].get<double>(), total);
    print_line((head + "training").c_str(), s["training_seconds"].get<double>(), total);
    print_line((head + "evaluation").c_str(), s["evaluation_seconds"].get<double>(), total);
  }
  print_line("total", total, total);
}

}  // namespace bfedge::cli
