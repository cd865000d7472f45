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
  auto counts_text = io::read_file(counts, std::size_t{1} << 31);
  if (!counts_text.is_ok()) return counts_text.status();
  const auto& cb = counts_text.value();
  BFEDGE_RETURN_IF_ERROR(parse_plugin_counts(std::string_view(reinterpret_cast<const char*>(cb.data()), cb.size()),
                                             counts, BFEDGE_MCU_WORKERS, result));
  auto uart_text = io::read_file(uart, std::size_t{1} << 31);
  if (!uart_text.is_ok()) return uart_text.status();
  const auto& ub = uart_text.value();
  BFEDGE_RETURN_IF_ERROR(parse_uart_text(std::string_view(reinterpret_cast<const char*>(ub.data()), ub.size()), result));
  if (const std::string why = firmware_failure(result); !why.empty()) return Status(ErrorCode::io, "MCU firmware: " + why);
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
