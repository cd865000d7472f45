#include "bfedge/train/mobilebert_trainer.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <thread>

#include "bfedge/io/file.hpp"
#include "bfedge/train/mobilebert_export.hpp"
#include "bfedge/train/mobilebert_module.hpp"
#include "sentence_batches.hpp"
#include "train_progress.hpp"

namespace bfedge::train {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

std::atomic<int> g_stop_signal{0};

extern "C" void record_stop_signal(int signal) { g_stop_signal.store(signal); }

// Catches SIGINT, SIGTERM and SIGHUP while training, so the loop can checkpoint and return.
class StopSignals {
 public:
  StopSignals() {
    g_stop_signal.store(0);
    struct sigaction action {};
    action.sa_handler = record_stop_signal;
    sigemptyset(&action.sa_mask);
    for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &action, &previous_[i]);
  }
  ~StopSignals() {
    for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &previous_[i], nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  static constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};
  struct sigaction previous_[3] {};
};

// The settings a resumed run must share with the run it continues.
json run_fingerprint(const MobileBertTrainOptions& o) {
  return {{"config", json::parse(models::mobilebert_config_json(o.config))},
          {"train", fs::absolute(o.train_path).string()},
          {"epochs", o.epochs},
          {"batch_size", o.batch_size},
          {"learning_rate", o.learning_rate},
          {"warmup_ratio", o.warmup_ratio},
          {"weight_decay", o.weight_decay},
          {"max_grad_norm", o.max_grad_norm},
          {"max_length", o.max_length},
          {"seed", o.seed},
          {"limit_train", o.limit_train}};
}

struct Position {
  int epoch = 0;       // 0-based epoch in progress
  int batch = 0;       // next batch of that epoch
  long step = 0;       // optimizer steps done
  double elapsed = 0;  // seconds of training so far, over every run
};

torch::Tensor to_tensor(std::vector<std::int64_t>& values, int rows, int length) {
  return torch::from_blob(values.data(), {rows, length}, torch::kLong);
}

class Trainer {
 public:
  Trainer(const MobileBertTrainOptions& o, io::WordPieceTokenizer tokenizer, EncodedSentences train, EncodedSentences dev,
          bool has_dev)
      : o_(o), tokenizer_(std::move(tokenizer)), train_(std::move(train)), dev_(std::move(dev)), has_dev_(has_dev),
        checkpoint_dir_(o.out_dir + "/checkpoint"), model_(nullptr) {}

  Status run(JsonLinesLog& log);

 private:
  void build_model_and_optimizer();
  double learning_rate(long step) const;
  Status save_checkpoint(const Position& p, JsonLinesLog& log);
  Status load_checkpoint(Position& p);
  Status evaluate_and_export(const Position& p, JsonLinesLog& log);

  const MobileBertTrainOptions& o_;
  io::WordPieceTokenizer tokenizer_;
  EncodedSentences train_, dev_;
  bool has_dev_;
  std::string checkpoint_dir_;
  MobileBertClassifier model_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  ProgressBar bar_;
  long steps_per_epoch_ = 0, total_steps_ = 0;
};

void Trainer::build_model_and_optimizer() {
  torch::manual_seed(o_.seed);
  model_ = MobileBertClassifier(o_.config);
  std::vector<torch::Tensor> decay, no_decay;
  for (const auto& p : model_->named_parameters()) {
    const bool is_bias_or_norm = p.key().ends_with(".bias") || p.key().find("LayerNorm") != std::string::npos;
    (is_bias_or_norm ? no_decay : decay).push_back(p.value());
  }
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(
                                 torch::optim::AdamWOptions(o_.learning_rate).weight_decay(o_.weight_decay)));
  groups.emplace_back(no_decay, std::make_unique<torch::optim::AdamWOptions>(
                                    torch::optim::AdamWOptions(o_.learning_rate).weight_decay(0.0)));
  optimizer_ = std::make_unique<torch::optim::AdamW>(std::move(groups),
                                                     torch::optim::AdamWOptions(o_.learning_rate));
}

double Trainer::learning_rate(long step) const {  // step: 0-based index of the update
  const double warmup = std::max(1.0, o_.warmup_ratio * static_cast<double>(total_steps_));
  const double s = static_cast<double>(step) + 1;
  if (s <= warmup) return o_.learning_rate * s / warmup;
  return o_.learning_rate * std::max(0.0, (static_cast<double>(total_steps_) - s) / (static_cast<double>(total_steps_) - warmup));
}

Status Trainer::save_checkpoint(const Position& p, JsonLinesLog& log) {
  const std::string tmp = checkpoint_dir_ + ".tmp", old = checkpoint_dir_ + ".old";
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) return io_error(tmp + ": cannot create (" + ec.message() + ")");
  try {
    torch::save(model_, tmp + "/model.pt");
    torch::save(*optimizer_, tmp + "/optimizer.pt");
  } catch (const std::exception& e) {
    return io_error(tmp + ": cannot save the checkpoint (" + std::string(e.what()).substr(0, 200) + ")");
  }
  const std::string state = json{{"epoch", p.epoch}, {"batch", p.batch}, {"step", p.step}, {"elapsed_seconds", p.elapsed},
                                 {"run", run_fingerprint(o_)}}.dump(2);
  BFEDGE_RETURN_IF_ERROR(io::write_file_atomically(tmp + "/state.json", state.data(), state.size()));
  fs::remove_all(old, ec);
  if (fs::exists(checkpoint_dir_)) fs::rename(checkpoint_dir_, old, ec);
  if (!ec) fs::rename(tmp, checkpoint_dir_, ec);
  if (ec) return io_error(checkpoint_dir_ + ": cannot replace the checkpoint (" + ec.message() + ")");
  fs::remove_all(old, ec);
  return log.write(json{{"event", "checkpoint"}, {"step", p.step}, {"epoch", p.epoch}, {"batch", p.batch},
                        {"elapsed_seconds", p.elapsed}}.dump());
}

Status Trainer::load_checkpoint(Position& p) {
  std::string dir = checkpoint_dir_;
  if (!fs::exists(dir + "/state.json") && fs::exists(checkpoint_dir_ + ".old/state.json")) dir = checkpoint_dir_ + ".old";
  const std::string state_path = dir + "/state.json";
  auto bytes = io::read_file(state_path, 1 << 20);
  if (!bytes.is_ok()) return io_error(o_.out_dir + ": no checkpoint to resume (" + bytes.status().message() + ")");
  const json state = json::parse(reinterpret_cast<const char*>(bytes.value().data()),
                                 reinterpret_cast<const char*>(bytes.value().data()) + bytes.value().size(), nullptr, false);
  if (state.is_discarded() || !state.contains("run")) return format_error(state_path + ": not a bfedge training state");
  const json now = run_fingerprint(o_);
  for (const auto& [key, value] : now.items()) {
    if (!state["run"].contains(key) || state["run"][key] != value) {
      return invalid_argument(state_path + ": the checkpoint was made with a different " + key +
                              " (resume with the same settings, or train into a new --out)");
    }
  }
  try {
    torch::load(model_, dir + "/model.pt");
    torch::load(*optimizer_, dir + "/optimizer.pt");
    p.epoch = state.at("epoch").get<int>();
    p.batch = state.at("batch").get<int>();
    p.step = state.at("step").get<long>();
    p.elapsed = state.at("elapsed_seconds").get<double>();
  } catch (const std::exception& e) {
    return format_error(dir + ": cannot load the checkpoint (" + std::string(e.what()).substr(0, 200) + ")");
  }
  return Status::ok();
}

Status Trainer::evaluate_and_export(const Position& p, JsonLinesLog& log) {
  json record = {{"event", "eval"}, {"epoch", p.epoch}, {"step", p.step}, {"elapsed_seconds", p.elapsed}};
  if (has_dev_) {
    torch::NoGradGuard no_grad;
    model_->eval();
    const int labels = o_.config.num_labels;
    std::vector<std::vector<long>> confusion(labels, std::vector<long>(labels, 0));
    long correct = 0;
    for (const auto& indices : sequential_batches(static_cast<int>(dev_.ids.size()), 64)) {
      PaddedBatch b = pad_batch(dev_, indices, tokenizer_.pad_id());
      const auto ids = to_tensor(b.ids, b.rows, b.length), mask = to_tensor(b.mask, b.rows, b.length);
      const auto predicted = model_->forward(ids, mask, torch::zeros_like(ids)).logits.argmax(1);
      for (int r = 0; r < b.rows; ++r) {
        const long pr = predicted[r].item<long>();
        confusion[static_cast<std::size_t>(b.labels[r])][static_cast<std::size_t>(pr)] += 1;
        correct += pr == b.labels[r];
      }
    }
    model_->train();
    const double accuracy = 100.0 * static_cast<double>(correct) / static_cast<double>(dev_.ids.size());
    record["dev_accuracy"] = accuracy;
    record["dev_examples"] = dev_.ids.size();
    record["confusion"] = confusion;
    char text[160];
    std::snprintf(text, sizeof text, "epoch %d: dev accuracy %.2f%% (%ld/%zu) at step %ld, %s elapsed", p.epoch + 1,
                  accuracy, correct, dev_.ids.size(), p.step, format_duration(p.elapsed).c_str());
    bar_.line(text);
  }
  BFEDGE_RETURN_IF_ERROR(export_mobilebert(model_, o_.out_dir, o_.vocab_path));
  return log.write(record.dump());
}

Status Trainer::run(JsonLinesLog& log) {
  torch::set_num_threads(o_.threads > 0 ? o_.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  const long examples = static_cast<long>(train_.ids.size());
  steps_per_epoch_ = (examples + o_.batch_size - 1) / o_.batch_size;
  total_steps_ = steps_per_epoch_ * o_.epochs;
  build_model_and_optimizer();
  Position p;
  if (o_.resume) {
    BFEDGE_RETURN_IF_ERROR(load_checkpoint(p));
    bar_.line("resuming at epoch " + std::to_string(p.epoch + 1) + ", step " + std::to_string(p.step) + " of " +
              std::to_string(total_steps_));
  }
  BFEDGE_RETURN_IF_ERROR(log.write(json{{"event", o_.resume ? "resume" : "start"}, {"step", p.step},
                                        {"train_examples", examples}, {"dev_examples", dev_.ids.size()},
                                        {"steps_per_epoch", steps_per_epoch_}, {"total_steps", total_steps_},
                                        {"threads", torch::get_num_threads()}, {"run", run_fingerprint(o_)}}.dump()));
  model_->train();
  StopSignals signals;
  const auto run_start = Clock::now();
  const double elapsed_before = p.elapsed;
  const long first_step = p.step;
  auto last_checkpoint = run_start;
  double window_loss = 0;
  long window_correct = 0, window_examples = 0, window_steps = 0, run_examples = 0;
  for (; p.epoch < o_.epochs; ++p.epoch, p.batch = 0) {
    const auto batches = epoch_batches(train_, o_.batch_size, o_.seed, p.epoch);
    for (; p.batch < static_cast<int>(batches.size()); ++p.batch) {
      PaddedBatch b = pad_batch(train_, batches[static_cast<std::size_t>(p.batch)], tokenizer_.pad_id());
      const auto ids = to_tensor(b.ids, b.rows, b.length), mask = to_tensor(b.mask, b.rows, b.length);
      const auto labels = torch::from_blob(b.labels.data(), {b.rows}, torch::kLong);
      torch::manual_seed(o_.seed * 1000003 + static_cast<std::uint64_t>(p.step));  // this step's dropout
      const double lr = learning_rate(p.step);
      for (auto& group : optimizer_->param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
      optimizer_->zero_grad();
      const auto logits = model_->forward(ids, mask, torch::zeros_like(ids)).logits;
      const auto loss = torch::nn::functional::cross_entropy(logits, labels);
      loss.backward();
      torch::nn::utils::clip_grad_norm_(model_->parameters(), o_.max_grad_norm);
      optimizer_->step();
      ++p.step;

      const double loss_value = loss.item<double>();
      if (!std::isfinite(loss_value)) {
        return format_error(o_.out_dir + ": the loss became " + std::to_string(loss_value) + " at step " +
                            std::to_string(p.step) + " (try a lower --lr)");
      }
      window_loss += loss_value;
      window_correct += logits.argmax(1).eq(labels).sum().item<long>();
      window_examples += b.rows;
      ++window_steps;
      run_examples += b.rows;
      const double run_seconds = std::chrono::duration<double>(Clock::now() - run_start).count();
      p.elapsed = elapsed_before + run_seconds;
      ProgressState s;
      s.epoch = p.epoch + 1;
      s.epochs = o_.epochs;
      s.step = p.step;
      s.total_steps = total_steps_;
      s.loss = window_loss / static_cast<double>(window_steps);
      s.accuracy = static_cast<double>(window_correct) / static_cast<double>(window_examples);
      s.examples_per_second = static_cast<double>(run_examples) / std::max(1e-9, run_seconds);
      s.eta_seconds = static_cast<double>(total_steps_ - p.step) * o_.batch_size / std::max(1e-9, s.examples_per_second);
      bar_.update(s);
      if (window_steps == o_.log_every || p.step == total_steps_) {
        BFEDGE_RETURN_IF_ERROR(log.write(json{{"event", "train"}, {"epoch", p.epoch}, {"step", p.step}, {"loss", s.loss},
                                              {"accuracy", s.accuracy}, {"learning_rate", lr},
                                              {"examples_per_second", s.examples_per_second},
                                              {"elapsed_seconds", p.elapsed}}.dump()));
        if (!isatty(STDERR_FILENO)) {
          char text[200];
          std::snprintf(text, sizeof text, "epoch %d/%d step %ld/%ld loss %.4f acc %.1f%% %.1f ex/s ETA %s", s.epoch,
                        s.epochs, s.step, s.total_steps, s.loss, 100 * s.accuracy, s.examples_per_second,
                        format_duration(s.eta_seconds).c_str());
          bar_.line(text);
        }
        window_loss = 0, window_correct = window_examples = window_steps = 0;
      }
      const bool out_of_time = o_.max_minutes > 0 && run_seconds >= 60 * o_.max_minutes;
      const bool out_of_steps = o_.stop_after_steps > 0 && p.step - first_step >= o_.stop_after_steps;
      const int signal = g_stop_signal.load();
      if ((signal != 0 || out_of_time || out_of_steps) && p.step < total_steps_) {
        Position next = p;
        ++next.batch;
        bar_.finish();
        BFEDGE_RETURN_IF_ERROR(save_checkpoint(next, log));
        const std::string why = signal != 0  ? "stopped by signal " + std::to_string(signal)
                                : out_of_time ? "stopped after --max-minutes " + std::to_string(o_.max_minutes)
                                              : "stopped after --stop-after " + std::to_string(o_.stop_after_steps) + " steps";
        return Status(ErrorCode::interrupted, o_.out_dir + ": " + why + " at step " + std::to_string(p.step) + " of " +
                                                  std::to_string(total_steps_) + "; continue with --resume");
      }
      if (Clock::now() - last_checkpoint >= std::chrono::duration<double>(60 * o_.checkpoint_minutes)) {
        Position next = p;
        ++next.batch;
        BFEDGE_RETURN_IF_ERROR(save_checkpoint(next, log));
        last_checkpoint = Clock::now();
      }
    }
    bar_.finish();
    BFEDGE_RETURN_IF_ERROR(evaluate_and_export(p, log));
    Position next = p;
    next.epoch += 1;
    next.batch = 0;
    BFEDGE_RETURN_IF_ERROR(save_checkpoint(next, log));
  }
  return log.write(json{{"event", "done"}, {"step", p.step}, {"elapsed_seconds", p.elapsed}}.dump());
}

}  // namespace

Status train_mobilebert(const MobileBertTrainOptions& o) {
  if (o.epochs < 1 || o.batch_size < 1 || o.max_length < 2 || o.learning_rate <= 0 || o.log_every < 1) {
    return invalid_argument("train: epochs, batch size and log interval must be positive, max length at least 2, "
                            "learning rate above 0");
  }
  auto tokenizer = io::WordPieceTokenizer::load(o.vocab_path);
  if (!tokenizer.is_ok()) return tokenizer.status();
  if (tokenizer.value().vocab_size() != o.config.vocab_size) {
    return invalid_argument(o.vocab_path + ": " + std::to_string(tokenizer.value().vocab_size()) +
                            " tokens, the config's vocab_size is " + std::to_string(o.config.vocab_size));
  }
  if (o.max_length > o.config.max_position_embeddings) {
    return invalid_argument("--max-length " + std::to_string(o.max_length) + " is above max_position_embeddings " +
                            std::to_string(o.config.max_position_embeddings));
  }
  auto train_data = io::load_sentence_dataset(o.train_path);
  if (!train_data.is_ok()) return train_data.status();
  auto train = encode_sentences(train_data.value(), tokenizer.value(), o.max_length, o.config.num_labels, o.limit_train);
  if (!train.is_ok()) return train.status();
  EncodedSentences dev;
  if (!o.dev_path.empty()) {
    auto dev_data = io::load_sentence_dataset(o.dev_path);
    if (!dev_data.is_ok()) return dev_data.status();
    auto encoded = encode_sentences(dev_data.value(), tokenizer.value(), o.max_length, o.config.num_labels);
    if (!encoded.is_ok()) return encoded.status();
    dev = std::move(encoded.value());
  }
  std::error_code ec;
  if (!o.resume && fs::exists(o.out_dir + "/checkpoint")) {
    return invalid_argument(o.out_dir + ": holds a training checkpoint; pass --resume to continue it or choose another --out");
  }
  fs::create_directories(o.out_dir, ec);
  if (ec) return io_error(o.out_dir + ": cannot create the directory (" + ec.message() + ")");
  auto log = JsonLinesLog::open(o.out_dir + "/train.jsonl");
  if (!log.is_ok()) return log.status();
  Trainer trainer(o, std::move(tokenizer.value()), std::move(train.value()), std::move(dev), !o.dev_path.empty());
  return trainer.run(log.value());
}

}  // namespace bfedge::train
