// bfedge prune tinyvit|mobilebert|report: the structured pruning search (prune/prune_run.hpp) with children
// `bfedge train`/`eval` for the training (prune_trainer.hpp), a log in OUT/prune.log, the report,
// and the chosen checkpoint exported to OUT/best.
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "bfedge/core/byte_size.hpp"
#include "bfedge/io/file.hpp"
#include "bfedge/io/sentence_dataset.hpp"
#include "bfedge/models/mobilebert_config.hpp"
#include "bfedge/models/tinyvit_datasets.hpp"
#include "bfedge/prune/prune_model.hpp"
#include "bfedge/prune/prune_run.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include "mobilebert_cli.hpp"
#include "prune_mpi.hpp"
#include "prune_sbatch.hpp"
#include "prune_summary.hpp"
#include "prune_trainer.hpp"

namespace bfedge::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

struct PruneCli {
  std::string out, budget = "0", strategy = "greedy";
  float max_drop = 1.0f, proxy_max_drop = -1.0f;
  int trials = 32, parallel = 4, final_candidates = 3, ranks = 2, worker_timeout = 120;
  std::string emit_sbatch;
  std::uint64_t seed = 1;
  TinyVitPruneTraining tinyvit;
  MobileBertPruneTraining mobilebert;
};

// "1572864", "1.5MiB", "2 MB", "500kB", "500KiB" → bytes.
Result<std::int64_t> parse_bytes(const std::string& text) {
  if (const std::optional<std::int64_t> bytes = parse_byte_size(text)) return *bytes;
  return invalid_argument("--budget-bytes '" + text + "' is not a size (bytes, or with kB, MB, KiB, MiB)");
}

// Lines to stderr and to OUT/prune.log with the time.
class PruneLog {
 public:
  explicit PruneLog(const std::string& out_dir) : file_((fs::path(out_dir) / "prune.log").string(), std::ios::app) {}
  void line(const std::string& text) {
    std::fprintf(stderr, "bfedge: %s\n", text.c_str());
    to_file(text);
  }
  void to_file(const std::string& text) {  // the error line itself goes to stderr once, by report_error
    std::time_t now = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", std::localtime(&now));
    file_ << stamp << "  " << text << "\n";
    file_.flush();
  }

 private:
  std::ofstream file_;
};

std::string minutes_text(double seconds) {
  const long s = std::lround(seconds);
  char text[48];
  if (s >= 3600) {
    std::snprintf(text, sizeof text, "%ld h %02ld min", s / 3600, s / 60 % 60);
  } else {
    std::snprintf(text, sizeof text, "%ld min %02ld s", s / 60, s % 60);
  }
  return text;
}

std::string settings_json(const TinyVitPruneTraining& t) {
  std::error_code ec;
  const auto weights = fs::file_size(fs::path(t.teacher_dir) / "model.safetensors", ec);
  const auto stage = [](const StageTraining& s) {
    return ordered_json{{"epochs", s.epochs}, {"limit", s.limit}, {"limit_test", s.limit_test}, {"lr", s.learning_rate}};
  };
  return ordered_json{{"teacher", fs::absolute(t.teacher_dir).lexically_normal().string()},
                      {"teacher_weight_file_bytes", ec ? 0 : weights},
                      {"dataset", t.dataset},
                      {"data", t.data},
                      {"proxy", stage(t.proxy)},
                      {"final", stage(t.final_tune)},
                      {"batch", t.batch},
                      {"train_seed", t.seed}}
      .dump();
}

// The teacher must take the dataset's images and classes: checked before anything trains.
Status check_teacher_matches(const TinyVitPruneTraining& t) {
  Result<models::ImageDatasetName> dataset = models::parse_image_dataset_name(t.dataset);
  if (!dataset.is_ok()) return invalid_argument("--dataset: " + dataset.status().message());
  const std::string path = (fs::path(t.teacher_dir) / "config.json").string();
  Result<models::TinyVitConfig> teacher = models::load_tinyvit_config(path);
  if (!teacher.is_ok()) return teacher.status();
  Result<models::TinyVitConfig> want = models::tinyvit_config_for_dataset(teacher.value().architecture, dataset.value());
  if (!want.is_ok()) return invalid_argument(path + ": " + want.status().message());
  const models::TinyVitConfig& c = teacher.value();
  const models::TinyVitConfig& w = want.value();
  if (c.image_height != w.image_height || c.image_width != w.image_width || c.in_chans != w.in_chans ||
      c.num_classes != w.num_classes) {
    const auto shape = [](const models::TinyVitConfig& x) {
      return std::to_string(x.image_height) + "x" + std::to_string(x.image_width) + "x" + std::to_string(x.in_chans) +
             " images and " + std::to_string(x.num_classes) + " classes";
    };
    return invalid_argument(path + ": the teacher takes " + shape(c) + ", " + t.dataset + " has " + shape(w) +
                            " (--dataset must be the teacher's)");
  }
  return Status::ok();
}

using LocalTrainer = std::function<std::unique_ptr<prune::CandidateTrainer>(std::function<void(const std::string&)>)>;

// What prune tinyvit and prune mobilebert share after their own checks: the budget, strategy and
// reachability, --emit-sbatch, the log, MPI or local training, the search and its results.
int run_search(PruneCli& o, MpiSession* mpi, const prune::PruneModel& model, const LocalTrainer& local_trainer,
               const std::string& settings, int threads, const std::string& title) {
  Result<std::int64_t> budget = parse_bytes(o.budget);
  if (!budget.is_ok()) return report_error(budget.status());
  Result<prune::Strategy> strategy = prune::parse_strategy(o.strategy);
  if (!strategy.is_ok()) return report_error("--strategy: " + strategy.status().message(), kExitUsageError);
  // Refused before anything is written (run_prune checks it again).
  if (Status s = prune::check_budget(model, budget.value()); !s.is_ok()) return report_error(s);

  std::error_code ec;
  if (!o.emit_sbatch.empty()) {  // the search as a Slurm job, not run here
    if (Status s = check_file_name("--emit-sbatch", o.emit_sbatch); !s.is_ok()) return report_error(s);
    fs::create_directories(o.out, ec);  // Slurm writes the job's log there
    if (ec) return report_error(o.out + ": cannot create the folder (" + ec.message() + ")");
    const SbatchSettings sbatch{o.emit_sbatch, fs::absolute(o.out).lexically_normal().string(),
                                fs::current_path(ec).string(), self_executable(), o.ranks, threads};
    if (Status s = write_sbatch_script(sbatch, command_line()); !s.is_ok()) return report_error(s);
    std::fprintf(stderr, "bfedge: wrote %s: submit it with sbatch %s (%d rank(s))\n", o.emit_sbatch.c_str(),
                 o.emit_sbatch.c_str(), o.ranks);
    return 0;
  }
  fs::create_directories(o.out, ec);
  if (ec) return report_error(o.out + ": cannot create the folder (" + ec.message() + ")");
  PruneLog log(o.out);
  prune::PruneRunOptions run;
  run.out_dir = o.out;
  run.constraints = {budget.value(), o.max_drop};
  run.strategy = {strategy.value(), o.trials, o.parallel, o.seed};
  run.proxy_max_drop = o.proxy_max_drop;
  run.final_candidates = o.final_candidates;
  run.settings_json = settings;
  std::unique_ptr<prune::CandidateTrainer> trainer;
  if (mpi != nullptr) {
    trainer = mpi_trainer(*mpi, o.worker_timeout, [&log](const std::string& line) { log.line(line); });
    log.line("MPI: " + std::to_string(mpi->size() - 1) + " worker rank(s) train the candidates; rank 0 owns " + o.out +
             "/search.sqlite");
  } else {
    trainer = local_trainer([&log](const std::string& line) { log.line(line); });
  }
  const auto start = std::chrono::steady_clock::now();
  prune::PruneProgress progress;
  progress.note = [&log](const std::string& line) { log.line(line); };
  // The ETA: the mean time of the candidates trained so far (replayed ones included, with their
  // recorded time) times those left, over the slots; greedy's total and ETA are upper bounds.
  const bool bound = strategy.value() == prune::Strategy::greedy;
  const int slots = std::max(1, trainer->slots());
  std::map<prune::TrainStage, std::pair<double, int>> timed;  // seconds, candidates
  progress.candidate = [&](const prune::CandidateOutcome& c, int count, int total, const prune::CandidateOutcome* best) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const bool at_most = bound && c.stage == prune::TrainStage::proxy;
    std::string line = "[" + std::string(prune::train_stage_name(c.stage)) + " " + std::to_string(count) +
                       (total > 0 ? (at_most ? "/<=" : "/") + std::to_string(total) : "") + "] candidate " +
                       std::to_string(c.id) + " " + c.spec_json + ": ";
    if (c.failed) {
      line += "failed (" + c.error + ")";
    } else {
      line += prune::human_bytes(static_cast<double>(c.total_bytes)) + (c.trained ? ", " + percent_text(c.accuracy) : ", over the budget: not trained");
    }
    if (best != nullptr) line += " | best " + prune::human_bytes(static_cast<double>(best->total_bytes)) + " at " + percent_text(best->accuracy);
    line += " | " + minutes_text(elapsed);
    auto& [seconds, trained] = timed[c.stage];
    if (c.seconds > 0) seconds += c.seconds, trained += 1;
    if (total > 0 && count < total && trained > 0) {
      line += std::string(", ETA ") + (at_most ? "<= " : "") + minutes_text(seconds / trained * (total - count) / slots);
    }
    log.line(line);
  };
  Result<prune::PruneOutcome> outcome = prune::run_prune(model, *trainer, run, progress);
  if (!outcome.is_ok()) {
    log.to_file("stopped: " + outcome.status().message());
    return report_error(outcome.status());
  }
  const prune::PruneOutcome& r = outcome.value();
  Result<ordered_json> summary = write_prune_results(model, r, run, o.out);
  if (!summary.is_ok()) return report_error(summary.status());
  if (Status s = prune::render_png_with_gnuplot(o.out, r.report, title);
      !s.is_ok()) {
    log.line("warning: no PNG plot: " + s.message());
  }
  print_prune_summary(summary.value());
  log.line("search finished in " + minutes_text(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()) +
           "; report in " + o.out + " (front.csv, front.json, front.svg, front.png, summary.json)");
  return 0;
}


// Under mpirun / srun the ranks other than 0 train for rank 0 (prune_mpi.hpp): started here, before
// anything else, so that a worker never parses a teacher or writes a file. nullptr: not under MPI.
Result<std::unique_ptr<MpiSession>> start_mpi_if_launched() {
  if (!launched_by_mpi()) return std::unique_ptr<MpiSession>();
  return MpiSession::start();
}

int run_prune_tinyvit(PruneCli& o) {
  Result<std::unique_ptr<MpiSession>> mpi = start_mpi_if_launched();
  if (!mpi.is_ok()) return report_error(mpi.status());
  if (mpi.value() && mpi.value()->rank() > 0) {
    TinyVitProcessTrainer local(o.tinyvit);
    return run_mpi_worker(*mpi.value(), local);
  }
  for (const auto& [option, path] : {std::pair<const char*, std::string>{"--teacher", o.tinyvit.teacher_dir},
                                     {"--out", o.out}}) {
    if (Status s = check_file_name(option, path); !s.is_ok()) return report_error(s);
  }
  if (Status s = check_teacher_matches(o.tinyvit); !s.is_ok()) return report_error(s);
  const deploy::GraphFootprintModel footprints;
  Result<std::unique_ptr<prune::PruneModel>> model = prune::open_tinyvit_prune_model(o.tinyvit.teacher_dir, footprints);
  if (!model.is_ok()) return report_error(model.status());
  const LocalTrainer local = [&o](std::function<void(const std::string&)> note) {
    TinyVitPruneTraining training = o.tinyvit;
    training.note = std::move(note);
    return std::unique_ptr<prune::CandidateTrainer>(new TinyVitProcessTrainer(training));
  };
  return run_search(o, mpi.value().get(), *model.value(), local, settings_json(o.tinyvit), o.tinyvit.threads,
                    "TinyViT pruning: proxy accuracy vs total bytes");
}

std::string settings_json(const MobileBertPruneTraining& t) {
  std::error_code ec;
  const auto weights = fs::file_size(fs::path(t.teacher_dir) / "model.safetensors", ec);
  const auto stage = [](const StageTraining& s) {
    return ordered_json{{"epochs", s.epochs}, {"limit", s.limit}, {"lr", s.learning_rate}};
  };
  return ordered_json{{"teacher", fs::absolute(t.teacher_dir).lexically_normal().string()},
                      {"teacher_weight_file_bytes", ec ? 0 : weights},
                      {"train", fs::absolute(t.train_file()).lexically_normal().string()},
                      {"dev", fs::absolute(t.dev_file()).lexically_normal().string()},
                      {"max_length", t.max_length},
                      {"proxy", stage(t.proxy)},
                      {"final", stage(t.final_tune)},
                      {"batch", t.batch},
                      {"train_seed", t.seed}}
      .dump();
}

int run_prune_mobilebert(PruneCli& o) {
  Result<std::unique_ptr<MpiSession>> mpi = start_mpi_if_launched();
  if (!mpi.is_ok()) return report_error(mpi.status());
  if (mpi.value() && mpi.value()->rank() > 0) {
    MobileBertProcessTrainer local(o.mobilebert);
    return run_mpi_worker(*mpi.value(), local);
  }
  const MobileBertPruneTraining& t = o.mobilebert;
  for (const auto& [option, path] : {std::pair<const char*, std::string>{"--teacher", t.teacher_dir},
                                     {"--data", t.data}, {"--dev", t.dev}, {"--out", o.out}}) {
    if (path.empty() && std::string(option) == "--dev") continue;  // optional
    if (Status s = check_file_name(option, path); !s.is_ok()) return report_error(s);
  }
  if (t.dev_file().empty()) return report_error("--dev: needed when --data is a file, not a GLUE folder", kExitUsageError);
  Result<io::SentenceDataset> dev = io::load_sentence_dataset(t.dev_file());  // readable before anything trains
  if (!dev.is_ok()) return report_error(dev.status());
  Result<io::SentenceDataset> train = io::load_sentence_dataset(t.train_file());
  if (!train.is_ok()) return report_error(train.status());
  Result<models::MobileBertConfig> teacher = models::load_mobilebert_config(t.teacher_dir + "/config.json");
  if (!teacher.is_ok()) return report_error(teacher.status());
  const std::string whose = "the teacher's (" + t.teacher_dir + ")";
  for (const io::SentenceDataset* d : {&dev.value(), &train.value()}) {  // before the search's folder exists
    if (const std::string note = io::windows1252_note(*d); !note.empty()) std::fprintf(stderr, "bfedge: note: %s\n", note.c_str());
    if (Status s = check_labels(*d, d->examples.size(), teacher.value().num_labels, whose); !s.is_ok()) {
      return report_error(s.message(), kExitUsageError);
    }
  }
  std::vector<std::string> texts;
  for (const io::LabeledSentence& e : train.value().examples) texts.push_back(e.text);
  const deploy::GraphFootprintModel footprints;
  Result<std::unique_ptr<prune::PruneModel>> model =
      prune::open_mobilebert_prune_model(t.teacher_dir, texts, t.max_length, footprints);
  if (!model.is_ok()) return report_error(model.status());
  const LocalTrainer local = [&o](std::function<void(const std::string&)> note) {
    MobileBertPruneTraining training = o.mobilebert;
    training.note = std::move(note);
    return std::unique_ptr<prune::CandidateTrainer>(new MobileBertProcessTrainer(training));
  };
  return run_search(o, mpi.value().get(), *model.value(), local, settings_json(t), t.threads,
                    "MobileBERT pruning: proxy accuracy vs total bytes");
}

int run_prune_report(const std::string& dir) {
  if (Status s = check_file_name("DIR", dir); !s.is_ok()) return report_error(s);
  Result<ordered_json> summary = read_prune_summary(dir);
  if (!summary.is_ok()) return report_error(summary.status());
  print_prune_summary(summary.value());
  return 0;
}

// The options every model's search takes.
void add_search_options(CLI::App& app, PruneCli& o) {
  app.add_option("--out", o.out, "the search's folder: search.sqlite, prune.log, candidates/, report, best/")->required();
  app.add_option("--budget-bytes", o.budget,
                 "largest total footprint (BF16 weights + activation peak) to accept: bytes, or with kB, MB, KiB, "
                 "MiB (0: none)")
      ->capture_default_str();
  add_real_option(app, "--max-drop", o.max_drop, 0, 100, "accuracy points a candidate may lose against the teacher",
                  "0..100");
  add_real_option(app, "--proxy-max-drop", o.proxy_max_drop, 0, 100,
                  "points the proxy stage tolerates against the teacher's proxy accuracy (default: --max-drop)", "0..100");
  app.add_option("--strategy", o.strategy, "greedy, random or evolve (docs/adr/0009)")->capture_default_str();
  add_integer_option(app, "--trials", o.trials, 1, 100000, "random and evolve: candidates in all");
  add_integer_option(app, "--parallel", o.parallel, 1, 4096, "random and evolve: candidates per round");
  add_integer_option(app, "--seed", o.seed, std::uint64_t{0}, std::uint64_t{1} << 62, "the search's seed");
  add_integer_option(app, "--final-candidates", o.final_candidates, 0, 1000,
                     "Pareto candidates fine-tuned longer, smallest first");
  app.add_option("--emit-sbatch", o.emit_sbatch,
                 "write this search as a Slurm batch script to this path instead of running it");
  add_integer_option(app, "--ranks", o.ranks, 1, 4096, "with --emit-sbatch: MPI ranks (rank 0 searches, the rest train)");
  add_integer_option(app, "--worker-timeout", o.worker_timeout, 1, 86400,
                     "under MPI: seconds without a heartbeat after which a worker rank counts as lost (its candidate "
                     "runs again elsewhere)");
}

}  // namespace

Command add_prune_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("prune", "Structured pruning search under a memory budget (docs/pruning.md)");
  cmd->require_subcommand(1);
  auto o = std::make_shared<PruneCli>();
  CLI::App* tinyvit = cmd->add_subcommand("tinyvit", "Search TinyViT students of a trained teacher: slice, distill, "
                                                     "keep the Pareto front, fine-tune the best, export the chosen one");
  tinyvit->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  tinyvit->add_option("--teacher", o->tinyvit.teacher_dir, "the trained TinyViT folder (config.json, model.safetensors)")
      ->required();
  tinyvit->add_option("--dataset", o->tinyvit.dataset, "cifar10 or fashion-mnist: the teacher's data")
      ->capture_default_str();
  tinyvit->add_option("--data", o->tinyvit.data, "the dataset's folder (default: as bfedge train tinyvit)");
  add_search_options(*tinyvit, *o);
  add_integer_option(*tinyvit, "--proxy-epochs", o->tinyvit.proxy.epochs, 1, 1000, "proxy stage: epochs of distillation");
  add_integer_option(*tinyvit, "--proxy-limit", o->tinyvit.proxy.limit, 0, 100000000,
                     "proxy stage: training images spread over the split (0: all)");
  add_integer_option(*tinyvit, "--proxy-limit-test", o->tinyvit.proxy.limit_test, 0, 100000000,
                     "proxy stage: test images its accuracy is measured on (0: all)");
  add_real_option(*tinyvit, "--proxy-lr", o->tinyvit.proxy.learning_rate, 1e-7, 1, "proxy stage: peak learning rate", "(0, 1]");
  add_integer_option(*tinyvit, "--final-epochs", o->tinyvit.final_tune.epochs, 1, 1000, "final stage: epochs");
  add_integer_option(*tinyvit, "--final-limit", o->tinyvit.final_tune.limit, 0, 100000000,
                     "final stage: training images (0: all)");
  add_integer_option(*tinyvit, "--final-limit-test", o->tinyvit.final_tune.limit_test, 0, 100000000,
                     "final stage: test images (0: all, the accuracy reported)");
  add_real_option(*tinyvit, "--final-lr", o->tinyvit.final_tune.learning_rate, 1e-7, 1, "final stage: peak learning rate",
                  "(0, 1]");
  add_integer_option(*tinyvit, "--batch", o->tinyvit.batch, 1, 4096, "images per training step");
  add_integer_option(*tinyvit, "--threads", o->tinyvit.threads, 0, kMaxThreads, "libtorch threads per training");
  CLI::App* mobilebert = cmd->add_subcommand(
      "mobilebert", "Search MobileBERT students of a trained classifier: task vocabulary and length, slice, distill, "
                    "keep the Pareto front, fine-tune the best, export the chosen one");
  mobilebert->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  MobileBertPruneTraining& m = o->mobilebert;
  mobilebert->add_option("--teacher", m.teacher_dir, "the trained MobileBERT folder (config.json, model.safetensors, "
                                                     "vocab.txt)")
      ->required();
  mobilebert->add_option("--data", m.data, "training sentences (TSV or label-first text), or a GLUE folder with "
                                           "train.tsv and dev.tsv; its pieces are the students' vocabulary")
      ->required();
  mobilebert->add_option("--dev", m.dev, "evaluation sentences (default: DATA/dev.tsv when DATA is a folder)");
  add_integer_option(*mobilebert, "--max-length", m.max_length, 2, 4096,
                     "tokens per sentence incl. [CLS] and [SEP]: the students' position table and footprint");
  add_search_options(*mobilebert, *o);
  add_integer_option(*mobilebert, "--proxy-epochs", m.proxy.epochs, 1, 1000, "proxy stage: epochs of distillation");
  add_integer_option(*mobilebert, "--proxy-limit", m.proxy.limit, 0, 100000000,
                     "proxy stage: N training sentences, the first N or the whole set repeated up to N (0: all, once)");
  add_real_option(*mobilebert, "--proxy-lr", m.proxy.learning_rate, 1e-7, 1, "proxy stage: peak learning rate", "(0, 1]");
  add_integer_option(*mobilebert, "--final-epochs", m.final_tune.epochs, 1, 1000, "final stage: epochs");
  add_integer_option(*mobilebert, "--final-limit", m.final_tune.limit, 0, 100000000,
                     "final stage: training sentences (0: all)");
  add_real_option(*mobilebert, "--final-lr", m.final_tune.learning_rate, 1e-7, 1, "final stage: peak learning rate",
                  "(0, 1]");
  add_integer_option(*mobilebert, "--batch", m.batch, 1, 4096, "sentences per training step");
  add_integer_option(*mobilebert, "--threads", m.threads, 0, kMaxThreads, "libtorch threads per training");
  CLI::App* report = cmd->add_subcommand("report", "Print a finished search's summary (OUT/summary.json)");
  auto report_dir = std::make_shared<std::string>();
  report->add_option("dir", *report_dir, "the search's --out folder")->required();
  return {cmd, [o, tinyvit, mobilebert, report, report_dir] {
            if (tinyvit->parsed()) return run_prune_tinyvit(*o);
            if (mobilebert->parsed()) return run_prune_mobilebert(*o);
            if (report->parsed()) return run_prune_report(*report_dir);
            return report_error("prune: no model given (expected tinyvit, mobilebert or report)", kExitUsageError);
          }};
}

}  // namespace bfedge::cli
