#include "train_progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

namespace bfedge::train {

Result<JsonLinesLog> JsonLinesLog::open(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "a");
  if (file == nullptr) return io_error(path + ": cannot open for appending (" + std::strerror(errno) + ")");
  return JsonLinesLog(file, path);
}

JsonLinesLog::~JsonLinesLog() {
  if (file_ != nullptr) std::fclose(file_);
}

Status JsonLinesLog::write(const std::string& json_object) {
  if (std::fprintf(file_, "%s\n", json_object.c_str()) < 0 || std::fflush(file_) != 0) {
    return io_error(path_ + ": write error (" + std::strerror(errno) + ")");
  }
  return Status::ok();
}

std::string format_duration(double seconds) {
  const long s = std::lround(std::max(0.0, seconds));
  char text[32];
  if (s >= 3600) {
    std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(text, sizeof text, "%ld:%02ld", s / 60, s % 60);
  }
  return text;
}

ProgressBar::ProgressBar() : terminal_(isatty(STDERR_FILENO) != 0) {}

void ProgressBar::update(const ProgressState& s) {
  if (!terminal_) return;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(250) && s.step != s.total_steps) return;
  last_draw_ = now;
  drawn_ = true;
  constexpr int kWidth = 24;
  const double done = s.total_steps > 0 ? static_cast<double>(s.step) / static_cast<double>(s.total_steps) : 0;
  const int filled = static_cast<int>(done * kWidth);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(kWidth, '.');
  std::fprintf(stderr, "\r\033[Kepoch %d/%d [%s] %ld/%ld  loss %.4f  acc %5.1f%%  %.1f ex/s  ETA %s", s.epoch, s.epochs,
               bar.c_str(), s.step, s.total_steps, s.loss, 100 * s.accuracy, s.examples_per_second,
               format_duration(s.eta_seconds).c_str());
  std::fflush(stderr);
}

void ProgressBar::line(const std::string& text) {
  if (terminal_ && drawn_) std::fprintf(stderr, "\r\033[K");
  std::fprintf(stderr, "%s\n", text.c_str());
  drawn_ = false;
}

void ProgressBar::finish() {
  if (terminal_ && drawn_) std::fprintf(stderr, "\n");
  drawn_ = false;
}

}  // namespace bfedge::train
