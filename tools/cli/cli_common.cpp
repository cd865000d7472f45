#include "cli_common.hpp"
#include "bfedge/kernels/host_isa.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace bfedge::cli {

int report_error(const std::string& message, int exit_code) {
  std::string line = message;
  std::replace(line.begin(), line.end(), '\n', ' ');
  std::fprintf(stderr, "bfedge: error: %s\n", line.c_str());
  return exit_code;
}

Status flush_stdout() {
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0;
  const int error = errno;
  if (flushed && std::ferror(stdout) == 0) return Status::ok();
  return io_error(std::string("stdout: write error") +
                  (!flushed && error != 0 ? std::string(": ") + std::strerror(error) : ""));
}

int close_stdout(int exit_code) {
  Status flushed = flush_stdout();
  errno = 0;
  if (std::fclose(stdout) != 0 && flushed.is_ok()) {
    flushed = io_error(std::string("stdout: write error: ") + std::strerror(errno));
  }
  if (flushed.is_ok() || exit_code != 0) return exit_code;  // a failed command said why already
  return report_error(flushed);
}

void add_model_options(CLI::App& command, ModelOptions& options) {
  command.add_option("--model,-m", options.model, "llama2.c checkpoint (.bin)")->required();
  command.add_option("--tokenizer,-z", options.tokenizer, "llama2.c tokenizer (.bin)")->required();
  command.add_option("--dtype", options.dtype, "bf16 or f32")->capture_default_str();
  command.add_option("--threads", options.threads, "host threads")->capture_default_str();
}

Result<LoadedModel> load_model(const ModelOptions& o) {
  Result<Dtype> dtype = parse_dtype(o.dtype);
  if (!dtype.is_ok()) return invalid_argument("--dtype: " + dtype.status().message());
  if (o.threads < 1 || o.threads > 256) {
    return invalid_argument("--threads " + std::to_string(o.threads) + " is outside 1..256");
  }
  Result<kernels::Isa> cap = kernels::host_isa_cap();
  if (!cap.is_ok()) return cap.status();
  Result<models::LlamaRunner> runner = models::load_llama_runner(o.model, dtype.value(), cap.value());
  if (!runner.is_ok()) return runner.status();
  Result<io::Tokenizer> tokenizer = io::Tokenizer::load(o.tokenizer);
  if (!tokenizer.is_ok()) return tokenizer.status();
  const int model_vocab = runner.value().config().vocab_size;
  if (tokenizer.value().vocab_size() != model_vocab) {
    return format_error(o.tokenizer + ": vocabulary mismatch: tokenizer has " +
                        std::to_string(tokenizer.value().vocab_size()) + " tokens, model " +
                        o.model + " has " + std::to_string(model_vocab));
  }
  return LoadedModel{std::move(runner).value(), std::move(tokenizer).value(), dtype.value(),
                     cap.value()};
}

}  // namespace bfedge::cli
