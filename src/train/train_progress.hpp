// What a training run shows and keeps: a progress bar on a terminal and the JSON-lines log.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include "bfedge/core/status.hpp"

namespace bfedge::train {

// OUT/train.jsonl, appended to (a resumed run continues the same file), flushed per line.
class JsonLinesLog {
 public:
  static Result<JsonLinesLog> open(const std::string& path);
  JsonLinesLog(JsonLinesLog&& other) noexcept : file_(other.file_), path_(std::move(other.path_)) { other.file_ = nullptr; }
  JsonLinesLog& operator=(JsonLinesLog&&) = delete;
  ~JsonLinesLog();
  Status write(const std::string& json_object);  // one line, no newline inside

 private:
  JsonLinesLog(std::FILE* file, std::string path) : file_(file), path_(std::move(path)) {}
  std::FILE* file_;
  std::string path_;
};

struct ProgressState {
  int epoch = 0;  // 1-based
  int epochs = 0;
  long step = 0;  // global, 1-based
  long total_steps = 0;
  double loss = 0, accuracy = 0;  // over the current log window
  double examples_per_second = 0;
  double eta_seconds = 0;
};

// A one-line bar redrawn in place (at most 4 times a second) when stderr is a terminal;
// otherwise one plain line per call to line().
class ProgressBar {
 public:
  ProgressBar();
  void update(const ProgressState& s);  // terminal only
  void line(const std::string& text);   // a permanent line (window summaries, eval results)
  void finish();

 private:
  bool terminal_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
};

std::string format_duration(double seconds);  // "1:02:03", "4:05"

}  // namespace bfedge::train
