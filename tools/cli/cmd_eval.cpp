// bfedge eval: a MobileBERT sequence classifier's accuracy on a labelled dataset (GLUE TSV or
// label-first text, io/sentence_dataset.hpp): percent correct as GLUE reports it, the confusion
// matrix (rows the true label, columns the prediction), examples/s.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bfedge/io/sentence_dataset.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include "mobilebert_cli.hpp"

namespace bfedge::cli {
namespace {

struct EvalOptions {
  MobileBertOptions model;
  std::string data;
  std::optional<int> limit;
};

struct EvalResult {
  std::int64_t correct = 0;
  std::vector<std::vector<std::int64_t>> confusion;  // [true][predicted]
  double seconds = 0.0;
};

// Every label must be one the model predicts: the first that is not is named by file and line.
Status check_labels(const io::SentenceDataset& data, std::size_t count, int num_labels) {
  for (std::size_t i = 0; i < count; ++i) {
    const io::LabeledSentence& e = data.examples[i];
    if (e.label >= num_labels) {
      return format_error(data.path + ":" + std::to_string(e.line) + ": label " + std::to_string(e.label) +
                          " is outside the model's labels 0.." + std::to_string(num_labels - 1));
    }
  }
  return Status::ok();
}

Result<EvalResult> evaluate(const LoadedClassifier& c, const io::SentenceDataset& data, std::size_t count,
                            std::size_t batch, bool progress) {
  const auto labels = c.labels.size();
  EvalResult r;
  r.confusion.assign(labels, std::vector<std::int64_t>(labels, 0));
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> texts;
  for (std::size_t first = 0; first < count; first += batch) {
    const std::size_t n = std::min(batch, count - first);
    texts.clear();
    for (std::size_t i = 0; i < n; ++i) texts.push_back(data.examples[first + i].text);
    Result<std::vector<Prediction>> predictions = predict(c, texts);
    if (!predictions.is_ok()) return predictions.status();
    for (std::size_t i = 0; i < n; ++i) {
      const int truth = data.examples[first + i].label, predicted = predictions.value()[i].label;
      r.correct += truth == predicted;
      ++r.confusion[static_cast<std::size_t>(truth)][static_cast<std::size_t>(predicted)];
    }
    if (progress) std::fprintf(stderr, "\rbfedge eval: %zu/%zu examples", first + n, count);
  }
  if (progress) std::fprintf(stderr, "\r\033[K");
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

int run_eval(const EvalOptions& o) {
  if (Status s = check_file_name("--data", o.data); !s.is_ok()) return report_error(s);
  Result<LoadedClassifier> loaded = load_classifier(o.model);
  if (!loaded.is_ok()) return report_error(loaded.status());
  const LoadedClassifier& c = loaded.value();
  Result<io::SentenceDataset> data = io::load_sentence_dataset(o.data);
  if (!data.is_ok()) return report_error(data.status());
  const io::SentenceDataset& d = data.value();
  const std::size_t count = std::min(d.examples.size(), o.limit ? static_cast<std::size_t>(*o.limit) : d.examples.size());
  if (Status s = check_labels(d, count, c.model->config().num_labels); !s.is_ok()) return report_error(s);

  // A second classifier (--compare torch, another dtype) would run the same batches here.
  Result<EvalResult> result = evaluate(c, d, count, static_cast<std::size_t>(o.model.batch), isatty(STDERR_FILENO) == 1);
  if (!result.is_ok()) return report_error(o.model.dir + ": " + result.status().message());
  const EvalResult& r = result.value();
  const double accuracy = 100.0 * static_cast<double>(r.correct) / static_cast<double>(count);
  const double per_second = r.seconds > 0.0 ? static_cast<double>(count) / r.seconds : 0.0;
  if (o.model.json) {
    const nlohmann::ordered_json j = {
        {"model", o.model.dir},      {"data", o.data},           {"dtype", dtype_name(c.model->dtype())},
        {"examples", count},         {"correct", r.correct},     {"accuracy", accuracy},
        {"labels", c.labels},        {"confusion", r.confusion}, {"seconds", r.seconds},
        {"examples_per_second", per_second}, {"max_length", c.max_length}, {"batch", o.model.batch}};
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  std::printf("%-12s %s (%s, max length %d, batch %d)\n", "model", o.model.dir.c_str(), dtype_name(c.model->dtype()),
              c.max_length, o.model.batch);
  std::printf("%-12s %s\n%-12s %zu\n", "data", o.data.c_str(), "examples", count);
  std::printf("%-12s %.2f %% (%lld correct)\n", "accuracy", accuracy, static_cast<long long>(r.correct));
  std::printf("%-12s %.1f\n\nconfusion (rows: true label, columns: predicted)\n", "examples/s", per_second);
  int width = 8;
  for (const std::string& l : c.labels) width = std::max(width, static_cast<int>(l.size()) + 1);
  std::printf("%-*s", width, "");
  for (const std::string& l : c.labels) std::printf("%*s", width, l.c_str());
  std::printf("\n");
  for (std::size_t t = 0; t < c.labels.size(); ++t) {
    std::printf("%-*s", width, c.labels[t].c_str());
    for (const std::int64_t n : r.confusion[t]) std::printf("%*lld", width, static_cast<long long>(n));
    std::printf("\n");
  }
  return 0;
}

}  // namespace

Command add_eval_command(CLI::App& app) {
  auto options = std::make_shared<EvalOptions>();
  CLI::App* cmd = app.add_subcommand("eval", "Accuracy and confusion matrix of a MobileBERT classifier on a labelled dataset");
  cmd->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // last wins
  add_mobilebert_options(*cmd, options->model);
  cmd->add_option("--data", options->data, "GLUE TSV (label and sentence columns) or 'LABEL TEXT' lines")->required();
  add_integer_option(*cmd, "--limit", options->limit, 1, 1 << 30, "evaluate only the first N examples");
  return {cmd, [options] { return run_eval(*options); }};
}

}  // namespace bfedge::cli
