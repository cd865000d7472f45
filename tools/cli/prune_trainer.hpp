// The pruning search's CandidateTrainer for the CLI: every training and evaluation runs as a
// child `bfedge` (this executable) — `train tinyvit … --init-from STUDENT --teacher TEACHER` and
// `eval TEACHER … --json` — so a candidate that crashes or runs out of memory costs only itself,
// and each keeps its own train.jsonl and checkpoints (a killed search resumes them).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "bfedge/prune/prune_run.hpp"

namespace bfedge::cli {

struct StageTraining {
  int epochs = 1;
  int limit = 0;       // training images spread over the split (0: all)
  int limit_test = 0;  // evaluation images spread over the split (0: all)
  float learning_rate = 5e-4f;
};

struct TinyVitPruneTraining {
  std::string teacher_dir, dataset = "cifar10", data;
  StageTraining proxy{1, 5000, 1000, 5e-4f}, final_tune{5, 0, 0, 2.5e-4f};
  int batch = 64, threads = 1;
  std::uint64_t seed = 42;
  std::function<void(const std::string&)> note;  // the command line of each child, for the log
};

class TinyVitProcessTrainer final : public prune::CandidateTrainer {
 public:
  explicit TinyVitProcessTrainer(TinyVitPruneTraining t) : t_(std::move(t)) {}
  Result<double> teacher_accuracy(int slot, prune::TrainStage stage) override;
  Result<double> train(int slot, prune::TrainStage stage, const std::string& init_dir, const std::string& out_dir) override;

 private:
  const StageTraining& settings(prune::TrainStage stage) const {
    return stage == prune::TrainStage::proxy ? t_.proxy : t_.final_tune;
  }
  TinyVitPruneTraining t_;
};

struct MobileBertPruneTraining {
  std::string teacher_dir, data, dev;  // data: a TSV or a GLUE folder (train.tsv, dev.tsv)
  int max_length = 128;
  StageTraining proxy{1, 8000, 0, 1e-4f}, final_tune{3, 0, 0, 5e-5f};  // limit: the first N sentences
  int batch = 32, threads = 1;
  std::uint64_t seed = 42;
  std::function<void(const std::string&)> note;

  std::string train_file() const;  // DATA, or DATA/train.tsv for a folder
  std::string dev_file() const;    // --dev, or DATA/dev.tsv for a folder
};

// `bfedge train mobilebert … --init-from STUDENT --teacher TEACHER` per candidate; the accuracy is
// the dev set's (whole, every stage); the teacher's by `bfedge eval TEACHER --data DEV`.
class MobileBertProcessTrainer final : public prune::CandidateTrainer {
 public:
  explicit MobileBertProcessTrainer(MobileBertPruneTraining t) : t_(std::move(t)) {}
  Result<double> teacher_accuracy(int slot, prune::TrainStage stage) override;
  Result<double> train(int slot, prune::TrainStage stage, const std::string& init_dir, const std::string& out_dir) override;

 private:
  MobileBertPruneTraining t_;
};

// The last "eval" record's accuracy (test_accuracy, or dev_accuracy for MobileBERT) in
// DIR/train.jsonl, whether a "done" record follows, and the run's times (for the time profile).
struct TrainLogState {
  bool done = false;
  bool has_eval = false;
  double accuracy = 0;
  double elapsed_seconds = 0;  // the training loop's clock at its last record (resumes included)
  double eval_seconds = 0;     // its evaluations (and exports) after each epoch
};
Result<TrainLogState> read_train_log(const std::string& dir);

// This executable's path (/proc/self/exe).
std::string self_executable();

}  // namespace bfedge::cli
