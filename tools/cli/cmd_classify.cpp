// bfedge classify: the label a MobileBERT sequence classifier gives each text (the arguments, or
// each line of stdin), with its softmax probabilities; one line (or one JSON object) per text.
// On a TinyViT folder the arguments are image files (cmd_classify_tinyvit.cpp).
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bfedge/io/sentence_dataset.hpp"
#include "bfedge/io/utf8.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include "mobilebert_cli.hpp"
#include "tinyvit_classifier.hpp"
#include "tinyvit_cli.hpp"

namespace bfedge::cli {
namespace {

struct ClassifyOptions {
  MobileBertOptions model;
  std::vector<std::string> texts;
  bool batch_given = false;  // TinyViT's default batch differs
};

struct Texts {
  std::vector<std::string> texts;
  std::string source;  // "text" (arguments, errors say "text 2") or "stdin" ("stdin:2")
};

// stdin's lines: "\n" ends a line, one "\r" before it is dropped, a final "\n" starts no new line.
Result<std::vector<std::string>> read_stdin_lines() {
  std::string bytes;
  char chunk[1 << 16];
  std::size_t n = 0;
  while ((n = std::fread(chunk, 1, sizeof chunk, stdin)) > 0) {
    bytes.append(chunk, n);
    if (bytes.size() > io::kMaxSentenceDatasetBytes) {
      return invalid_argument("stdin: more than " + std::to_string(io::kMaxSentenceDatasetBytes) + " bytes");
    }
  }
  if (std::ferror(stdin)) return io_error("stdin: read error");
  std::vector<std::string> lines;
  std::size_t begin = 0;
  while (begin < bytes.size()) {
    std::size_t end = bytes.find('\n', begin);
    if (end == std::string::npos) end = bytes.size();
    std::string line = bytes.substr(begin, end - begin);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    begin = end + 1;
  }
  return lines;
}

Status check_utf8(const Texts& t) {
  for (std::size_t i = 0; i < t.texts.size(); ++i) {
    const std::size_t bad = io::find_invalid_utf8(t.texts[i]);
    if (bad == std::string::npos) continue;
    const std::string where = t.source == "stdin" ? "stdin:" + std::to_string(i + 1) : "text " + std::to_string(i + 1);
    return invalid_argument(where + ": not valid UTF-8 (byte " + std::to_string(bad) + ")");
  }
  return Status::ok();
}

void print_prediction(const LoadedClassifier& c, const std::string& text, const Prediction& p, bool json) {
  const std::string& label = c.labels[static_cast<std::size_t>(p.label)];
  if (json) {
    const nlohmann::ordered_json j = {{"text", text},         {"label", label},
                                      {"label_id", p.label},  {"probabilities", p.probabilities},
                                      {"logits", p.logits},   {"tokens", p.tokens},
                                      {"truncated", p.truncated}};
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return;
  }
  std::printf("%s\t", label.c_str());
  for (std::size_t k = 0; k < p.probabilities.size(); ++k) {
    std::printf("%s%s=%.6f", k ? " " : "", c.labels[k].c_str(), p.probabilities[k]);
  }
  std::printf("%s\n", p.truncated ? "\ttruncated" : "");
}

int run_classify(const ClassifyOptions& o) {
  if (!o.model.dir.empty() && is_tinyvit_dir(o.model.dir)) {
    const MobileBertOptions& m = o.model;
    return run_tinyvit_classify({{m.dir, m.dtype, o.batch_given ? m.batch : kTinyVitDefaultBatch, m.threads, m.json},
                                 o.texts});
  }
  Result<LoadedClassifier> loaded = load_classifier(o.model);
  if (!loaded.is_ok()) return report_error(loaded.status());
  const LoadedClassifier& c = loaded.value();
  Texts t{o.texts, "text"};
  if (o.texts.empty()) {
    Result<std::vector<std::string>> lines = read_stdin_lines();
    if (!lines.is_ok()) return report_error(lines.status());
    t = {std::move(lines).value(), "stdin"};
  }
  if (Status s = check_utf8(t); !s.is_ok()) return report_error(s);
  const std::size_t batch = static_cast<std::size_t>(o.model.batch);
  for (std::size_t first = 0; first < t.texts.size(); first += batch) {
    const std::span<const std::string> texts =
        std::span(t.texts).subspan(first, std::min(batch, t.texts.size() - first));
    Result<std::vector<Prediction>> predictions = predict(c, texts);
    if (!predictions.is_ok()) return report_error(o.model.dir + ": " + predictions.status().message());
    for (std::size_t i = 0; i < texts.size(); ++i) {
      print_prediction(c, texts[i], predictions.value()[i], o.model.json);
    }
  }
  return 0;
}

}  // namespace

Command add_classify_command(CLI::App& app) {
  auto options = std::make_shared<ClassifyOptions>();
  CLI::App* cmd = app.add_subcommand(
      "classify",
      "Label texts with a MobileBERT sequence classifier (the arguments, or stdin's lines), or images (JPEG, PNG at "
      "the model's size) with a TinyViT classifier");
  cmd->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // last wins
  add_mobilebert_options(*cmd, options->model);
  cmd->add_option("texts", options->texts,
                  "texts to classify (none: each line of stdin), or image files for TinyViT; put -- before those "
                  "that start with -")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  return {cmd, [options, cmd] {
            options->batch_given = cmd->count("--batch") > 0;
            return run_classify(*options);
          }};
}

}  // namespace bfedge::cli
