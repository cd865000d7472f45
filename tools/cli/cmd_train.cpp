// bfedge train mobilebert: trains MobileBERT for sentence classification with libtorch (the
// optional component in libbfedge_torch.so) and exports it in the Hugging Face layout.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli_common.hpp"
#include "commands.hpp"
#include "torch_component.hpp"

namespace bfedge::cli {
namespace {

struct TrainOptions {
  TrainOptions() { run.threads = 1; }
  std::string data;
  std::string dev;
  std::string vocab;
  std::string out;
  std::vector<std::string> overrides;
  std::vector<std::string> label_names;
  float learning_rate = 2e-4f, warmup = 0.1f, weight_decay = 0.01f, max_minutes = 0, checkpoint_minutes = 10;
  DistillationOptions distill;
  train::MobileBertTrainOptions run;
  CLI::Option* max_length_option = nullptr;  // given: checked; absent: capped to the model
};

// BERT's vocabulary from ../shared (or $BFEDGE_SHARED_DIR) when none is given.
std::string default_vocab() {
  std::vector<std::string> dirs;
  if (const char* shared = std::getenv("BFEDGE_SHARED_DIR")) dirs.emplace_back(shared);
  dirs.insert(dirs.end(), {"../shared", "shared"});
  for (const std::string& dir : dirs) {
    const std::string path = dir + "/models/bert-base-uncased-vocab.txt";
    if (std::filesystem::exists(path)) return path;
  }
  return {};
}

int run_train(TrainOptions& o) {
  train::MobileBertTrainOptions& r = o.run;
  if (Status s = check_file_name("--data", o.data); !s.is_ok()) return report_error(s);
  if (Status s = check_file_name("--out", o.out); !s.is_ok()) return report_error(s);
  models::MobileBertConfig base;
  if (!o.label_names.empty()) {
    base.id2label = o.label_names;
    base.num_labels = static_cast<int>(o.label_names.size());
  }
  auto config = models::mobilebert_config_with_overrides(base, o.overrides);
  if (!config.is_ok()) return report_error(config.status().message(), kExitUsageError);
  r.config = config.value();
  if (o.max_length_option->count() == 0) r.max_length = std::min(r.max_length, r.config.max_position_embeddings);
  r.train_path = o.data;
  r.dev_path = o.dev;
  if (std::filesystem::is_directory(o.data)) {  // a GLUE task folder: train.tsv and dev.tsv
    r.train_path = o.data + "/train.tsv";
    if (r.dev_path.empty() && std::filesystem::exists(o.data + "/dev.tsv")) r.dev_path = o.data + "/dev.tsv";
  }
  r.vocab_path = o.vocab.empty() ? default_vocab() : o.vocab;
  if (r.vocab_path.empty() && o.distill.init_from.empty()) {  // --init-from brings its own vocab.txt
    return report_error("--vocab: no vocabulary given and ../shared/models/bert-base-uncased-vocab.txt is absent",
                        kExitUsageError);
  }
  r.out_dir = o.out;
  r.learning_rate = o.learning_rate;
  r.warmup_ratio = o.warmup;
  r.weight_decay = o.weight_decay;
  r.max_minutes = o.max_minutes;
  r.checkpoint_minutes = o.checkpoint_minutes;
  r.init_from = o.distill.init_from;
  r.teacher_dir = o.distill.teacher;
  r.distill_weight = o.distill.weight;
  r.distill_temperature = o.distill.temperature;
  const Status status = torch_component::train_mobilebert(r);
  if (!status.is_ok()) return report_error(status);
  std::fprintf(stderr, "bfedge: trained model in %s (config.json, model.safetensors, vocab.txt); log %s/train.jsonl\n",
               o.out.c_str(), o.out.c_str());
  return 0;
}

}  // namespace

Command add_train_command(CLI::App& app) {
  auto* train = app.add_subcommand("train", "Train a model with libtorch (optional component)");
  train->require_subcommand(1);
  auto* mobilebert = train->add_subcommand(
      "mobilebert", "Train MobileBERT for sentence classification from scratch; export it in the HF layout");
  auto o = std::make_shared<TrainOptions>();
  train::MobileBertTrainOptions& r = o->run;
  mobilebert->add_option("--data", o->data, "training sentences (TSV or label-first text), or a GLUE folder with "
                                            "train.tsv and dev.tsv")->required();
  mobilebert->add_option("--dev", o->dev, "evaluation sentences (default: DATA/dev.tsv when DATA is a folder)");
  mobilebert->add_option("--out", o->out, "output folder: config.json, model.safetensors, vocab.txt, train.jsonl, "
                                          "checkpoint/")->required();
  mobilebert->add_option("--vocab", o->vocab, "WordPiece vocab.txt (default: ../shared/models/bert-base-uncased-vocab.txt)");
  add_integer_option(*mobilebert, "--epochs", r.epochs, 1, 1000, "passes over the training data")->default_str("3");
  add_integer_option(*mobilebert, "--batch", r.batch_size, 1, 4096, "sentences per step")->default_str("32");
  add_real_option(*mobilebert, "--lr", o->learning_rate, 1e-9, 1.0, "peak learning rate (AdamW)", "(0, 1]")->default_str("2e-4");
  add_real_option(*mobilebert, "--warmup", o->warmup, 0.0, 1.0, "fraction of steps warming up linearly", "0..1")->default_str("0.1");
  add_real_option(*mobilebert, "--weight-decay", o->weight_decay, 0.0, 1.0, "AdamW weight decay (not on biases and norms)",
                  "0..1")->default_str("0.01");
  o->max_length_option =
      add_integer_option(*mobilebert, "--max-length", r.max_length, 2, 4096,
                         "tokens per sentence incl. [CLS] and [SEP] (default: 128, at most max_position_embeddings)")
          ->default_str("128");
  add_integer_option<std::uint64_t>(*mobilebert, "--seed", r.seed, 0, UINT64_MAX, "weights, order and dropout seed")->default_str("42");
  add_integer_option(*mobilebert, "--threads", r.threads, 0, kMaxThreads,
                     "libtorch threads (0: every core; more than 1 helps only on an otherwise idle machine)")
      ->default_str("1");
  add_integer_option(*mobilebert, "--log-every", r.log_every, 1, 1000000, "steps per train.jsonl record")->default_str("50");
  add_integer_option(*mobilebert, "--limit", r.limit_train, 0, 100000000, "train on N sentences: the first N, or the whole set repeated up to N (0: all, once)");
  add_real_option(*mobilebert, "--max-minutes", o->max_minutes, 0.0, 1e6, "stop with a checkpoint after this long (0: no limit)",
                  ">= 0");
  add_real_option(*mobilebert, "--checkpoint-minutes", o->checkpoint_minutes, 0.0, 1e6, "minutes between checkpoints",
                  ">= 0")->default_str("10");
  add_integer_option<long>(*mobilebert, "--stop-after", r.stop_after_steps, 0, 1000000000,
                          "stop with a checkpoint after N steps of this run (0: no limit)");
  mobilebert->add_flag("--resume", r.resume, "continue from OUT/checkpoint with the same settings");
  mobilebert->add_option("--set", o->overrides, "config override KEY=VALUE (config.json keys, e.g. num_hidden_layers=4); "
                                                "repeatable");
  mobilebert->add_option("--labels", o->label_names, "label names by index, e.g. --labels negative positive");
  add_distillation_options(*mobilebert, "MobileBERT", o->distill);
  std::function<int()> tinyvit = add_train_tinyvit_command(*train);
  return {train, [o, mobilebert, tinyvit] { return mobilebert->parsed() ? run_train(*o) : tinyvit(); }};
}

}  // namespace bfedge::cli
