// bfedge generate: text generation, stdout byte-compatible with llama2.c run.c.
#include <cmath>
#include <cstdio>
#include <ctime>
#include <memory>
#include <optional>
#include <string>

#include "bfedge/models/generate.hpp"
#include "cli_common.hpp"
#include "commands.hpp"

namespace bfedge::cli {
namespace {

struct GenerateOptions {
  ModelOptions model;
  std::optional<std::string> prompt;
  int steps = 256;
  float temperature = 1.0f;
  float topp = 0.9f;
  long long seed = 0;
};

int run_generate(const GenerateOptions& o) {
  if (!(o.temperature >= 0.0f) || std::isinf(o.temperature)) {
    return report_error("--temperature must be a finite value >= 0", kExitUsageError);
  }
  if (!std::isfinite(o.topp)) return report_error("--topp must be finite", kExitUsageError);
  if (o.prompt && o.prompt->empty()) {
    return report_error("--prompt: empty prompt (omit --prompt to start from BOS alone)",
                        kExitUsageError);
  }
  Result<LoadedModel> loaded = load_model(o.model);
  if (!loaded.is_ok()) return report_error(loaded.status());
  LoadedModel& m = loaded.value();
  const models::LlamaConfig& config = m.runner.config();

  Result<std::vector<int>> prompt_tokens =
      m.tokenizer.encode(o.prompt.value_or(""), /*bos=*/true, /*eos=*/false);
  if (!prompt_tokens.is_ok()) {
    return report_error(o.model.tokenizer + ": " + prompt_tokens.status().message());
  }
  if (Status s = models::validate_generation(config, prompt_tokens.value(), o.steps); !s.is_ok()) {
    return report_error(o.model.model + ": " + s.message(), kExitUsageError);
  }

  // run.c: a seed <= 0 means "seed from the clock".
  const auto seed = static_cast<std::uint64_t>(o.seed > 0 ? o.seed : std::time(nullptr));
  models::Sampler sampler(config.vocab_size, o.temperature, o.topp, seed);
  runtime::HostCluster cluster(o.model.threads);
  Result<models::GenerationResult> result =
      models::generate(m.runner, m.tokenizer, sampler, prompt_tokens.value(), o.steps, cluster,
                       [](std::string_view piece) {
                         std::fwrite(piece.data(), 1, piece.size(), stdout);
                         std::fflush(stdout);
                       });
  if (!result.is_ok()) return report_error(result.status());
  std::fputc('\n', stdout);
  std::fflush(stdout);
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
  cmd->add_option("-n,--steps", options->steps, "positions to run, prompt included (run.c -n)")
      ->capture_default_str();
  cmd->add_option("--temperature,-t", options->temperature, "0 = greedy")->capture_default_str();
  cmd->add_option("--topp,-p", options->topp, "nucleus sampling threshold")->capture_default_str();
  cmd->add_option("--seed,-s", options->seed, "RNG seed; <= 0 uses the clock")
      ->capture_default_str();
  return {cmd, [options] { return run_generate(*options); }};
}

}  // namespace bfedge::cli
