// Helpers shared by the bfedge subcommands: error reporting and model/tokenizer loading.
#pragma once

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/io/tokenizer.hpp"
#include "bfedge/process/subprocess.hpp"
#include "bfedge/models/llama_runner.hpp"

namespace bfedge::cli {

inline constexpr int kExitRuntimeError = 1;
inline constexpr int kExitUsageError = 2;
inline constexpr int kMaxThreads = 256;  // --threads

// The command line bfedge was started with (main sets it), for commands that write it out again
// (prune --emit-sbatch).
void set_command_line(int argc, char** argv);
const std::vector<std::string>& command_line();

// "1,234,567": a count for tables.
std::string with_commas(std::int64_t value);

// Prints "bfedge: error: <message>" as one line on stderr and returns the exit code to use.
int report_error(const std::string& message, int exit_code = kExitRuntimeError);
// Usage errors exit 2; an interruption (SIGINT, SIGTERM, SIGHUP during a subprocess) 128 + signal.
inline int report_error(const Status& status) {
  if (status.code() == ErrorCode::interrupted) return report_error(status.message(), process::interrupted_exit_code());
  return report_error(status.message(), status.code() == ErrorCode::invalid_argument
                                            ? kExitUsageError
                                            : kExitRuntimeError);
}

// Flushes stdout and reports whether everything written to it so far arrived: a full device, a
// closed descriptor or an I/O error is "stdout: write error: <reason>". Commands call it before
// their last line on stderr, so that a failed write is the one line they print.
Status flush_stdout();

// Run last, on every exit path that may have written to stdout (coreutils' close_stdout): flushes
// and closes stdout; a write error not yet reported becomes one error line and exit code 1.
int close_stdout(int exit_code);

// Numeric options are parsed here rather than by CLI11, which turns '' into 0 or the default,
// wraps -1 into an unsigned option and accepts 0x10: a value that is not a whole decimal number in
// range is one usage error naming the option and its range ("--threads '' is not an integer in
// 1..256", "--threads 300 is outside 1..256").
bool looks_like_integer(std::string_view text);  // -?[0-9]+
std::string integer_option_error(std::string_view option, const std::string& text,
                                 const std::string& range);
template <class T>
Result<T> parse_integer(std::string_view option, const std::string& text, T lo, T hi,
                        const std::string& range = {}) {
  T value{};
  const char* end = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (error == std::errc() && ptr == end && value >= lo && value <= hi) return value;
  return invalid_argument(integer_option_error(
      option, text, range.empty() ? std::to_string(lo) + ".." + std::to_string(hi) : range));
}
// A finite decimal number in [lo, hi], read as run.c does (to double, then float).
Result<float> parse_real(std::string_view option, const std::string& text, double lo, double hi,
                         const std::string& range);

// Registers a numeric option parsed as above; `range` (default "lo..hi") is shown in help and
// errors. Parse errors surface as CLI::ValidationError (usage error, exit 2).
// `Target` is T, or std::optional<T> for an option whose absence means something.
template <class T, class Target>
CLI::Option* add_integer_option(CLI::App& command, const std::string& names, Target& target, T lo, T hi,
                                const std::string& help, std::string range = {}) {
  if (range.empty()) range = std::to_string(lo) + ".." + std::to_string(hi);
  const std::string option = names.substr(0, names.find(','));
  return command
      .add_option_function<std::string>(
          names,
          [&target, option, lo, hi, range](const std::string& text) {
            Result<T> value = parse_integer<T>(option, text, lo, hi, range);
            if (!value.is_ok()) throw CLI::ValidationError(value.status().message());
            target = value.value();
          },
          help + " (" + range + ")")
      ->type_name("INT");
}
CLI::Option* add_optional_int_option(CLI::App& command, const std::string& names,
                                     std::optional<int>& target, int lo, int hi,
                                     const std::string& help, const std::string& range);
CLI::Option* add_real_option(CLI::App& command, const std::string& names, float& target, double lo,
                             double hi, const std::string& help, const std::string& range);

// Pruning's recovery options of `bfedge train MODEL`: --init-from (a pruned student folder),
// --teacher, --distill-weight (default 0.9) and --distill-temperature (default 4).
struct DistillationOptions {
  std::string init_from, teacher;
  float weight = 0.9f, temperature = 4.0f;
};
void add_distillation_options(CLI::App& command, const std::string& model, DistillationOptions& options);

// An empty file name is a usage error naming the option (the loaders would say ": cannot open").
Status check_file_name(std::string_view option, const std::string& path);

// The options every model-running command takes.
struct ModelOptions {
  std::string model;
  std::string tokenizer;
  std::string dtype = "bf16";
  int threads = 1;
};
void add_model_options(CLI::App& command, ModelOptions& options);

struct LoadedModel {
  models::LlamaRunner runner;
  io::Tokenizer tokenizer;
  Dtype dtype;
  kernels::Isa isa_cap;  // host ISA, lowered by BFEDGE_ISA
};

// Validates the options, loads the model in the requested dtype and a tokenizer whose vocabulary
// matches it. Errors name the option or file at fault.
Result<LoadedModel> load_model(const ModelOptions& options);

// Encodes `prompt` with BOS for a run of at most `max_positions` positions. BPE merges are
// quadratic in the prompt, so a prompt whose bytes cannot fit (each token covers at most the
// longest piece's bytes) is refused before encoding; errors name `files.model` or
// `files.tokenizer`. Used by generate and mcu generate.
Result<std::vector<int>> encode_prompt(const LoadedModel& m, std::string_view prompt,
                                       int max_positions, const ModelOptions& files);

}  // namespace bfedge::cli
