// bfedge mcu run DIR: a project `bfedge deploy --out DIR` emitted, built for the host and for the
// MCU (its firmware/CMakeLists.txt with the RV32 toolchain), run on both — the host program on the
// host cluster, the firmware under QEMU with the counting plugin — and compared: the MCU's
// outputs against the host library's on the same embedded inputs (bit for bit, else their NMSE),
// with the modeled cycles per inference, MAC/cycle and the per-core counts.
#include <bit>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "bfedge/core/bf16.hpp"
#include "bfedge/deploy/target.hpp"
#include "bfedge/emulator/firmware_run.hpp"
#include "bfedge/io/file.hpp"
#include "bfedge/process/subprocess.hpp"
#include "bfedge/rv32/memory_map.h"
#include "cli_common.hpp"
#include "mcu_commands.hpp"
#include "mcu_report.hpp"

namespace bfedge::cli {
namespace {

namespace fs = std::filesystem;

struct McuRunOptions {
  std::string dir;
  bool json = false;
};

Result<std::string> read_text_file(const std::string& path, std::uint64_t limit) {
  Result<std::vector<std::byte>> bytes = io::read_file(path, limit);
  if (!bytes.is_ok()) return bytes.status();
  return std::string(reinterpret_cast<const char*>(bytes.value().data()), bytes.value().size());
}

// Runs a build or program step; its output tail names the failure.
Result<std::string> step(const std::vector<std::string>& argv, const std::string& what, bool capture = false) {
  process::SubprocessOptions o;
  o.argv = argv;
  o.output_tail_bytes = 4096;
  if (capture) o.capture_stdout_bytes = std::size_t{64} << 20;
  Result<process::SubprocessResult> ran = process::run_subprocess(o);
  if (!ran.is_ok()) return ran.status();
  if (!ran.value().succeeded()) {  // one line: the first compiler error, else the last line
    std::istringstream tail(ran.value().output_tail);
    std::string line, said;
    while (std::getline(tail, line)) {
      if (said.find("error") == std::string::npos && !line.empty()) said = line;
    }
    return io_error(what + " " + ran.value().how_it_ended() + (said.empty() ? "" : ": " + said));
  }
  return ran.value().stdout_text;
}

// The host program's outputs as float bits, in the order the firmware prints them: a decoder's
// ids, or every example's outputs.
Result<std::vector<std::uint32_t>> host_words(const std::string& text, bool decoder) {
  std::vector<std::uint32_t> words;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string tag;
    fields >> tag;
    if (decoder && tag == "ids") {
      for (long id; fields >> id;) words.push_back(static_cast<std::uint32_t>(id));
    } else if (!decoder && tag == "example") {
      std::string index, name;
      fields >> index >> name;
      for (float v; fields >> v;) words.push_back(std::bit_cast<std::uint32_t>(v));
    }
  }
  if (words.empty()) return format_error("the host program printed no outputs");
  return words;
}

struct Accuracy {
  std::size_t examples = 0, mcu_correct = 0, host_correct = 0, same_class = 0;
};

std::size_t argmax(const std::vector<std::uint32_t>& words, std::size_t first, std::size_t n) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < n; ++i) {
    if (std::bit_cast<float>(words[first + i]) > std::bit_cast<float>(words[first + best])) best = i;
  }
  return best;
}

// DIR/labels.json, which bfedge deploy writes for labelled inputs (none: no labels).
Result<std::vector<int>> read_labels(const std::string& dir) {
  const std::string path = dir + "/labels.json";
  if (!fs::exists(path)) return std::vector<int>{};
  Result<std::string> text = read_text_file(path, 1 << 20);
  if (!text.is_ok()) return text.status();
  const auto j = nlohmann::json::parse(text.value(), nullptr, false);
  if (!j.is_object() || !j.contains("labels") || !j["labels"].is_array() || j["labels"].empty()) {
    return format_error(path + ": not the labels bfedge deploy wrote ({\"labels\": [class, ...]})");
  }
  std::vector<int> labels;
  for (const auto& label : j["labels"]) {
    if (!label.is_number_integer() || label.get<long long>() < 0 || label.get<long long>() > 1 << 20) {
      return format_error(path + ": label " + std::to_string(labels.size()) + " is not a class number");
    }
    labels.push_back(label.get<int>());
  }
  return labels;
}

// Each example's outputs are its class scores: the MCU's and the host's argmax against the labels.
Result<Accuracy> labelled_accuracy(const std::vector<int>& labels, const std::vector<std::uint32_t>& mcu,
                                   const std::vector<std::uint32_t>& host) {
  Accuracy a;
  if (labels.empty()) return a;
  const std::size_t n = labels.size();
  if (mcu.size() % n != 0 || mcu.size() < n) {
    return format_error("labels.json: " + std::to_string(n) + " labels for " + std::to_string(mcu.size()) + " output values");
  }
  const std::size_t classes = mcu.size() / n;
  for (std::size_t e = 0; e < n; ++e) {
    const auto want = static_cast<std::size_t>(labels[e]);
    if (want >= classes) {
      return format_error("labels.json: label " + std::to_string(e) + " is not a class 0.." + std::to_string(classes - 1));
    }
    const std::size_t on_mcu = argmax(mcu, e * classes, classes), on_host = argmax(host, e * classes, classes);
    a.mcu_correct += on_mcu == want, a.host_correct += on_host == want, a.same_class += on_mcu == on_host;
  }
  a.examples = n;
  return a;
}

emulator::CycleModelParams params_of(const deploy::McuTarget& t) {
  emulator::CycleModelParams p;
  p.clock_hz = t.clock_hz, p.l1_load_stall = t.l1.access_cycles, p.l2_access_extra = t.l2.access_cycles;
  p.l3_access_extra = t.l3.access_cycles, p.taken_branch_extra = t.taken_branch_cycles;
  p.barrier_cycles = t.barrier_cycles, p.fork_join_cycles = t.fork_join_cycles;
  p.dma_bytes_per_cycle = t.dma_bytes_per_cycle, p.dma_cycles_per_transfer = t.dma_cycles_per_transfer;
  return p;
}

int run_mcu_run(const McuRunOptions& o) {
  const Result<emulator::FirmwareOptions> firmware = emulator::firmware_options();
  if (!firmware.is_ok()) return report_error(firmware.status());
  Result<std::string> plan_text = read_text_file(o.dir + "/plan.json", 1 << 20);
  if (!plan_text.is_ok()) return report_error(plan_text.status());
  const auto plan = nlohmann::json::parse(plan_text.value(), nullptr, false);
  if (!plan.is_object() || !plan.contains("family") || !plan.contains("macs") || !plan["macs"].is_number()) {
    return report_error(o.dir + "/plan.json: not a plan bfedge deploy wrote");
  }
  const bool decoder = plan["family"] == "llama";
  const Result<std::vector<int>> labels =  // an encoder's; checked before anything is built
      decoder ? Result<std::vector<int>>(std::vector<int>{}) : read_labels(o.dir);
  if (!labels.is_ok()) return report_error(labels.status());
  Result<deploy::McuTarget> target = deploy::load_target(o.dir + "/target.json");
  if (!target.is_ok()) return report_error(target.status());
  auto tools = emulator::find_firmware_tools();
  if (!tools.is_ok()) return report_error(tools.status());

  // Build both (the emitted CMake projects; nothing here goes through a shell).
  const std::string root = BFEDGE_SOURCE_ROOT;
  std::fprintf(stderr, "bfedge mcu run: building %s for the host and the MCU\n", o.dir.c_str());
  for (const auto& [argv, what] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"cmake", "-S", o.dir, "-B", o.dir + "/build", "-DCMAKE_BUILD_TYPE=Release"}, "configuring the host build"},
           {{"cmake", "--build", o.dir + "/build"}, "the host build"},
           {{"cmake", "-S", o.dir + "/firmware", "-B", o.dir + "/build-rv32", "-DCMAKE_BUILD_TYPE=Release",
             "-DCMAKE_TOOLCHAIN_FILE=" + root + "/cmake/toolchains/rv32imafc.cmake"},
            "configuring the firmware build"},
           {{"cmake", "--build", o.dir + "/build-rv32"}, "the firmware build"}}) {
    if (Result<std::string> s = step(argv, what); !s.is_ok()) return report_error(s.status());
  }
  Result<std::string> host_out = step({o.dir + "/build/model_host"}, "the host program", true);
  if (!host_out.is_ok()) return report_error(host_out.status());
  Result<std::vector<std::uint32_t>> host = host_words(host_out.value(), decoder);
  if (!host.is_ok()) return report_error(o.dir + "/build/model_host: " + host.status().message());

  emulator::FirmwareTools t = tools.value();
  t.firmware = o.dir + "/build-rv32/model_mcu.elf", t.symbols = o.dir + "/build-rv32/model_mcu.syms";
  Result<std::vector<std::byte>> weights = io::read_file(o.dir + "/weights.bin", std::uint64_t{BFEDGE_MCU_L3_BYTES});
  if (!weights.is_ok()) return report_error(weights.status());
  const auto* w = reinterpret_cast<const unsigned char*>(weights.value().data());
  std::fprintf(stderr, "bfedge mcu run: running the firmware under QEMU\n");
  auto run = emulator::run_firmware(t, std::vector<unsigned char>(w, w + weights.value().size()), firmware.value());
  if (!run.is_ok()) return report_error(run.status());
  const emulator::FirmwareResult& r = run.value();

  // The MCU's words: a decoder prints the first token, then one id per position.
  std::vector<std::uint32_t> mcu = r.out;
  if (decoder && !mcu.empty()) mcu.erase(mcu.begin());
  if (mcu.size() != host.value().size()) {
    return report_error("the MCU printed " + std::to_string(mcu.size()) + " values, the host " +
                        std::to_string(host.value().size()));
  }
  std::size_t exact = 0;
  double error = 0, energy = 0;
  for (std::size_t i = 0; i < mcu.size(); ++i) {
    exact += mcu[i] == host.value()[i];
    if (!decoder) {
      const double a = std::bit_cast<float>(mcu[i]), b = std::bit_cast<float>(host.value()[i]);
      error += (a - b) * (a - b), energy += b * b;
    }
  }
  const double nmse = energy > 0 ? error / energy : (error > 0 ? INFINITY : 0);
  Result<Accuracy> accuracy = labelled_accuracy(labels.value(), mcu, host.value());
  if (!accuracy.is_ok()) return report_error(accuracy.status());
  const bool equal = exact == mcu.size() || (!decoder && nmse <= 1e-6);

  const emulator::CycleModelParams params = params_of(target.value());
  double cycles = 0;
  std::vector<emulator::Phase> all;
  for (const emulator::Window& window : r.windows) {
    const std::vector<emulator::Phase> phases = emulator::window_phases(r, window);
    cycles += emulator::model_phases(phases, params).cluster_cycles;
    all.insert(all.end(), phases.begin(), phases.end());
  }
  const double inferences = static_cast<double>(std::max<std::size_t>(r.windows.size(), 1));
  const double macs = plan["macs"].get<double>();  // the plan's (a decoder: at its last position)
  const emulator::ModelReport total = emulator::model_phases(all, params);
  char nmse_text[32];
  std::snprintf(nmse_text, sizeof nmse_text, "%.2e", nmse);
  const std::string outputs = exact == mcu.size() ? "identical to the host library's (bit for bit)"
                                                  : std::to_string(exact) + " of " + std::to_string(mcu.size()) +
                                                        " values bit-exact, NMSE " + nmse_text;
  std::printf("%s: %s on %s, %d cores: %zu %s on the MCU\n", o.dir.c_str(), plan["model"].get<std::string>().c_str(),
              target.value().name.c_str(), target.value().cores, r.windows.size(), decoder ? "decoder steps" : "inferences");
  std::printf("outputs: %s%s\n", outputs.c_str(), equal ? "" : " — DIFFERENT");
  std::printf("modeled cycles per %s: %.0f (%.1f us at %.0f MHz); %.3f MAC/cycle%s\n", decoder ? "token" : "inference",
              cycles / inferences, cycles / inferences / params.clock_hz * 1e6, params.clock_hz / 1e6,
              macs / (cycles / inferences), decoder ? " (MACs at the last position)" : "");
  const Accuracy& a = accuracy.value();
  if (a.examples > 0) {
    std::printf("accuracy on the %zu labelled inputs: MCU %zu of %zu (%.2f %%), host library %zu of %zu (%.2f %%); "
                "%zu of %zu get the same class on both\n", a.examples, a.mcu_correct, a.examples,
                100.0 * static_cast<double>(a.mcu_correct) / static_cast<double>(a.examples), a.host_correct, a.examples,
                100.0 * static_cast<double>(a.host_correct) / static_cast<double>(a.examples), a.same_class, a.examples);
  }
  print_mcu_cores("all runs", total, params);
  if (o.json) {
    nlohmann::ordered_json j;
    j["dir"] = o.dir;
    j["inferences"] = r.windows.size();
    j["outputs_bit_exact"] = exact;
    j["outputs"] = mcu.size();
    j["nmse"] = nmse;
    j["equal"] = equal;
    if (a.examples > 0) {
      j["labelled_inputs"] = a.examples;
      j["mcu_correct"] = a.mcu_correct;
      j["host_correct"] = a.host_correct;
      j["same_class"] = a.same_class;
    }
    j["modeled_cycles_per_inference"] = cycles / inferences;
    j["mac_per_cycle"] = macs / (cycles / inferences);
    j["total"] = mcu_report_json(total, params);
    j["cycle_model"] = cycle_model_json(params);
    std::fprintf(stderr, "%s\n", j.dump(2).c_str());
  }
  return equal ? 0 : 1;
}

}  // namespace

void add_mcu_run_command(CLI::App& mcu_cmd, std::function<int()>& run) {
  auto o = std::make_shared<McuRunOptions>();
  CLI::App* cmd = mcu_cmd.add_subcommand("run", "Build a project bfedge deploy emitted, run it on the MCU and compare with the host");
  cmd->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  cmd->add_option("dir", o->dir, "the folder bfedge deploy --out wrote")->required();
  cmd->add_flag("--json", o->json, "also print one JSON object (stderr) with the numbers");
  run = [o] { return run_mcu_run(*o); };
}

}  // namespace bfedge::cli
