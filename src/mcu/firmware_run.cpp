#include "bfedge/mcu/firmware_run.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "bfedge/io/file.hpp"
#include "bfedge/mcu/memory_map.h"

namespace bfedge::mcu {
namespace {

namespace fs = std::filesystem;

std::string from_env_or(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

std::string hex(std::uint64_t v) {
  std::ostringstream out;
  out << std::hex << v;
  return out.str();
}

std::string shell_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

Result<std::map<std::string, std::uint64_t>> read_symbols(const std::string& path) {
  std::ifstream in(path);
  if (!in) return io_error(path + ": cannot read the firmware's symbol table");
  std::map<std::string, std::uint64_t> symbols;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string addr, type, name;
    if (fields >> addr >> type >> name) symbols[name] = std::stoull(addr, nullptr, 16);
  }
  for (const char* needed : {"__idle_start", "__idle_end", "bfedge_rv32_mark_fork", "bfedge_rv32_mark_barrier",
                             "bfedge_rv32_mark_join"}) {
    if (symbols.count(needed) == 0) return format_error(path + ": symbol " + needed + " is missing");
  }
  return symbols;
}

struct TempDir {
  std::string path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "bfedge-mcu-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path.empty() && from_env_or("BFEDGE_MCU_KEEP_DIR", "").empty()) fs::remove_all(path, ignored);
  }
};

const char* const kMarkNames[] = {"fork", "barrier", "join"};

Status parse_uart(const std::string& path, FirmwareResult& result) {
  std::ifstream in(path);
  if (!in) return io_error(path + ": no UART output");
  std::string line;
  std::map<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>> dma;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::istringstream fields(line);
    std::string tag;
    fields >> tag;
    if (tag == "OUT") {
      std::size_t count = 0;
      fields >> count;
      result.out.reserve(count);
      while (result.out.size() < count && std::getline(in, line)) {
        std::istringstream words(line);
        std::string word;
        while (words >> word) result.out.push_back(static_cast<std::uint32_t>(std::stoul(word, nullptr, 16)));
      }
      if (result.out.size() != count) return format_error("the firmware printed fewer result words than announced");
    } else if (tag == "MEASURE") {
      Window w;
      fields >> w.first >> w.last;
      result.windows.push_back(w);
    } else if (tag == "DMA") {
      std::uint64_t phase = 0, bytes = 0, rows = 0;
      fields >> phase >> bytes >> rows;
      dma[phase].first += bytes;
      dma[phase].second += rows;
    } else {
      result.lines.push_back(line);
    }
  }
  for (const auto& [phase, totals] : dma) {
    if (phase >= result.phases.size()) return format_error("a DMA transfer was logged after the last phase mark");
    result.phases[phase].dma_bytes += totals.first;
    result.phases[phase].dma_rows += totals.second;
  }
  return Status::ok();
}

Status parse_counts(const std::string& path, FirmwareResult& result) {
  auto text = io::read_file(path, std::size_t{1} << 31);
  if (!text.is_ok()) return text.status();
  const auto& bytes = text.value();
  const auto json = nlohmann::json::parse(reinterpret_cast<const char*>(bytes.data()),
                                          reinterpret_cast<const char*>(bytes.data()) + bytes.size(), nullptr, false);
  if (json.is_discarded() || !json.contains("harts")) return format_error(path + ": the plugin's counts are not JSON");
  const auto& harts = json["harts"];
  if (harts.size() < static_cast<std::size_t>(BFEDGE_MCU_WORKERS)) return format_error(path + ": fewer harts than workers");
  if (json["regions"] != nlohmann::json{"L1", "L2", "L3"} || json["marks"] != nlohmann::json{"fork", "barrier", "join"}) {
    return format_error(path + ": the plugin did not count the regions L1, L2, L3 and the marks fork, barrier, join");
  }
  // Worker 0 takes part in every phase; a worker outside a fork's team marks only its fork and
  // join, and counts as idle for the phases in between.
  const auto& reference = harts[0]["phases"];
  result.phases.assign(reference.size(), Phase{});
  for (std::size_t k = 0; k < reference.size(); ++k) result.phases[k].end = static_cast<PhaseEnd>(reference[k][0].get<int>());
  for (int h = 0; h < BFEDGE_MCU_WORKERS; ++h) {
    const auto& snaps = harts[h]["phases"];
    std::vector<std::uint64_t> previous(10, 0);
    std::size_t j = 0;
    for (std::size_t k = 0; k < reference.size(); ++k) {
      CoreCounts c;
      if (j < snaps.size() && snaps[j][0].get<int>() == reference[k][0].get<int>()) {
        std::vector<std::uint64_t> now(10, 0);
        for (std::size_t w = 0; w < 10 && w + 1 < snaps[j].size(); ++w) now[w] = snaps[j][w + 1].get<std::uint64_t>();
        c.instructions = now[0] - previous[0];
        c.idle = now[1] - previous[1];
        c.taken = now[2] - previous[2];
        for (int r = 0; r < 3; ++r) {
          c.loads[r] = now[3 + 2 * r] - previous[3 + 2 * r];
          c.stores[r] = now[4 + 2 * r] - previous[4 + 2 * r];
        }
        previous = now;
        ++j;
      }
      result.phases[k].cores.push_back(c);
    }
    if (j != snaps.size()) return format_error("worker " + std::to_string(h) + "'s phase marks do not follow worker 0's");
  }
  return Status::ok();
}

}  // namespace

Result<FirmwareTools> find_firmware_tools() {
#if defined(BFEDGE_MCU_FIRMWARE_ELF) && defined(BFEDGE_MCU_COUNTERS_PLUGIN) && defined(BFEDGE_MCU_QEMU)
  FirmwareTools tools{from_env_or("BFEDGE_QEMU_RV32", BFEDGE_MCU_QEMU),
                      from_env_or("BFEDGE_MCU_FIRMWARE", BFEDGE_MCU_FIRMWARE_ELF), "",
                      from_env_or("BFEDGE_MCU_PLUGIN", BFEDGE_MCU_COUNTERS_PLUGIN)};
  tools.symbols = tools.firmware.substr(0, tools.firmware.rfind('.')) + ".syms";
  for (const std::string* path : {&tools.qemu, &tools.firmware, &tools.symbols, &tools.plugin}) {
    if (!fs::is_regular_file(*path)) return io_error(*path + ": not found (build bfedge with the RV32 toolchain)");
  }
  return tools;
#else
  return Status(ErrorCode::unsupported,
                "this bfedge was built without the RV32 firmware or the QEMU plugin (scripts/test installs them)");
#endif
}

Result<FirmwareResult> run_firmware(const FirmwareTools& tools, const std::vector<unsigned char>& image,
                                    const FirmwareOptions& options) {
  auto symbols = read_symbols(tools.symbols);
  if (!symbols.is_ok()) return symbols.status();
  auto& sym = symbols.value();
  TempDir dir;
  if (dir.path.empty()) return io_error("cannot create a temporary directory for the MCU run");
  const std::string image_path = dir.path + "/image.bin", uart = dir.path + "/uart.txt", counts = dir.path + "/counts.json";
  BFEDGE_RETURN_IF_ERROR(io::write_file_atomically(image_path, image.data(), image.size()));
  const auto region = [](const char* name, std::uint64_t base, std::uint64_t bytes) {
    return std::string(",mem=") + name + ":" + hex(base) + ":" + hex(base + bytes);
  };
  std::string plugin = tools.plugin + region("L1", BFEDGE_MCU_L1_BASE, BFEDGE_MCU_L1_BYTES) +
                       region("L2", BFEDGE_MCU_L2_BASE, BFEDGE_MCU_L2_MAX_BYTES) +
                       region("L3", BFEDGE_MCU_L3_BASE, BFEDGE_MCU_L3_MAX_BYTES) + ",idle=" + hex(sym["__idle_start"]) +
                       ":" + hex(sym["__idle_end"]);
  for (const char* mark : kMarkNames) plugin += std::string(",mark=") + mark + ":" + hex(sym[std::string("bfedge_rv32_mark_") + mark]);
  // For profiling: extra plugin arguments (e.g. pc=NAME:LO:HI ranges) and a place to keep the counts.
  plugin += from_env_or("BFEDGE_MCU_PLUGIN_EXTRA", "") + ",out=" + counts;
  const std::string timeout = from_env_or("BFEDGE_MCU_TIMEOUT", std::to_string(options.timeout_seconds).c_str());
  const std::string command = "timeout " + timeout + " " + shell_quoted(tools.qemu) +
                              " -machine virt -smp " + std::to_string(BFEDGE_MCU_WORKERS + 1) +
                              " -m 256M -bios none -nographic -monitor none -serial file:" + shell_quoted(uart) +
                              " -kernel " + shell_quoted(tools.firmware) + " -device loader,file=" + shell_quoted(image_path) +
                              ",addr=0x" + hex(BFEDGE_MCU_L3_BASE) + ",force-raw=on -plugin " + shell_quoted(plugin) +
                              " </dev/null >" + shell_quoted(dir.path + "/qemu.log") + " 2>&1";
  const auto start = std::chrono::steady_clock::now();
  const int rc = std::system(command.c_str());
  FirmwareResult result;
  result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int exit_code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  if (exit_code == 124) return Status(ErrorCode::io, "the MCU firmware did not finish within " + timeout + " s under QEMU");
  const std::string keep = from_env_or("BFEDGE_MCU_KEEP_COUNTS", "");
  if (!keep.empty()) {
    std::error_code ignored;
    fs::copy_file(counts, keep, fs::copy_options::overwrite_existing, ignored);
  }
  BFEDGE_RETURN_IF_ERROR(parse_counts(counts, result));
  BFEDGE_RETURN_IF_ERROR(parse_uart(uart, result));
  for (const std::string& line : result.lines) {
    if (line.rfind("FAIL", 0) == 0) return Status(ErrorCode::io, "MCU firmware: " + line.substr(5));
  }
  if (exit_code != 0) return Status(ErrorCode::io, "the MCU firmware exited with status " + std::to_string(exit_code));
  return result;
}

Result<ArenaSizes> firmware_arenas(const FirmwareTools& tools) {
  auto symbols = read_symbols(tools.symbols);
  if (!symbols.is_ok()) return symbols.status();
  auto& sym = symbols.value();
  for (const char* needed : {"__l1_arena_start", "__l1_arena_end", "__l2_arena_start", "__l2_arena_end"}) {
    if (sym.count(needed) == 0) return format_error(tools.symbols + ": symbol " + needed + " is missing");
  }
  return ArenaSizes{sym["__l1_arena_end"] - sym["__l1_arena_start"], sym["__l2_arena_end"] - sym["__l2_arena_start"]};
}

std::vector<Phase> window_phases(const FirmwareResult& result, const Window& window) {
  std::vector<Phase> out;
  for (std::uint32_t k = window.first + 1; k <= window.last && k < result.phases.size(); ++k) out.push_back(result.phases[k]);
  return out;
}

}  // namespace bfedge::mcu
