// The pruning search end to end (docs/adr/0009), model- and process-free: a PruneModel gives the
// space, footprints and student folders; a CandidateTrainer trains them (bfedge train in a child
// process for the CLI, a stand-in in tests). Results live in OUT/search.sqlite, so a killed run
// resumes: finished candidates are replayed (the strategies are deterministic per seed), the one
// that was running trains again, from its own checkpoint when the trainer keeps one.
//   dense    the teacher's accuracy on the proxy's and the final stage's evaluation data
//   proxy    every candidate the strategy proposes: student sliced into OUT/candidates/<id>/student,
//            short distillation into …/proxy. random and evolve skip training a candidate over
//            the budget (it cannot be chosen); greedy trains every step it considers
//   final    the candidates on the proxy front that are feasible (within the budget and
//            proxy_max_drop of the teacher's proxy accuracy), smallest first, fine-tuned longer from
//            their proxy weights into …/final, one at a time until one is within the budget and
//            max_drop of the teacher's final accuracy (the chosen model) or `final_candidates`
//            have been tried
// The report (front.csv/json/svg) lists every candidate.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/deploy/footprint.hpp"
#include "bfedge/prune/prune_model.hpp"
#include "bfedge/prune/report.hpp"
#include "bfedge/prune/search.hpp"

namespace bfedge::prune {

enum class TrainStage { proxy, final_tune };
const char* train_stage_name(TrainStage stage);  // "proxy", "final"

// Runs the trainings. run_prune calls it from up to slots() threads at once, each call with its
// thread's slot in [0, slots()): a local trainer has one slot, an MPI trainer one per worker rank.
class CandidateTrainer {
 public:
  virtual ~CandidateTrainer() = default;
  virtual int slots() const { return 1; }
  // The teacher's accuracy (percent) on `stage`'s evaluation data.
  virtual Result<double> teacher_accuracy(int slot, TrainStage stage) = 0;
  // Trains the student starting from `init_dir` into `out_dir` for `stage`, resuming what an
  // interrupted run left there; its accuracy (percent) on the stage's evaluation data. An
  // ErrorCode::interrupted error stops the search (the candidate runs again on resume).
  virtual Result<double> train(int slot, TrainStage stage, const std::string& init_dir, const std::string& out_dir) = 0;
  // True once `slot` can train nothing more (its MPI worker rank died): the search stops giving it
  // candidates; the one it held failed (an attempt) and runs again on another slot.
  virtual bool lost(int /*slot*/) const { return false; }
};

struct PruneRunOptions {
  std::string out_dir;
  Constraints constraints;  // the final choice's: budget, and max_drop against the teacher's final accuracy
  // The drop the proxy stage tolerates against the teacher's proxy accuracy (its short training
  // recovers less than the final fine-tune): greedy's acceptable steps and the final stage's
  // candidates. < 0: constraints.max_drop.
  double proxy_max_drop = -1;
  StrategyOptions strategy;
  int final_candidates = 3;
  int max_attempts = 2;        // a candidate whose training fails this often is recorded as failed
  std::string settings_json;   // what else decides the results (teacher, data, training): fingerprinted
  std::string worker = "local";
};

struct CandidateOutcome {
  std::int64_t id = 0;
  TrainStage stage = TrainStage::proxy;
  Point point;
  std::string spec_json;
  std::int64_t total_bytes = 0, weight_bytes = 0, activation_bytes = 0, macs = 0;
  double accuracy = 0;
  double seconds = 0;        // slicing and training, as the search waited for them
  double slice_seconds = 0;  // of which writing the sliced student
  bool trained = false;  // false: over the budget, not trained (random, evolve)
  bool failed = false;
  std::string error;
};

struct PruneProgress {
  std::function<void(const std::string& line)> note;  // a line worth showing and logging
  // After each candidate of a stage: its outcome, candidates done in the stage and how many the
  // stage will run at most (greedy: the steps it might still walk; random and evolve: exactly),
  // and the smallest feasible one so far.
  std::function<void(const CandidateOutcome& done, int count, int total, const CandidateOutcome* best)> candidate;
};

struct PruneOutcome {
  deploy::Footprint dense;
  double dense_proxy_accuracy = 0, dense_final_accuracy = 0;
  double teacher_seconds = 0;  // evaluating the teacher on both stages' data
  std::vector<CandidateOutcome> proxy, finals;
  std::optional<CandidateOutcome> chosen;          // the first (smallest) final within the budget and max_drop
  std::optional<CandidateOutcome> best_in_budget;  // most accurate final within the budget
  std::vector<ReportRow> report;                   // every proxy candidate, final accuracy where fine-tuned
};

// Ok when the space's smallest candidate fits `budget_bytes` (0: no budget); otherwise the error
// check_budget_reachable gives (the smallest footprint reached). run_prune checks it first; a
// caller that writes before calling run_prune checks it earlier.
Status check_budget(const PruneModel& model, std::int64_t budget_bytes);

// Runs (or resumes) the search in options.out_dir and writes its report there. Errors: the
// budget below the space's smallest candidate (before any training), a database made for other
// settings or not a database, the teacher's evaluation failing, an interruption.
Result<PruneOutcome> run_prune(const PruneModel& model, CandidateTrainer& trainer, const PruneRunOptions& options,
                               const PruneProgress& progress = {});

}  // namespace bfedge::prune
