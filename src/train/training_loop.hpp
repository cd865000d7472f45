// The training loop every bfedge model shares (MobileBERT, TinyViT): AdamW with decoupled weight
// decay (none on biases and norms), linear warm-up then linear decay to zero, gradient clipping,
// a per-step seed (dropout, augmentation), a progress bar and OUT/train.jsonl, checkpoints of
// model + optimizer + position in OUT/checkpoint every checkpoint_minutes, on SIGINT/SIGTERM/
// SIGHUP, on max_minutes and stop_after_steps, and an exact resume: a run stopped and resumed ends
// with the same weights as one that was not. What differs per model is a TrainingTask.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "bfedge/core/status.hpp"
#include "train_progress.hpp"

namespace bfedge::train {

struct LoopSettings {
  std::string out_dir;
  int epochs = 3;
  int batch_size = 32;
  double learning_rate = 2e-4;
  double warmup_ratio = 0.1;  // of all steps
  double weight_decay = 0.01;
  double max_grad_norm = 1.0;
  std::uint64_t seed = 42;
  int threads = 0;  // 0: every core
  int log_every = 50;
  double checkpoint_minutes = 10;
  double max_minutes = 0;
  long stop_after_steps = 0;
  bool resume = false;
  // Everything a resumed run must share with the run it continues (config, data, settings).
  nlohmann::json fingerprint;
};

// The loop's settings from a model's training options (the fields of the same names).
template <class Options>
LoopSettings loop_settings_from(const Options& o, nlohmann::json fingerprint) {
  LoopSettings s;
  s.out_dir = o.out_dir, s.epochs = o.epochs, s.batch_size = o.batch_size, s.learning_rate = o.learning_rate;
  s.warmup_ratio = o.warmup_ratio, s.weight_decay = o.weight_decay, s.max_grad_norm = o.max_grad_norm, s.seed = o.seed;
  s.threads = o.threads, s.log_every = o.log_every, s.checkpoint_minutes = o.checkpoint_minutes;
  s.max_minutes = o.max_minutes, s.stop_after_steps = o.stop_after_steps, s.resume = o.resume;
  s.fingerprint = std::move(fingerprint);
  return s;
}

// One step's outputs for the loop's statistics.
struct StepOutput {
  torch::Tensor loss;    // scalar, to back-propagate
  torch::Tensor logits;  // (rows, classes)
  torch::Tensor labels;  // (rows) int64
};

class TrainingTask {
 public:
  virtual ~TrainingTask() = default;
  // Builds the model with its initial weights (seeded by the loop before the call).
  virtual std::shared_ptr<torch::nn::Module> build_model() = 0;
  // Parameters without weight decay (biases, norms, ...).
  virtual bool no_weight_decay(const std::string& parameter_name) const = 0;
  virtual long examples() const = 0;
  // The batches of `epoch` as example indices: deterministic in (seed, epoch).
  virtual std::vector<std::vector<int>> epoch_batches(int epoch) const = 0;
  // Forward and loss of one batch; `step_seed` seeds anything random in the step.
  virtual StepOutput step(const std::vector<int>& batch, std::uint64_t step_seed) = 0;
  // After each epoch: evaluates (adding fields such as "dev_accuracy" to `record`, printing a line
  // on `bar`) and exports the model to the output directory.
  virtual Status evaluate_and_export(int epoch, nlohmann::json& record, ProgressBar& bar) = 0;
};

// Knowledge distillation (Hinton et al.): T² · KL(softmax(teacher / T) ‖ softmax(student / T)),
// averaged over the batch's rows; logits (rows, classes).
torch::Tensor distillation_loss(const torch::Tensor& student, const torch::Tensor& teacher, double temperature);

// Runs or resumes the loop. Ok when every epoch is done; ErrorCode::interrupted when stopped (a
// checkpoint was written); other errors name the file or the problem.
Status run_training_loop(const LoopSettings& settings, TrainingTask& task);

// Refuses to start over a checkpoint without --resume, creates OUT and opens its log: the checks
// every trainer makes before loading data it may not need.
Status prepare_output_dir(const LoopSettings& settings);

}  // namespace bfedge::train
