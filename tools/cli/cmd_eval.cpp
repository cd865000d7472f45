// bfedge eval: a MobileBERT sequence classifier's accuracy on a labelled dataset (GLUE TSV or
// label-first text, io/sentence_dataset.hpp): percent correct as GLUE reports it, the confusion
// matrix (rows the true label, columns the prediction), examples/s. A TinyViT folder (timm's
// config.json) goes to run_tinyvit_eval (cmd_eval_tinyvit.cpp) with the same options.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bfedge/io/sentence_dataset.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include "eval_comparison.hpp"
#include "mobilebert_cli.hpp"
#include "tinyvit_classifier.hpp"
#include "tinyvit_cli.hpp"

namespace bfedge::cli {
namespace {

struct EvalOptions {
  MobileBertOptions model;
  std::string data;
  std::optional<int> limit;
  std::string compare;  // "", f32, bf16 or torch
  std::string split = "test";  // TinyViT's datasets
  bool batch_given = false;    // TinyViT's default batch differs
};

struct EvalResult {
  std::int64_t correct = 0;
  std::vector<std::vector<std::int64_t>> confusion;  // [true][predicted]
  double seconds = 0.0;
};

Result<EvalResult> evaluate(const LoadedClassifier& c, const io::SentenceDataset& data, std::size_t count,
                            std::size_t batch, bool progress, const MobileBertClassifier* other, Comparison& cmp) {
  const auto labels = c.labels.size();
  const int num_labels = c.model->config().num_labels;
  EvalResult r;
  r.confusion.assign(labels, std::vector<std::int64_t>(labels, 0));
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> texts;
  for (std::size_t first = 0; first < count; first += batch) {
    const std::size_t n = std::min(batch, count - first);
    texts.clear();
    for (std::size_t i = 0; i < n; ++i) texts.push_back(data.examples[first + i].text);
    Result<io::WordPieceBatch> encoded = c.tokenizer.encode_batch(texts, c.max_length);
    if (!encoded.is_ok()) return encoded.status();
    const io::WordPieceBatch& b = encoded.value();
    auto ours = c.model->forward(inputs_of(b), other != nullptr);
    if (!ours.is_ok()) return ours.status();
    const std::vector<Prediction> predictions = predictions_from(b, ours.value().logits, num_labels);
    std::vector<Prediction> theirs;
    if (other != nullptr) {
      auto out = other->forward(inputs_of(b), true);
      if (!out.is_ok()) return Status(out.status().code(), other->name() + ": " + out.status().message());
      theirs = predictions_from(b, out.value().logits, num_labels);
      const auto& h = ours.value().hidden_states;
      for (std::size_t l = 0; l < std::min(h.size(), out.value().hidden_states.size()); ++l) {
        cmp.add(l, h[l], out.value().hidden_states[l]);
      }
      cmp.add(h.size(), ours.value().logits, out.value().logits);
    }
    for (std::size_t i = 0; i < n; ++i) {
      const int truth = data.examples[first + i].label, predicted = predictions[i].label;
      r.correct += truth == predicted;
      ++r.confusion[static_cast<std::size_t>(truth)][static_cast<std::size_t>(predicted)];
      if (other != nullptr) {
        cmp.correct += theirs[i].label == truth;
        cmp.agree += theirs[i].label == predicted;
      }
    }
    if (progress) std::fprintf(stderr, "\rbfedge eval: %zu/%zu examples", first + n, count);
  }
  if (progress) std::fprintf(stderr, "\r\033[K");
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

nlohmann::ordered_json comparison_json(const MobileBertClassifier& other, const Comparison& cmp, std::size_t count) {
  const std::vector<double> nmse = cmp.nmse();
  nlohmann::ordered_json j;
  j["with"] = other.name();
  j["accuracy"] = 100.0 * static_cast<double>(cmp.correct) / static_cast<double>(count);
  j["agreement"] = 100.0 * static_cast<double>(cmp.agree) / static_cast<double>(count);
  j["hidden_state_nmse"] = std::vector<double>(nmse.begin(), nmse.end() - 1);  // embeddings, then each layer
  j["logits_nmse"] = nmse.back();
  return j;
}

void print_comparison(const LoadedClassifier& c, const MobileBertClassifier& other, const Comparison& cmp,
                      std::size_t count, double accuracy) {
  const nlohmann::ordered_json j = comparison_json(other, cmp, count);
  std::printf("\ncompared with %s on the same batches\n", other.name().c_str());
  std::printf("%-12s %.2f %% (%s %.2f %%, difference %+.2f points)\n", "accuracy", j["accuracy"].get<double>(),
              c.model->name().c_str(), accuracy, accuracy - j["accuracy"].get<double>());
  std::printf("%-12s %.2f %% of examples get the same label\n", "agreement", j["agreement"].get<double>());
  std::printf("NMSE of %s against %s (sum of squared differences / sum of squares):\n", c.model->name().c_str(),
              other.name().c_str());
  const auto& hidden = j["hidden_state_nmse"];
  double worst = 0;
  for (std::size_t l = 0; l < hidden.size(); ++l) {
    const double v = hidden[l].get<double>();
    worst = std::max(worst, v);
    std::printf("  %-14s %.3e\n", l == 0 ? "embeddings" : ("layer " + std::to_string(l - 1)).c_str(), v);
  }
  std::printf("  %-14s %.3e\n  %-14s %.3e\n", "logits", j["logits_nmse"].get<double>(), "worst layer", worst);
}

int run_eval(const EvalOptions& o) {
  if (!o.compare.empty() && o.compare != "f32" && o.compare != "bf16" && o.compare != "torch" &&
      o.compare != "torch-bf16") {
    return report_error("--compare '" + o.compare + "' is not f32, bf16, torch or torch-bf16", kExitUsageError);
  }
  if (Status s = check_file_name("--data", o.data); !s.is_ok()) return report_error(s);
  if (is_tinyvit_dir(o.model.dir)) {
    const MobileBertOptions& m = o.model;
    return run_tinyvit_eval({{m.dir, m.dtype, o.batch_given ? m.batch : kTinyVitDefaultBatch, m.threads, m.json},
                             o.data, o.split, o.limit, o.compare});
  }
  Result<LoadedClassifier> loaded = load_classifier(o.model);
  if (!loaded.is_ok()) return report_error(loaded.status());
  const LoadedClassifier& c = loaded.value();
  Result<io::SentenceDataset> data = io::load_sentence_dataset(o.data);
  if (!data.is_ok()) return report_error(data.status());
  const io::SentenceDataset& d = data.value();
  if (const std::string note = io::windows1252_note(d); !note.empty()) std::cerr << "bfedge: note: " << note << '\n';
  const std::size_t count = std::min(d.examples.size(), o.limit ? static_cast<std::size_t>(*o.limit) : d.examples.size());
  if (Status s = check_labels(d, count, c.model->config().num_labels, "the model's"); !s.is_ok()) return report_error(s);

  std::unique_ptr<MobileBertClassifier> other;
  if (!o.compare.empty()) {
    Result<std::unique_ptr<MobileBertClassifier>> loaded_other =
        o.compare == "torch"        ? load_torch_classifier(o.model.dir, Dtype::f32, o.model.threads)
        : o.compare == "torch-bf16" ? load_torch_classifier(o.model.dir, Dtype::bf16, o.model.threads)
                             : load_mobilebert_classifier(o.model.dir, o.compare == "bf16" ? Dtype::bf16 : Dtype::f32,
                                                          o.model.threads);
    if (!loaded_other.is_ok()) return report_error("--compare " + o.compare + ": " + loaded_other.status().message());
    other = std::move(loaded_other).value();
  }
  Comparison cmp;
  Result<EvalResult> result = evaluate(c, d, count, static_cast<std::size_t>(o.model.batch),
                                       isatty(STDERR_FILENO) == 1, other.get(), cmp);
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
    nlohmann::ordered_json out = j;
    if (other) out["compare"] = comparison_json(*other, cmp, count);
    std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  std::printf("%-12s %s (%s, max length %d, batch %d)\n", "model", o.model.dir.c_str(), c.model->name().c_str(),
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
  if (other) print_comparison(c, *other, cmp, count, accuracy);
  return 0;
}

}  // namespace

Command add_eval_command(CLI::App& app) {
  auto options = std::make_shared<EvalOptions>();
  CLI::App* cmd = app.add_subcommand(
      "eval", "Accuracy and confusion matrix of a MobileBERT or TinyViT classifier on a labelled dataset");
  cmd->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // last wins
  add_mobilebert_options(*cmd, options->model);
  cmd->add_option("--data", options->data,
                  "MobileBERT: GLUE TSV (label and sentence columns) or 'LABEL TEXT' lines; TinyViT: cifar10, "
                  "fashion-mnist, or a CIFAR-10 archive folder / extracted tree or a Fashion-MNIST folder")
      ->required();
  cmd->add_option("--split", options->split, "TinyViT: the dataset's split, test or train")->capture_default_str();
  add_integer_option(*cmd, "--limit", options->limit, 1, 1 << 30,
                     "evaluate only the first N examples (TinyViT: N spread evenly over the split)");
  cmd->add_option("--compare", options->compare,
                  "also run f32, bf16, torch (libtorch FP32) or torch-bf16 on the same batches: its accuracy, the "
                  "agreement and each layer's NMSE against it");
  return {cmd, [options, cmd] {
            options->batch_given = cmd->count("--batch") > 0;
            return run_eval(*options);
          }};
}

}  // namespace bfedge::cli
