#include "cli_common.hpp"

#include <algorithm>

namespace bfedge::cli {

int report_error(const std::string& message, int exit_code) {
  std::string line = message;
  std::replace(line.begin(), line.end(), '\n', ' ');
  std::fprintf(stderr, "bfedge: error: %s\n", line.c_str());
  return exit_code;
}

Result<io::Tokenizer> load_tokenizer_for(const std::string& tokenizer_path,
                                         const models::LlamaConfig& config,
                                         const std::string& model_path) {
  Result<io::Tokenizer> tokenizer = io::Tokenizer::load(tokenizer_path);
  if (!tokenizer.is_ok()) return tokenizer;
  if (tokenizer.value().vocab_size() != config.vocab_size) {
    return format_error(tokenizer_path + ": vocabulary mismatch: tokenizer has " +
                        std::to_string(tokenizer.value().vocab_size()) + " tokens, model " +
                        model_path + " has " + std::to_string(config.vocab_size));
  }
  return tokenizer;
}

}  // namespace bfedge::cli
