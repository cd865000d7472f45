// Training MobileBERT for sentence classification with libtorch (CPU), from scratch.
//
//   - data: io::load_sentence_dataset files, tokenized once with the WordPiece vocabulary;
//     batches of sentences of similar length (shuffled in chunks of 50 batches, then sorted by
//     length inside a chunk, then the batches shuffled), padded to the batch's longest row;
//   - AdamW (no weight decay on biases and norm weights), linear warm-up then linear decay to
//     zero, gradient clipping, cross-entropy;
//   - deterministic: the seed fixes the initial weights, the order of every epoch and each
//     step's dropout (seeded by the step), so a resumed run follows the same path;
//   - OUT/train.jsonl: one JSON object per line ("train" windows, "eval" results, "checkpoint",
//     "done"); a progress bar on stderr when it is a terminal, a line per log window otherwise;
//   - OUT/checkpoint/: model, optimizer and position, rewritten every checkpoint_minutes, on
//     SIGINT/SIGTERM and when max_minutes runs out; --resume continues from it;
//   - after each epoch the dev set is evaluated and the model exported to OUT in the HF layout
//     (config.json, model.safetensors, vocab.txt) that models::load_mobilebert reads;
//   - for pruning (docs/adr/0009): init_from starts from a folder (a pruned student: its config,
//     weights and vocab.txt), and teacher_dir adds knowledge distillation from a trained model,
//     loss = w · T² · KL(softmax(teacher / T) ‖ softmax(student / T)) + (1 − w) · cross-entropy.
//     With a teacher the training texts are tokenized with the teacher's vocab.txt and mapped to
//     the student's ids piece by piece ([UNK] for a piece the student lacks); the dev set is
//     tokenized with the student's own vocab.txt, as `bfedge eval` will.
#pragma once

#include <cstdint>
#include <string>

#include "bfedge/core/status.hpp"
#include "bfedge/models/mobilebert_config.hpp"

namespace bfedge::train {

struct MobileBertTrainOptions {
  std::string train_path;  // sentence dataset files (io/sentence_dataset.hpp)
  std::string dev_path;    // may be empty: no evaluation
  std::string vocab_path;  // vocab.txt, copied to OUT
  std::string out_dir;
  models::MobileBertConfig config;  // num_labels must cover the datasets' labels
  int epochs = 3;
  int batch_size = 32;
  double learning_rate = 2e-4;
  double warmup_ratio = 0.1;  // of all steps
  double weight_decay = 0.01;
  double max_grad_norm = 1.0;
  int max_length = 128;       // tokens per sentence, [CLS] and [SEP] included
  std::uint64_t seed = 42;
  int threads = 0;            // 0: every core
  int log_every = 50;         // steps per train.jsonl window
  double checkpoint_minutes = 10;
  double max_minutes = 0;     // stop (with a checkpoint) after this long; 0: no limit
  long stop_after_steps = 0;  // stop (with a checkpoint) after this many steps of this run; 0: none
  int limit_train = 0;        // N training sentences: the first N, or the set repeated up to N; 0: all, once
  bool resume = false;
  std::string init_from;    // a MobileBERT folder to start from; its config and vocab.txt are the run's
  std::string teacher_dir;  // a MobileBERT folder to distill from (the same labels)
  double distill_weight = 0.9;
  double distill_temperature = 4.0;
};

// Runs (or resumes) training. Returns ok when every epoch is done; an error otherwise, with
// ErrorCode::interrupted when stopped by a signal or max_minutes (a checkpoint was written).
Status train_mobilebert(const MobileBertTrainOptions& options);

}  // namespace bfedge::train
