// bfedge mcu generate: greedy generation with a llama2.c checkpoint on the emulated MCU. The
// firmware runs every forward pass and the argmax; the host prints the text (stdout, as bfedge
// generate does) and, on stderr, the modeled cycles per token, tokens/s at the cluster clock, the
// cluster's MAC/cycle, and whether the token ids equal the host BF16 path's.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "bfedge/emulator/firmware_run.hpp"
#include "bfedge/rv32/job.hpp"
#include "bfedge/emulator/llama_image.hpp"
#include "bfedge/rv32/memory_map.h"
#include "bfedge/models/generate.hpp"
#include "bfedge/models/llama_checkpoint.hpp"
#include "bfedge/models/sampler.hpp"
#include "cli_common.hpp"
#include "mcu_commands.hpp"
#include "mcu_report.hpp"

namespace bfedge::cli {
namespace {

struct McuGenerateOptions {
  ModelOptions model;
  std::optional<std::string> prompt;
  int steps = 64;
  int cores = BFEDGE_MCU_WORKERS;
  bool json = false;
};

// Multiply-adds of one forward pass at `pos`: every matvec, plus attention's q·k and p·v.
double macs_per_token(const models::LlamaConfig& c, int pos) {
  const double layer = 2.0 * c.dim * c.dim + 2.0 * c.kv_dim() * c.dim + 3.0 * c.hidden_dim * c.dim;
  const double attention = 2.0 * c.n_heads * c.head_size() * (pos + 1);
  return c.n_layers * (layer + attention) + static_cast<double>(c.vocab_size) * c.dim;
}

// The host BF16 path, greedy, for the comparison of ids: at most the portable kernels, whose
// arithmetic the MCU kernels reproduce bit for bit (AVX-512 BF16 dot products round differently,
// and a near-tie hundreds of tokens in can then pick another id).
Result<std::vector<int>> host_ids(LoadedModel& bf16, const std::string& model_path, const std::vector<int>& prompt,
                                  int steps) {
  std::optional<models::LlamaRunner> portable;
  if (bf16.isa_cap > kernels::Isa::portable) {
    auto runner = models::load_llama_runner(model_path, Dtype::bf16, kernels::Isa::portable, 1);
    if (!runner.is_ok()) return runner.status();
    portable.emplace(std::move(runner).value());
  }
  models::LlamaRunner& runner = portable ? *portable : bf16.runner;
  models::Sampler greedy(runner.config().vocab_size, 0.0f, 0.9f, 1);
  runtime::HostCluster cluster(1);
  auto result = models::generate(runner, bf16.tokenizer, greedy, prompt, steps, cluster, [](std::string_view) {});
  if (!result.is_ok()) return result.status();
  return result.value().ids;
}

int run_mcu_generate(const McuGenerateOptions& o) {
  if (o.prompt && o.prompt->empty()) return report_error("--prompt: empty prompt (omit it to start from BOS)", kExitUsageError);
  const Result<emulator::FirmwareOptions> firmware = emulator::firmware_options();
  if (!firmware.is_ok()) return report_error(firmware.status());
  Result<LoadedModel> loaded = load_model(o.model);  // BF16: validates the files, and is the host path compared with
  if (!loaded.is_ok()) return report_error(loaded.status());
  const models::LlamaConfig config = loaded.value().runner.config();
  // The length checks come before any work: tokenizing, planning, loading the image.
  if (o.steps < 1 || o.steps > config.seq_len) {
    return report_error(o.model.model + ": -n " + std::to_string(o.steps) + " is outside 1.." +
                            std::to_string(config.seq_len) + " (the model's seq_len)",
                        kExitUsageError);
  }
  Result<std::vector<int>> prompt = encode_prompt(loaded.value(), o.prompt.value_or(""), config.seq_len, o.model);
  if (!prompt.is_ok()) return report_error(prompt.status());
  if (Status s = models::validate_generation(config, prompt.value(), o.steps); !s.is_ok()) {
    return report_error(o.model.model + ": " + s.message(), kExitUsageError);
  }
  auto tools = emulator::find_firmware_tools();
  if (!tools.is_ok()) return report_error(tools.status());
  auto arenas = emulator::firmware_arenas(tools.value());
  if (!arenas.is_ok()) return report_error(arenas.status());
  // Build time: the plan must fit before anything runs.
  auto plan = emulator::plan_llama_mcu(config, o.steps, o.cores, arenas.value().l1, arenas.value().l2, BFEDGE_MCU_L3_BYTES);
  if (!plan.is_ok()) return report_error(o.model.model + ": " + plan.status().message());
  auto checkpoint = models::load_llama<bf16>(o.model.model);
  if (!checkpoint.is_ok()) return report_error(checkpoint.status());
  const auto image = emulator::llama_image(config, checkpoint.value().weights, plan.value(), prompt.value(), o.steps, o.cores,
                                      io::kBosToken);
  auto run = emulator::run_firmware(tools.value(), image, firmware.value());
  if (!run.is_ok()) return report_error(run.status());
  const emulator::FirmwareResult& r = run.value();
  std::vector<int> ids(r.out.begin(), r.out.end());
  if (ids.size() < 2 || r.windows.size() + 1 != ids.size()) {
    return report_error("the MCU firmware returned " + std::to_string(ids.size()) + " ids for " +
                        std::to_string(r.windows.size()) + " forward passes");
  }
  const io::Tokenizer& tokenizer = loaded.value().tokenizer;
  for (std::size_t i = 1; i < ids.size(); ++i) {
    if (ids[i] < 0 || ids[i] >= config.vocab_size) return report_error("the MCU firmware returned an id outside the vocabulary");
    if (ids[i] == io::kBosToken) break;
    const std::string_view piece = tokenizer.decode(ids[i - 1], ids[i]);
    if (io::is_printable_piece(piece)) std::fwrite(piece.data(), 1, piece.size(), stdout);
  }
  std::fputc('\n', stdout);
  std::fflush(stdout);

  const emulator::CycleModelParams params;
  double cycles = 0, macs = 0;
  std::uint64_t instructions = 0;
  std::vector<emulator::Phase> all;  // every token's phases, for the run's per-core totals (--json)
  for (std::size_t t = 0; t < r.windows.size(); ++t) {
    const std::vector<emulator::Phase> phases = emulator::window_phases(r, r.windows[t]);
    const emulator::ModelReport token = emulator::model_phases(phases, params);
    cycles += token.cluster_cycles;
    instructions += token.max_core_work;
    macs += macs_per_token(config, static_cast<int>(t));
    if (o.json) all.insert(all.end(), phases.begin(), phases.end());
  }
  const auto passes = static_cast<double>(r.windows.size());
  auto host = host_ids(loaded.value(), o.model.model, prompt.value(), o.steps);
  if (!host.is_ok()) return report_error(host.status());
  const bool identical = host.value() == ids;
  const int generated = static_cast<int>(ids.size()) - static_cast<int>(prompt.value().size());
  std::fprintf(stderr,
               "bfedge mcu: %zu prompt tokens, %d generated tokens on %d cores; modeled %.0f cycles/token = %.0f tok/s "
               "at %.0f MHz; %.2f MAC/cycle; busiest core %.0f instructions/token; ids %s the host bf16 path (%s kernels)\n",
               prompt.value().size(), generated, o.cores, cycles / passes, params.clock_hz * passes / cycles,
               params.clock_hz / 1e6, macs / cycles, static_cast<double>(instructions) / passes,
               identical ? "identical to" : "DIFFER from",
               kernels::isa_name(std::min(loaded.value().isa_cap, kernels::Isa::portable)));
  if (o.json) {
    nlohmann::ordered_json j;
    j["ids"] = ids;
    j["host_bf16_ids"] = host.value();
    j["ids_identical_to_host_bf16"] = identical;
    j["forward_passes"] = r.windows.size();
    j["modeled_cycles_per_token"] = cycles / passes;
    j["tokens_per_second"] = params.clock_hz * passes / cycles;
    j["mac_per_cycle"] = macs / cycles;
    j["instructions_per_token_busiest_core"] = static_cast<double>(instructions) / passes;
    j["weights_in_l2"] = plan.value().weights_in_l2;
    j["weights_bytes"] = plan.value().weights_bytes;
    j["chunk_bytes"] = plan.value().chunk_bytes;
    j["l1_bytes"] = plan.value().l1_bytes;
    j["total"] = mcu_report_json(emulator::model_phases(all, params), params);
    j["cycle_model"] = cycle_model_json(params);
    std::fprintf(stderr, "%s\n", j.dump(2).c_str());
  }
  return identical ? 0 : 1;
}

}  // namespace

void add_mcu_generate_command(CLI::App& mcu_cmd, std::function<int()>& run) {
  auto o = std::make_shared<McuGenerateOptions>();
  CLI::App* cmd = mcu_cmd.add_subcommand("generate", "Greedy generation with a llama2.c checkpoint on the MCU");
  cmd->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  // The MCU runs BF16 on its own cores: no --dtype or --threads here.
  cmd->add_option("--model,-m", o->model.model, "llama2.c checkpoint (.bin)")->required();
  cmd->add_option("--tokenizer,-z", o->model.tokenizer, "llama2.c tokenizer (.bin)")->required();
  cmd->add_option("--prompt,-i", o->prompt, "prompt text (default: start from BOS)");
  add_integer_option(*cmd, "-n,--steps", o->steps, 1, static_cast<int>(rv32::kMaxLlamaSteps),
                     "positions to run, prompt included (run.c -n; at most the model's seq_len)")
      ->default_str(std::to_string(o->steps));
  add_integer_option(*cmd, "--cores", o->cores, 1, BFEDGE_MCU_WORKERS, "worker cores")->default_str(std::to_string(o->cores));
  cmd->add_flag("--json", o->json, "also print one JSON object (stderr) with ids and the model's numbers");
  run = [o] { return run_mcu_generate(*o); };
}

}  // namespace bfedge::cli
