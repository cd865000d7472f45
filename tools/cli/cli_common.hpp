// Helpers shared by the bfedge subcommands: error reporting and model/tokenizer loading.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>
#include <string>

#include "bfedge/core/status.hpp"
#include "bfedge/io/tokenizer.hpp"
#include "bfedge/models/llama_runner.hpp"

namespace bfedge::cli {

inline constexpr int kExitRuntimeError = 1;
inline constexpr int kExitUsageError = 2;

// Prints "bfedge: error: <message>" as one line on stderr and returns the exit code to use.
int report_error(const std::string& message, int exit_code = kExitRuntimeError);
inline int report_error(const Status& status) {
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

}  // namespace bfedge::cli
