// TinyVitProcessTrainer: argv for the child bfedge, its result read from its output.
#include "prune_trainer.hpp"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "bfedge/process/subprocess.hpp"

namespace bfedge::cli {
namespace {

namespace fs = std::filesystem;

std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

// Runs a child bfedge; its failure as one line with the end of its stderr.
Result<process::SubprocessResult> run_child(const std::vector<std::string>& argv, std::size_t capture_stdout,
                                            const std::function<void(const std::string&)>& note) {
  if (note) {
    std::string line = "running:";
    for (const std::string& a : argv) line += " " + a;
    note(line);
  }
  process::SubprocessOptions o;
  o.argv = argv;
  o.capture_stdout_bytes = capture_stdout;
  o.output_tail_bytes = 600;
  Result<process::SubprocessResult> r = process::run_subprocess(o);
  if (!r.is_ok()) return r.status();
  if (!r.value().succeeded()) {
    std::string tail = r.value().output_tail;
    const std::size_t last = tail.find_last_of('\n', tail.size() >= 2 ? tail.size() - 2 : 0);
    if (last != std::string::npos && last + 1 < tail.size()) tail = tail.substr(last + 1);
    while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
    return format_error("bfedge " + argv[1] + " " + r.value().how_it_ended() + (tail.empty() ? "" : ": " + tail));
  }
  return r;
}

// The accuracy `bfedge eval … --json` (argv) prints for `teacher`.
Result<double> evaluated_accuracy(const std::vector<std::string>& argv, const std::string& teacher,
                                  const std::function<void(const std::string&)>& note) {
  Result<process::SubprocessResult> r = run_child(argv, 1 << 20, note);
  if (!r.is_ok()) return r.status();
  const nlohmann::json j = nlohmann::json::parse(r.value().stdout_text, nullptr, false);
  if (j.is_discarded() || !j.contains("accuracy")) {
    return format_error("bfedge eval " + teacher + ": no accuracy in its JSON output");
  }
  return j["accuracy"].get<double>();
}

}  // namespace

std::string self_executable() {
  char exe[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  return n > 0 ? std::string(exe, static_cast<std::size_t>(n)) : std::string("bfedge");
}

Result<TrainLogState> read_train_log(const std::string& dir) {
  const std::string path = (fs::path(dir) / "train.jsonl").string();
  std::ifstream in(path);
  TrainLogState state;
  if (!in) return state;
  std::string line;
  while (std::getline(in, line)) {
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;  // a line cut by a kill
    const std::string event = j.value("event", "");
    state.elapsed_seconds = std::max(state.elapsed_seconds, j.value("elapsed_seconds", 0.0));
    if (event == "eval") state.eval_seconds += j.value("eval_seconds", 0.0);
    if (event == "eval" && (j.contains("test_accuracy") || j.contains("dev_accuracy"))) {
      state.has_eval = true;
      state.accuracy = j.contains("test_accuracy") ? j.value("test_accuracy", 0.0) : j.value("dev_accuracy", 0.0);
      state.done = false;
    } else if (event == "done") {
      state.done = true;
    }
  }
  return state;
}

namespace {

// Runs `bfedge train …` (argv) into out_dir unless a finished run is there already (--resume added
// when a checkpoint is); the last evaluation's accuracy in its train.jsonl.
Result<double> trained_accuracy(std::vector<std::string> argv, const std::string& out_dir,
                                const std::function<void(const std::string&)>& note) {
  Result<TrainLogState> before = read_train_log(out_dir);
  if (!before.is_ok()) return before.status();
  if (before.value().done && before.value().has_eval) return before.value().accuracy;  // finished earlier
  if (fs::exists(fs::path(out_dir) / "checkpoint")) argv.push_back("--resume");
  Result<process::SubprocessResult> r = run_child(argv, 0, note);
  if (!r.is_ok()) return r.status();
  Result<TrainLogState> after = read_train_log(out_dir);
  if (!after.is_ok()) return after.status();
  if (!after.value().has_eval) return format_error(out_dir + "/train.jsonl: no evaluation recorded");
  return after.value().accuracy;
}

}  // namespace

Result<double> TinyVitProcessTrainer::teacher_accuracy(int /*slot*/, prune::TrainStage stage) {
  const StageTraining& s = settings(stage);
  std::vector<std::string> argv = {self_executable(), "eval", t_.teacher_dir, "--data",
                                   t_.data.empty() ? t_.dataset : t_.data, "--json", "--threads",
                                   std::to_string(t_.threads)};
  if (s.limit_test > 0) argv.insert(argv.end(), {"--limit", std::to_string(s.limit_test)});
  return evaluated_accuracy(argv, t_.teacher_dir, t_.note);
}

Result<double> TinyVitProcessTrainer::train(int /*slot*/, prune::TrainStage stage, const std::string& init_dir,
                                            const std::string& out_dir) {
  const StageTraining& s = settings(stage);
  std::vector<std::string> argv = {self_executable(), "train", "tinyvit", "--dataset", t_.dataset,
                                   "--init-from", init_dir, "--teacher", t_.teacher_dir, "--out", out_dir,
                                   "--epochs", std::to_string(s.epochs), "--batch", std::to_string(t_.batch),
                                   "--lr", number(s.learning_rate), "--threads", std::to_string(t_.threads),
                                   "--seed", std::to_string(t_.seed), "--limit", std::to_string(s.limit),
                                   "--limit-test", std::to_string(s.limit_test)};
  if (!t_.data.empty()) argv.insert(argv.end(), {"--data", t_.data});
  return trained_accuracy(std::move(argv), out_dir, t_.note);
}

std::string MobileBertPruneTraining::train_file() const {
  return fs::is_directory(data) ? (fs::path(data) / "train.tsv").string() : data;
}

std::string MobileBertPruneTraining::dev_file() const {
  if (!dev.empty()) return dev;
  return fs::is_directory(data) ? (fs::path(data) / "dev.tsv").string() : std::string();
}

Result<double> MobileBertProcessTrainer::teacher_accuracy(int /*slot*/, prune::TrainStage /*stage*/) {
  return evaluated_accuracy({self_executable(), "eval", t_.teacher_dir, "--data", t_.dev_file(), "--json", "--threads",
                             std::to_string(t_.threads), "--max-length", std::to_string(t_.max_length)},
                            t_.teacher_dir, t_.note);
}

Result<double> MobileBertProcessTrainer::train(int /*slot*/, prune::TrainStage stage, const std::string& init_dir,
                                               const std::string& out_dir) {
  const StageTraining& s = stage == prune::TrainStage::proxy ? t_.proxy : t_.final_tune;
  std::vector<std::string> argv = {self_executable(), "train", "mobilebert", "--data", t_.train_file(), "--dev",
                                   t_.dev_file(), "--init-from", init_dir, "--teacher", t_.teacher_dir, "--out",
                                   out_dir, "--epochs", std::to_string(s.epochs), "--batch", std::to_string(t_.batch),
                                   "--lr", number(s.learning_rate), "--threads", std::to_string(t_.threads), "--seed",
                                   std::to_string(t_.seed), "--limit", std::to_string(s.limit), "--max-length",
                                   std::to_string(t_.max_length)};
  return trained_accuracy(std::move(argv), out_dir, t_.note);
}

}  // namespace bfedge::cli
