// bfedge mcu bench mhsa: the MHSA kernels on the emulated MCU (QEMU + counting plugin + cycle
// model): the naive FP32 port on one core with its data in (modeled) L2, the tiled BF16 variant on
// N cores with operands in place, and the fused MCU kernel with L1 tiles and overlapped DMA.
// Every result is checked against the host reference before any number is printed as verified.
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "bfedge/core/nmse.hpp"
#include "bfedge/kernels/host_call.hpp"
#include "bfedge/kernels/rv32.hpp"
#include "bfedge/kernels/mhsa.hpp"
#include "bfedge/emulator/firmware_run.hpp"
#include "bfedge/rv32/job.hpp"
#include "bfedge/rv32/memory_map.h"
#include "bfedge/emulator/mhsa_image.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include "mcu_commands.hpp"
#include "mcu_report.hpp"

namespace bfedge::cli {
namespace {

struct McuBenchOptions {
  int seq = 64, embed = 512, heads = 4, cores = BFEDGE_MCU_WORKERS;
  bool causal = false, json = false;
  int l1_kib = 0;  // 0: the firmware's whole L1 arena
  unsigned seed = 1;
};

template <class T>
kernels::MhsaArgs<T> host_args(const emulator::MhsaProblem& p, const std::vector<T>& x, const std::vector<T>& wi,
                               const std::vector<T>& bi, const std::vector<T>& wo, const std::vector<T>& bo,
                               std::vector<T>& y) {
  kernels::MhsaArgs<T> a;
  a.seq = p.seq, a.embed = p.embed, a.heads = p.heads, a.causal = p.causal;
  a.x = x.data(), a.in_proj_weight = wi.data(), a.in_proj_bias = bi.data(), a.out_proj_weight = wo.data();
  a.out_proj_bias = bo.data(), a.y = y.data();
  return a;
}

std::vector<float> widen(const std::vector<bf16>& v) {
  std::vector<float> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = to_f32(v[i]);
  return out;
}

// Host references: the BF16 oracle (mhsa__ref) and the FP32 naive port, on the same operands.
struct References {
  std::vector<float> bf16_oracle, naive_port;
};
References host_references(const emulator::MhsaProblem& p) {
  References r;
  std::vector<bf16> y(static_cast<std::size_t>(p.seq) * p.embed);
  runtime::HostCluster one(1);
  kernels::PreparedCall<kernels::MhsaParams>(
      kernels::mhsa_variants().front(),
      host_args(p, p.x, p.in_proj_weight, p.in_proj_bias, p.out_proj_weight, p.out_proj_bias, y), 1)
      .run(one);
  r.bf16_oracle = widen(y);
  const auto x = widen(p.x), wi = widen(p.in_proj_weight), bi = widen(p.in_proj_bias);
  const auto wo = widen(p.out_proj_weight), bo = widen(p.out_proj_bias);
  std::vector<float> yf(y.size());
  kernels::PreparedCall<kernels::MhsaF32Params>(kernels::mhsa_f32_variants().front(),
                                                host_args(p, x, wi, bi, wo, bo, yf), 1)
      .run(one);
  r.naive_port = yf;
  return r;
}

std::vector<float> decode(const std::vector<std::uint32_t>& words, bool f32) {
  std::vector<float> out(words.size());
  for (std::size_t i = 0; i < words.size(); ++i) {
    out[i] = f32 ? std::bit_cast<float>(words[i]) : to_f32(bf16_from_bits(static_cast<std::uint16_t>(words[i])));
  }
  return out;
}

// Bytes as KiB with one decimal when not whole ("110.7 KiB"), so a limit and a value never print alike.
std::string kib(std::size_t bytes) {
  if (bytes % 1024 == 0) return std::to_string(bytes / 1024) + " KiB";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f KiB", static_cast<double>(bytes) / 1024.0);
  return text;
}

struct KernelRun {
  const char* name;
  rv32::MhsaKernel kernel;
  emulator::ModelReport report;
  double nmse = 0, tolerance = 0;
  bool verified = false;
};

Status run_kernel(const emulator::FirmwareTools& tools, const emulator::FirmwareOptions& options, const emulator::MhsaProblem& problem,
                  const References& refs, int cores, std::uint32_t l1_budget, const emulator::CycleModelParams& params,
                  KernelRun& run) {
  const bool naive = run.kernel == rv32::MhsaKernel::naive;
  auto result = emulator::run_firmware(tools, emulator::mhsa_image(problem, run.kernel, naive ? 1 : cores, l1_budget), options);
  if (!result.is_ok()) return result.status();
  const emulator::FirmwareResult& r = result.value();
  if (r.windows.size() != 1) return format_error("the MCU firmware reported no measured run");
  const std::size_t outputs = static_cast<std::size_t>(problem.seq) * problem.embed;
  if (r.out.size() != outputs) return format_error("the MCU firmware returned the wrong number of outputs");
  // Naive: FP32 port vs the host's FP32 port (FMA contraction on RV32 only). Others: the BF16 oracle
  // with the MHSA tolerance of docs/kernels.md.
  run.tolerance = naive ? 1e-8 : 2e-4;
  run.nmse = nmse(decode(r.out, naive), naive ? refs.naive_port : refs.bf16_oracle);
  run.verified = run.nmse < run.tolerance;
  std::vector<emulator::Phase> phases = emulator::window_phases(r, r.windows[0]);
  if (run.kernel != rv32::MhsaKernel::fused) emulator::charge_external_as_l2(phases);
  run.report = emulator::model_phases(phases, params);
  return Status::ok();
}

int run_mcu_bench_mhsa(const McuBenchOptions& o) {
  // The options' own ranges are checked while parsing (add_integer_option).
  if (o.embed % o.heads != 0) {
    return report_error("--heads " + std::to_string(o.heads) + " does not divide --embed " + std::to_string(o.embed),
                        kExitUsageError);
  }
  const Result<emulator::FirmwareOptions> firmware = emulator::firmware_options();
  if (!firmware.is_ok()) return report_error(firmware.status());
  auto tools = emulator::find_firmware_tools();
  if (!tools.is_ok()) return report_error(tools.status());
  auto arenas = emulator::firmware_arenas(tools.value());
  if (!arenas.is_ok()) return report_error(arenas.status());
  const std::size_t l1_budget = o.l1_kib > 0 ? static_cast<std::size_t>(o.l1_kib) * 1024 : arenas.value().l1;
  if (l1_budget > arenas.value().l1) {
    return report_error("--l1-kib " + std::to_string(o.l1_kib) + " exceeds the firmware's L1 arena (" +
                            kib(arenas.value().l1) + ")",
                        kExitUsageError);
  }
  // Build time: the plan must fit before anything is run.
  const kernels::DmaMhsaPlan plan = kernels::plan_mhsa_mcu(o.seq, o.embed, o.heads, o.cores, l1_budget);
  if (!plan.ok) {
    return report_error("MHSA L=" + std::to_string(o.seq) + " E=" + std::to_string(o.embed) + " does not fit: " +
                        plan.reason + " (" + kib(l1_budget) + ")");
  }
  if (const std::size_t phases = kernels::mhsa_dma_phase_bound(plan, o.seq, o.embed, o.heads); phases > rv32::kDmaLogEntries) {
    return report_error("MHSA L=" + std::to_string(o.seq) + " E=" + std::to_string(o.embed) + " does not fit: its " +
                        std::to_string(phases) + " phases exceed the firmware's DMA log (" +
                        std::to_string(rv32::kDmaLogEntries) + " phases a run)");
  }
  const std::size_t l2_needed = plan.l2_bytes + static_cast<std::size_t>(o.seq) * o.embed * 6;
  if (l2_needed > arenas.value().l2) {
    return report_error("MHSA L=" + std::to_string(o.seq) + " E=" + std::to_string(o.embed) +
                        " does not fit: its L2 workspace and output need " + kib(l2_needed) + ", the firmware leaves " +
                        kib(arenas.value().l2) + " of L2");
  }
  const emulator::MhsaProblem problem = emulator::random_mhsa_problem(o.seq, o.embed, o.heads, o.causal, o.seed);
  const std::size_t image_bytes = emulator::mhsa_image(problem, rv32::MhsaKernel::naive, 1, 0).size();
  if (image_bytes * 2 > static_cast<std::size_t>(BFEDGE_MCU_L3_BYTES)) {
    return report_error("MHSA L=" + std::to_string(o.seq) + " E=" + std::to_string(o.embed) +
                        " does not fit: the naive port's operands and workspace exceed L3");
  }
  const References refs = host_references(problem);
  const emulator::CycleModelParams params;
  KernelRun runs[] = {{"naive (FP32 port, 1 core, data in L2)", rv32::MhsaKernel::naive, {}, 0, 0, false},
                      {"tiled (BF16, blocked, operands in L2)", rv32::MhsaKernel::tiled, {}, 0, 0, false},
                      {"fused (BF16, L1 tiles, DMA overlapped)", rv32::MhsaKernel::fused, {}, 0, 0, false}};
  for (KernelRun& run : runs) {
    const Status status = run_kernel(tools.value(), firmware.value(), problem, refs, o.cores,
                                     static_cast<std::uint32_t>(l1_budget), params, run);
    if (!status.is_ok()) return report_error(status);
  }
  const emulator::ModelReport& naive = runs[0].report;
  const auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
  nlohmann::ordered_json j;
  j["seq"] = o.seq, j["embed"] = o.embed, j["heads"] = o.heads, j["causal"] = o.causal, j["cores"] = o.cores;
  j["l1_budget_bytes"] = l1_budget;
  bool verified = true;
  for (const KernelRun& run : runs) verified = verified && run.verified;
  j["verified"] = verified;
  const emulator::ModelReport& fused = runs[2].report;
  j["speedup_modeled_fused_vs_naive"] = ratio(naive.cluster_cycles, fused.cluster_cycles);
  j["speedup_instructions_fused_vs_naive"] = ratio(double(naive.max_core_work), double(fused.max_core_work));
  j["speedup_modeled_tiled_vs_naive"] = ratio(naive.cluster_cycles, runs[1].report.cluster_cycles);
  j["speedup_instructions_tiled_vs_naive"] = ratio(double(naive.max_core_work), double(runs[1].report.max_core_work));
  j["per_core"] = mcu_report_json(fused, params)["per_core"];
  for (const KernelRun& run : runs) {
    nlohmann::ordered_json k = mcu_report_json(run.report, params);
    k["verified"] = run.verified;
    k["nmse"] = run.nmse;
    k["tolerance"] = run.tolerance;
    j[run.kernel == rv32::MhsaKernel::naive ? "naive" : run.kernel == rv32::MhsaKernel::tiled ? "tiled" : "fused"] = k;
  }
  j["cycle_model"] = cycle_model_json(params);
  if (o.json) {
    std::printf("%s\n", j.dump(2).c_str());
    return verified ? 0 : 1;
  }
  std::printf("MCU MHSA L=%d E=%d H=%d%s on the emulated RV32 cluster (%d cores, L1 budget %s)\n", o.seq, o.embed,
              o.heads, o.causal ? " causal" : "", o.cores, kib(l1_budget).c_str());
  for (const KernelRun& run : runs) {
    std::printf("\n");
    print_mcu_cores(run.name, run.report, params);
    std::printf("  check vs host %s: nmse %.3g (tolerance %.0e) %s\n",
                run.kernel == rv32::MhsaKernel::naive ? "FP32 port" : "mhsa__ref", run.nmse, run.tolerance,
                run.verified ? "ok" : "FAILED");
  }
  std::printf("\nspeedup over naive    modeled cycles   instructions (busiest core)\n");
  std::printf("  tiled                %8.1fx          %8.1fx\n", j["speedup_modeled_tiled_vs_naive"].get<double>(),
              j["speedup_instructions_tiled_vs_naive"].get<double>());
  std::printf("  fused                %8.1fx          %8.1fx\n", j["speedup_modeled_fused_vs_naive"].get<double>(),
              j["speedup_instructions_fused_vs_naive"].get<double>());
  std::printf("verified: %s\n", verified ? "yes" : "NO");
  return verified ? 0 : 1;
}

}  // namespace

void add_mcu_bench_command(CLI::App& mcu_cmd, std::function<int()>& run) {
  auto o = std::make_shared<McuBenchOptions>();
  CLI::App* bench = mcu_cmd.add_subcommand("bench", "Run kernels on the emulated MCU and model their cycles");
  bench->require_subcommand(1);
  CLI::App* mhsa = bench->add_subcommand("mhsa", "naive FP32 port vs tiled vs fused MHSA on the MCU");
  mhsa->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  add_integer_option(*mhsa, "--seq", o->seq, 1, 65536, "sequence length L")->default_str(std::to_string(o->seq));
  add_integer_option(*mhsa, "--embed", o->embed, 1, 65536, "embedding width E")->default_str(std::to_string(o->embed));
  add_integer_option(*mhsa, "--heads", o->heads, 1, 65536, "heads H, dividing E")->default_str(std::to_string(o->heads));
  add_integer_option(*mhsa, "--cores", o->cores, 1, BFEDGE_MCU_WORKERS, "worker cores for tiled and fused")
      ->default_str(std::to_string(o->cores));
  add_integer_option(*mhsa, "--l1-kib", o->l1_kib, 1, 1 << 20,
                     "L1 budget for the fused tiles (default: all of the L1 arena)");
  add_integer_option(*mhsa, "--seed", o->seed, 0u, 4294967295u, "seed of the random operands")
      ->default_str(std::to_string(o->seed));
  mhsa->add_flag("--causal", o->causal, "causal mask");
  mhsa->add_flag("--json", o->json, "print one JSON object");
  run = [o, mhsa]() { return mhsa->parsed() ? run_mcu_bench_mhsa(*o) : report_error("unknown mcu bench", kExitUsageError); };
}

}  // namespace bfedge::cli
