// Helpers shared by the bfedge subcommands: error reporting and model/tokenizer loading.
#pragma once

#include <cstdio>
#include <optional>
#include <string>

#include "bfedge/core/status.hpp"
#include "bfedge/io/tokenizer.hpp"
#include "bfedge/models/llama.hpp"

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

// Loads the tokenizer and checks its vocabulary against the model's.
Result<io::Tokenizer> load_tokenizer_for(const std::string& tokenizer_path,
                                         const models::LlamaConfig& config,
                                         const std::string& model_path);

}  // namespace bfedge::cli
