// bfedge generate: text generation, stdout byte-compatible with llama2.c run.c.
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include "bfedge/models/generate.hpp"
#include "cli_common.hpp"
#include "commands.hpp"

namespace bfedge::cli {
namespace {

constexpr double kMaxTemperature = 3.4e38;  // below FLT_MAX: any larger float is infinite

struct GenerateOptions {
  ModelOptions model;
  std::optional<std::string> prompt;
  std::optional<int> steps;  // default: min(256, seq_len), as run.c
  float temperature = 1.0f;
  float topp = 0.9f;
  std::uint64_t seed = 0;  // 0: from the clock, as run.c
};

int run_generate(const GenerateOptions& o) {
  std::uint64_t seed = o.seed;
  if (o.prompt && o.prompt->empty()) {
    return report_error("--prompt: empty prompt (omit --prompt to start from BOS alone)",
                        kExitUsageError);
  }
  Result<LoadedModel> loaded = load_model(o.model);
  if (!loaded.is_ok()) return report_error(loaded.status());
  LoadedModel& m = loaded.value();
  const models::LlamaConfig& config = m.runner.config();
  const int steps = o.steps.value_or(std::min(256, config.seq_len));
  Result<std::vector<int>> prompt_tokens =
      encode_prompt(m, o.prompt.value_or(""), config.seq_len, o.model);
  if (!prompt_tokens.is_ok()) return report_error(prompt_tokens.status());
  if (Status s = models::validate_generation(config, prompt_tokens.value(), steps); !s.is_ok()) {
    return report_error(o.model.model + ": " + s.message(), kExitUsageError);
  }

  // run.c: seed 0 means "seed from the clock".
  if (seed == 0) seed = static_cast<std::uint64_t>(std::time(nullptr));
  models::Sampler sampler(config.vocab_size, o.temperature, o.topp, seed);
  runtime::HostCluster cluster(o.model.threads);
  // Stream token by token to a terminal; pipes and files get ordinary stdio buffering.
  const bool interactive = isatty(fileno(stdout)) != 0;
  Result<models::GenerationResult> result =
      models::generate(m.runner, m.tokenizer, sampler, prompt_tokens.value(), steps, cluster,
                       [interactive](std::string_view piece) {
                         std::fwrite(piece.data(), 1, piece.size(), stdout);
                         if (interactive) std::fflush(stdout);
                       });
  if (!result.is_ok()) return report_error(o.model.model + ": " + result.status().message());
  std::fputc('\n', stdout);
  if (Status s = flush_stdout(); !s.is_ok()) return report_error(s);
  const models::GenerationResult& r = result.value();
  std::fprintf(stderr,
               "bfedge: %d prompt tokens, %d generated tokens, %.1f tok/s (%d forward passes in "
               "%.3f ms, %s, %d thread%s)\n",
               r.prompt_tokens, r.generated_tokens, r.forward_passes / r.seconds, r.forward_passes,
               r.seconds * 1e3, dtype_name(m.dtype), o.model.threads,
               o.model.threads == 1 ? "" : "s");
  return 0;
}

}  // namespace

Command add_generate_command(CLI::App& app) {
  auto options = std::make_shared<GenerateOptions>();
  CLI::App* cmd = app.add_subcommand("generate", "Generate text with a llama2.c checkpoint");
  cmd->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // last wins
  add_model_options(*cmd, options->model);
  cmd->add_option("--prompt,-i", options->prompt, "prompt text (default: start from BOS)");
  add_optional_int_option(*cmd, "-n,--steps", options->steps, 1, std::numeric_limits<int>::max(),
                          "positions to run, prompt included, as run.c -n; default min(256, seq_len)",
                          "1..seq_len");
  add_real_option(*cmd, "--temperature,-t", options->temperature, 0.0, kMaxTemperature,
                  "0 = greedy", "[0, 3.4e38]")
      ->default_str("1.0");
  // run.c silently replaces a top-p outside [0, 1] with 0.9; bfedge says so instead.
  add_real_option(*cmd, "--topp,-p", options->topp, 0.0, 1.0,
                  "nucleus sampling threshold; 0 or 1 sample from the whole distribution",
                  "[0, 1]")
      ->default_str("0.9");
  add_integer_option<std::uint64_t>(*cmd, "--seed,-s", options->seed, 0,
                                    std::numeric_limits<std::uint64_t>::max(),
                                    "RNG seed; 0 seeds from the clock")
      ->default_str("0");
  return {cmd, [options] { return run_generate(*options); }};
}

}  // namespace bfedge::cli
