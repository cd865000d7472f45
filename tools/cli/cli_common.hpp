// Helpers shared by the bfedge subcommands: error reporting and model/tokenizer loading.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>
#include <string>

#include "bfedge/core/status.hpp"
#include "bfedge/io/tokenizer.hpp"
#include "bfedge/process/subprocess.hpp"
#include "bfedge/models/llama_runner.hpp"

namespace bfedge::cli {

inline constexpr int kExitRuntimeError = 1;
inline constexpr int kExitUsageError = 2;

// Prints "bfedge: error: <message>" as one line on stderr and returns the exit code to use.
int report_error(const std::string& message, int exit_code = kExitRuntimeError);
// Usage errors exit 2; an interruption (SIGINT, SIGTERM, SIGHUP during a subprocess) 128 + signal.
inline int report_error(const Status& status) {
  if (status.code() == ErrorCode::interrupted) return report_error(status.message(), process::interrupted_exit_code());
  return report_error(status.message(), status.code() == ErrorCode::invalid_argument
                                            ? kExitUsageError
                                            : kExitRuntimeError);
}

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
