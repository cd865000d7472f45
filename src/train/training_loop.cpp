#include "training_loop.hpp"

#include <atomic>
#include <csignal>
#include <filesystem>
#include <thread>
#include <unistd.h>

#include "bfedge/io/file.hpp"
#include "bfedge/train/process_memory.hpp"

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

struct Position {
  int epoch = 0;       // 0-based epoch in progress
  int batch = 0;       // next batch of that epoch
  long step = 0;       // optimizer steps done
  double elapsed = 0;  // seconds of training so far, over every run
};

class Loop {
 public:
  Loop(const LoopSettings& s, TrainingTask& task) : s_(s), task_(task), checkpoint_dir_(s.out_dir + "/checkpoint") {}
  Status run(JsonLinesLog& log);

 private:
  void build_model_and_optimizer();
  double learning_rate(long step) const;
  Status save_checkpoint(const Position& p, JsonLinesLog& log);
  Status load_checkpoint(Position& p);

  const LoopSettings& s_;
  TrainingTask& task_;
  std::string checkpoint_dir_;
  std::shared_ptr<torch::nn::Module> model_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  ProgressBar bar_;
  long total_steps_ = 0;
};

void Loop::build_model_and_optimizer() {
  torch::manual_seed(s_.seed);
  model_ = task_.build_model();
  std::vector<torch::Tensor> decay, no_decay;
  for (const auto& p : model_->named_parameters()) (task_.no_weight_decay(p.key()) ? no_decay : decay).push_back(p.value());
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(
                                 torch::optim::AdamWOptions(s_.learning_rate).weight_decay(s_.weight_decay)));
  groups.emplace_back(no_decay, std::make_unique<torch::optim::AdamWOptions>(
                                    torch::optim::AdamWOptions(s_.learning_rate).weight_decay(0.0)));
  optimizer_ = std::make_unique<torch::optim::AdamW>(std::move(groups), torch::optim::AdamWOptions(s_.learning_rate));
}

double Loop::learning_rate(long step) const {  // step: 0-based index of the update
  const double warmup = std::max(1.0, s_.warmup_ratio * static_cast<double>(total_steps_));
  const double at = static_cast<double>(step) + 1;
  if (at <= warmup) return s_.learning_rate * at / warmup;
  return s_.learning_rate * std::max(0.0, (static_cast<double>(total_steps_) - at) / (static_cast<double>(total_steps_) - warmup));
}

Status Loop::save_checkpoint(const Position& p, JsonLinesLog& log) {
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
                                 {"run", s_.fingerprint}}.dump(2);
  BFEDGE_RETURN_IF_ERROR(io::write_file_atomically(tmp + "/state.json", state.data(), state.size()));
  fs::remove_all(old, ec);
  if (fs::exists(checkpoint_dir_)) fs::rename(checkpoint_dir_, old, ec);
  if (!ec) fs::rename(tmp, checkpoint_dir_, ec);
  if (ec) return io_error(checkpoint_dir_ + ": cannot replace the checkpoint (" + ec.message() + ")");
  fs::remove_all(old, ec);
  return log.write(json{{"event", "checkpoint"}, {"step", p.step}, {"epoch", p.epoch}, {"batch", p.batch},
                        {"elapsed_seconds", p.elapsed}}.dump());
}

Status Loop::load_checkpoint(Position& p) {
  std::string dir = checkpoint_dir_;
  if (!fs::exists(dir + "/state.json") && fs::exists(checkpoint_dir_ + ".old/state.json")) dir = checkpoint_dir_ + ".old";
  const std::string state_path = dir + "/state.json";
  auto bytes = io::read_file(state_path, 1 << 20);
  if (!bytes.is_ok()) return io_error(s_.out_dir + ": no checkpoint to resume (" + bytes.status().message() + ")");
  const json state = json::parse(reinterpret_cast<const char*>(bytes.value().data()),
                                 reinterpret_cast<const char*>(bytes.value().data()) + bytes.value().size(), nullptr, false);
  if (state.is_discarded() || !state.contains("run")) return format_error(state_path + ": not a bfedge training state");
  for (const auto& [key, value] : s_.fingerprint.items()) {
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

Status Loop::run(JsonLinesLog& log) {
  keep_freed_memory_in_process();
  torch::set_num_threads(s_.threads > 0 ? s_.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  const long steps_per_epoch = (task_.examples() + s_.batch_size - 1) / s_.batch_size;
  total_steps_ = steps_per_epoch * s_.epochs;
  build_model_and_optimizer();
  Position p;
  if (s_.resume) {
    BFEDGE_RETURN_IF_ERROR(load_checkpoint(p));
    bar_.line("resuming at epoch " + std::to_string(p.epoch + 1) + ", step " + std::to_string(p.step) + " of " +
              std::to_string(total_steps_));
  }
  BFEDGE_RETURN_IF_ERROR(log.write(json{{"event", s_.resume ? "resume" : "start"}, {"step", p.step},
                                        {"train_examples", task_.examples()}, {"steps_per_epoch", steps_per_epoch},
                                        {"total_steps", total_steps_}, {"threads", torch::get_num_threads()},
                                        {"run", s_.fingerprint}}.dump()));
  model_->train();
  StopSignals signals;
  const auto run_start = Clock::now();
  const double elapsed_before = p.elapsed;
  const long first_step = p.step;
  auto last_checkpoint = run_start;
  double window_loss = 0;
  long window_correct = 0, window_examples = 0, window_steps = 0, run_examples = 0;
  for (; p.epoch < s_.epochs; ++p.epoch, p.batch = 0) {
    const std::vector<std::vector<int>> batches = task_.epoch_batches(p.epoch);
    for (; p.batch < static_cast<int>(batches.size()); ++p.batch) {
      const std::uint64_t step_seed = s_.seed * 1000003 + static_cast<std::uint64_t>(p.step);
      torch::manual_seed(step_seed);  // this step's dropout
      const double lr = learning_rate(p.step);
      for (auto& group : optimizer_->param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
      optimizer_->zero_grad();
      const StepOutput out = task_.step(batches[static_cast<std::size_t>(p.batch)], step_seed);
      out.loss.backward();
      torch::nn::utils::clip_grad_norm_(model_->parameters(), s_.max_grad_norm);
      optimizer_->step();
      ++p.step;

      const double loss_value = out.loss.item<double>();
      if (!std::isfinite(loss_value)) {
        return format_error(s_.out_dir + ": the loss became " + std::to_string(loss_value) + " at step " +
                            std::to_string(p.step) + " (try a lower --lr)");
      }
      const long rows = out.labels.size(0);
      window_loss += loss_value;
      window_correct += out.logits.argmax(1).eq(out.labels).sum().item<long>();
      window_examples += rows;
      ++window_steps;
      run_examples += rows;
      const double run_seconds = std::chrono::duration<double>(Clock::now() - run_start).count();
      p.elapsed = elapsed_before + run_seconds;
      ProgressState st;
      st.epoch = p.epoch + 1;
      st.epochs = s_.epochs;
      st.step = p.step;
      st.total_steps = total_steps_;
      st.loss = window_loss / static_cast<double>(window_steps);
      st.accuracy = static_cast<double>(window_correct) / static_cast<double>(window_examples);
      st.examples_per_second = static_cast<double>(run_examples) / std::max(1e-9, run_seconds);
      st.eta_seconds = static_cast<double>(total_steps_ - p.step) * s_.batch_size / std::max(1e-9, st.examples_per_second);
      bar_.update(st);
      if (window_steps == s_.log_every || p.step == total_steps_) {
        BFEDGE_RETURN_IF_ERROR(log.write(json{{"event", "train"}, {"epoch", p.epoch}, {"step", p.step}, {"loss", st.loss},
                                              {"accuracy", st.accuracy}, {"learning_rate", lr},
                                              {"examples_per_second", st.examples_per_second},
                                              {"elapsed_seconds", p.elapsed}}.dump()));
        if (!isatty(STDERR_FILENO)) {
          char text[200];
          std::snprintf(text, sizeof text, "epoch %d/%d step %ld/%ld loss %.4f acc %.1f%% %.1f ex/s ETA %s", st.epoch,
                        st.epochs, st.step, st.total_steps, st.loss, 100 * st.accuracy, st.examples_per_second,
                        format_duration(st.eta_seconds).c_str());
          bar_.line(text);
        }
        window_loss = 0, window_correct = window_examples = window_steps = 0;
      }
      const bool out_of_time = s_.max_minutes > 0 && run_seconds >= 60 * s_.max_minutes;
      const bool out_of_steps = s_.stop_after_steps > 0 && p.step - first_step >= s_.stop_after_steps;
      const int signal = g_stop_signal.load();
      if ((signal != 0 || out_of_time || out_of_steps) && p.step < total_steps_) {
        Position next = p;
        ++next.batch;
        bar_.finish();
        BFEDGE_RETURN_IF_ERROR(save_checkpoint(next, log));
        const std::string why = signal != 0  ? "stopped by signal " + std::to_string(signal)
                                : out_of_time ? "stopped after --max-minutes " + std::to_string(s_.max_minutes)
                                              : "stopped after --stop-after " + std::to_string(s_.stop_after_steps) + " steps";
        return Status(ErrorCode::interrupted, s_.out_dir + ": " + why + " at step " + std::to_string(p.step) + " of " +
                                                  std::to_string(total_steps_) + "; continue with --resume");
      }
      if (Clock::now() - last_checkpoint >= std::chrono::duration<double>(60 * s_.checkpoint_minutes)) {
        Position next = p;
        ++next.batch;
        BFEDGE_RETURN_IF_ERROR(save_checkpoint(next, log));
        last_checkpoint = Clock::now();
      }
    }
    bar_.finish();
    json record = {{"event", "eval"}, {"epoch", p.epoch}, {"step", p.step}, {"elapsed_seconds", p.elapsed}};
    {
      torch::NoGradGuard no_grad;
      const auto eval_start = Clock::now();
      model_->eval();
      const Status evaluated = task_.evaluate_and_export(p.epoch, record, bar_);
      model_->train();
      BFEDGE_RETURN_IF_ERROR(evaluated);
      record["eval_seconds"] = std::chrono::duration<double>(Clock::now() - eval_start).count();  // export included
    }
    BFEDGE_RETURN_IF_ERROR(log.write(record.dump()));
    Position next = p;
    next.epoch += 1;
    next.batch = 0;
    BFEDGE_RETURN_IF_ERROR(save_checkpoint(next, log));
  }
  return log.write(json{{"event", "done"}, {"step", p.step}, {"elapsed_seconds", p.elapsed}}.dump());
}

}  // namespace

Status prepare_output_dir(const LoopSettings& s) {
  if (!s.resume && fs::exists(s.out_dir + "/checkpoint")) {
    return invalid_argument(s.out_dir + ": holds a training checkpoint; pass --resume to continue it or choose another --out");
  }
  std::error_code ec;
  fs::create_directories(s.out_dir, ec);
  if (ec) return io_error(s.out_dir + ": cannot create the directory (" + ec.message() + ")");
  return Status::ok();
}

torch::Tensor distillation_loss(const torch::Tensor& student, const torch::Tensor& teacher, double temperature) {
  namespace F = torch::nn::functional;
  const torch::Tensor log_p = F::log_softmax(student / temperature, F::LogSoftmaxFuncOptions(1));
  const torch::Tensor q = F::softmax(teacher / temperature, F::SoftmaxFuncOptions(1));
  return F::kl_div(log_p, q, F::KLDivFuncOptions().reduction(torch::kBatchMean)) * (temperature * temperature);
}

Status run_training_loop(const LoopSettings& s, TrainingTask& task) {
  if (s.epochs < 1 || s.batch_size < 1 || s.learning_rate <= 0 || s.log_every < 1) {
    return invalid_argument("train: epochs, batch size and log interval must be positive, learning rate above 0");
  }
  BFEDGE_RETURN_IF_ERROR(prepare_output_dir(s));
  auto log = JsonLinesLog::open(s.out_dir + "/train.jsonl");
  if (!log.is_ok()) return log.status();
  Loop loop(s, task);
  return loop.run(log.value());
}

}  // namespace bfedge::train
