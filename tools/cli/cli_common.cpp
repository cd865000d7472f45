#include "cli_common.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "bfedge/kernels/host_isa.hpp"

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

bool looks_like_integer(std::string_view text) {
  if (!text.empty() && text.front() == '-') text.remove_prefix(1);
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string integer_option_error(std::string_view option, const std::string& text,
                                 const std::string& range) {
  if (looks_like_integer(text)) return std::string(option) + " " + text + " is outside " + range;
  return std::string(option) + " '" + text + "' is not an integer in " + range;
}

Result<float> parse_real(std::string_view option, const std::string& text, double lo, double hi,
                         const std::string& range) {
  double value = 0.0;
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, value);
  const bool number = ptr == end && !text.empty() &&
                      (error == std::errc() || error == std::errc::result_out_of_range);
  if (error == std::errc::result_out_of_range &&
      (text.find("e-") != std::string::npos || text.find("E-") != std::string::npos)) {
    error = std::errc();  // underflow (1e-400): zero, as strtod gives
    value = 0.0;
  }
  if (!number || std::isnan(value)) {
    return invalid_argument(std::string(option) + " '" + text + "' is not a number in " + range);
  }
  if (error != std::errc() || !(value >= lo && value <= hi) ||
      !std::isfinite(static_cast<float>(value))) {
    return invalid_argument(std::string(option) + " " + text + " is outside " + range);
  }
  return static_cast<float>(value);
}

CLI::Option* add_optional_int_option(CLI::App& command, const std::string& names,
                                     std::optional<int>& target, int lo, int hi,
                                     const std::string& help, const std::string& range) {
  return add_integer_option<int>(command, names, target, lo, hi, help, range);
}

void add_distillation_options(CLI::App& command, const std::string& model, DistillationOptions& o) {
  command.add_option("--init-from", o.init_from, "start from this " + model + " folder (a pruned student) instead of a "
                                                 "fresh model: its weights, config" + (model == "MobileBERT" ? " and vocab.txt" : ""));
  command.add_option("--teacher", o.teacher, "distill from this trained " + model + " folder (the same data and classes)");
  add_real_option(command, "--distill-weight", o.weight, 0.0, 1.0,
                  "with --teacher: the distillation term's weight (the labels' cross-entropy gets the rest)", "0..1")
      ->default_str("0.9");
  add_real_option(command, "--distill-temperature", o.temperature, 1e-3, 100.0, "with --teacher: softmax temperature",
                  "(0, 100]")->default_str("4");
}

CLI::Option* add_real_option(CLI::App& command, const std::string& names, float& target, double lo,
                             double hi, const std::string& help, const std::string& range) {
  const std::string option = names.substr(0, names.find(','));
  return command
      .add_option_function<std::string>(
          names,
          [&target, option, lo, hi, range](const std::string& text) {
            Result<float> value = parse_real(option, text, lo, hi, range);
            if (!value.is_ok()) throw CLI::ValidationError(value.status().message());
            target = value.value();
          },
          help + " (" + range + ")")
      ->type_name("FLOAT");
}

void add_model_options(CLI::App& command, ModelOptions& options) {
  command.add_option("--model,-m", options.model, "llama2.c checkpoint (.bin)")->required();
  command.add_option("--tokenizer,-z", options.tokenizer, "llama2.c tokenizer (.bin)")->required();
  command.add_option("--dtype", options.dtype, "bf16 or f32")->capture_default_str();
  add_integer_option(command, "--threads", options.threads, 1, kMaxThreads, "host threads")
      ->default_str(std::to_string(options.threads));
}

namespace {
std::vector<std::string>& stored_command_line() {
  static std::vector<std::string> args;
  return args;
}
}  // namespace

std::string with_commas(std::int64_t value) {
  std::string digits = std::to_string(value), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0 && digits[i - 1] != '-') out += ',';
    out += digits[i];
  }
  return out;
}

void set_command_line(int argc, char** argv) { stored_command_line().assign(argv, argv + argc); }
const std::vector<std::string>& command_line() { return stored_command_line(); }

Status check_file_name(std::string_view option, const std::string& path) {
  if (path.empty()) return invalid_argument(std::string(option) + ": empty file name");
  return Status::ok();
}

Result<LoadedModel> load_model(const ModelOptions& o) {
  BFEDGE_RETURN_IF_ERROR(check_file_name("--model", o.model));
  BFEDGE_RETURN_IF_ERROR(check_file_name("--tokenizer", o.tokenizer));
  Result<Dtype> dtype = parse_dtype(o.dtype);
  if (!dtype.is_ok()) return invalid_argument("--dtype: " + dtype.status().message());
  if (o.threads < 1 || o.threads > kMaxThreads) {
    return invalid_argument("--threads " + std::to_string(o.threads) + " is outside 1.." +
                            std::to_string(kMaxThreads));
  }
  Result<kernels::Isa> cap = kernels::host_isa_cap();
  if (!cap.is_ok()) return cap.status();
  Result<models::LlamaRunner> runner =
      models::load_llama_runner(o.model, dtype.value(), cap.value(), o.threads);
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

namespace bfedge::cli {

Result<std::vector<int>> encode_prompt(const LoadedModel& m, std::string_view prompt,
                                       int max_positions, const ModelOptions& files) {
  const std::string limit =
      std::to_string(max_positions) + " positions" +
      (max_positions == m.runner.config().seq_len ? " (the model's seq_len)" : "");
  // BOS, then the prompt with its dummy-prefix space, each token covering <= `longest` bytes.
  const auto longest = static_cast<std::size_t>(std::max(1, m.tokenizer.longest_piece_bytes()));
  const std::size_t min_tokens =
      prompt.empty() ? 1 : 1 + (prompt.size() + 1 + longest - 1) / longest;
  if (min_tokens > static_cast<std::size_t>(max_positions)) {
    return invalid_argument(files.model + ": prompt of " + std::to_string(prompt.size()) +
                            " bytes is at least " + std::to_string(min_tokens) +
                            " tokens, more than " + limit);
  }
  Result<std::vector<int>> tokens = m.tokenizer.encode(prompt, /*bos=*/true, /*eos=*/false);
  if (!tokens.is_ok()) return format_error(files.tokenizer + ": " + tokens.status().message());
  if (tokens.value().size() > static_cast<std::size_t>(max_positions)) {
    return invalid_argument(files.model + ": prompt is " + std::to_string(tokens.value().size()) +
                            " tokens, more than " + limit);
  }
  return tokens;
}

}  // namespace bfedge::cli
