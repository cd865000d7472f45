#include "bfedge/emulator/firmware_run.hpp"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "bfedge/io/file.hpp"
#include "bfedge/rv32/memory_map.h"
#include "bfedge/process/memory_file.hpp"
#include "bfedge/process/subprocess.hpp"

namespace bfedge::emulator {
namespace {

namespace fs = std::filesystem;

// An environment variable's value; unset and empty are the same.
std::string env_value(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

std::string hex(std::uint64_t v) {
  char text[20];
  const auto [end, error] = std::to_chars(text, text + sizeof text, v, 16);
  (void)error;
  return std::string(text, end);
}

// QEMU option values double their commas.
std::string qemu_escaped(const std::string& s) {
  std::string out;
  for (char c : s) out += c == ',' ? std::string(",,") : std::string(1, c);
  return out;
}

bool is_hex_number(std::string_view s) {
  if (s.rfind("0x", 0) == 0) s.remove_prefix(2);
  if (s.empty() || s.size() > 8) return false;
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// BFEDGE_MCU_PLUGIN_EXTRA: ",pc=NAME:LO:HI" repeated (NAME letters, digits, '_', '.'; LO, HI hex).
Status check_plugin_extra(const std::string& extra) {
  const std::string bad = "BFEDGE_MCU_PLUGIN_EXTRA='" + extra + "' is not a list of ,pc=NAME:LO:HI code ranges";
  std::string_view rest = extra;
  while (!rest.empty()) {
    if (rest.rfind(",pc=", 0) != 0) return invalid_argument(bad);
    rest.remove_prefix(4);
    const std::size_t end = std::min(rest.find(','), rest.size());
    const std::string_view item = rest.substr(0, end);
    rest.remove_prefix(end);
    const std::size_t c1 = item.find(':'), c2 = c1 == std::string_view::npos ? c1 : item.find(':', c1 + 1);
    if (c1 == 0 || c2 == std::string_view::npos) return invalid_argument(bad);
    for (char c : item.substr(0, c1)) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.') return invalid_argument(bad);
    }
    if (!is_hex_number(item.substr(c1 + 1, c2 - c1 - 1)) || !is_hex_number(item.substr(c2 + 1))) {
      return invalid_argument(bad);
    }
  }
  return Status::ok();
}

Result<std::map<std::string, std::uint64_t>> read_symbols(const std::string& path) {
  auto bytes = io::read_file(path, std::uint64_t{64} << 20);
  if (!bytes.is_ok()) return bytes.status();
  const std::string_view text(reinterpret_cast<const char*>(bytes.value().data()), bytes.value().size());
  std::map<std::string, std::uint64_t> symbols;
  std::size_t begin = 0;
  while (begin < text.size()) {  // nm lines: "<hex address> <type> <name>"
    const std::size_t end = std::min(text.find('\n', begin), text.size());
    const std::string_view line = text.substr(begin, end - begin);
    begin = end + 1;
    const std::size_t s1 = line.find(' '), s2 = s1 == std::string_view::npos ? s1 : line.find(' ', s1 + 1);
    if (s2 == std::string_view::npos) continue;  // undefined symbols have no address
    std::uint64_t address = 0;
    const auto [p, error] = std::from_chars(line.data(), line.data() + s1, address, 16);
    if (error != std::errc() || p != line.data() + s1) continue;
    symbols[std::string(line.substr(s2 + 1))] = address;
  }
  for (const char* needed : {"__idle_start", "__idle_end", "bfedge_rv32_mark_fork", "bfedge_rv32_mark_barrier",
                             "bfedge_rv32_mark_join"}) {
    if (symbols.count(needed) == 0) return format_error(path + ": symbol " + needed + " is missing");
  }
  return symbols;
}

const char* const kMarkNames[] = {"fork", "barrier", "join"};

// The most the UART output or the plugin's counts may grow to (far beyond any job's).
constexpr std::size_t kMaxRunFileBytes = std::size_t{1} << 30;

// QEMU runs any file given as a kernel (a non-ELF one as raw code, which may spin until the
// timeout): the firmware must be a 32-bit little-endian RISC-V ELF executable.
[[maybe_unused]] Status check_rv32_elf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char header[20] = {};
  in.read(reinterpret_cast<char*>(header), sizeof header);
  const bool elf = in.gcount() == sizeof header && header[0] == 0x7f && header[1] == 'E' && header[2] == 'L' &&
                   header[3] == 'F';
  const bool rv32 = elf && header[4] == 1 /* ELFCLASS32 */ && header[5] == 1 /* little-endian */ &&
                    header[16] == 2 /* ET_EXEC */ && header[18] == 0xf3 && header[19] == 0 /* EM_RISCV */;
  if (!rv32) return format_error(path + ": not an RV32 ELF executable (the MCU firmware)");
  return Status::ok();
}

// BFEDGE_MCU_KEEP_DIR: copies of the run's files, for debugging.
Status keep_run_files(const std::string& dir, const std::vector<unsigned char>& image, const std::string& uart,
                      const std::string& counts, const std::string& qemu_output) {
  BFEDGE_RETURN_IF_ERROR(io::write_file_atomically(dir + "/image.bin", image.data(), image.size()));
  BFEDGE_RETURN_IF_ERROR(io::write_file_atomically(dir + "/uart.txt", uart.data(), uart.size()));
  BFEDGE_RETURN_IF_ERROR(io::write_file_atomically(dir + "/counts.json", counts.data(), counts.size()));
  return io::write_file_atomically(dir + "/qemu.log", qemu_output.data(), qemu_output.size());
}

std::string last_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  const std::size_t cut = text.find_last_of('\n');
  return cut == std::string::npos ? text : text.substr(cut + 1);
}

}  // namespace

Result<FirmwareOptions> firmware_options() {
  FirmwareOptions s;
  if (const std::string t = env_value("BFEDGE_MCU_TIMEOUT"); !t.empty()) {
    int seconds = 0;
    const auto [end, error] = std::from_chars(t.data(), t.data() + t.size(), seconds);
    if (error != std::errc() || end != t.data() + t.size() || seconds < 1 || seconds > 86400) {
      return invalid_argument("BFEDGE_MCU_TIMEOUT='" + t + "' is not a whole number of seconds in 1..86400");
    }
    s.timeout_seconds = seconds;
  }
  s.plugin_extra = env_value("BFEDGE_MCU_PLUGIN_EXTRA");
  BFEDGE_RETURN_IF_ERROR(check_plugin_extra(s.plugin_extra));
  s.keep_dir = env_value("BFEDGE_MCU_KEEP_DIR");
  if (!s.keep_dir.empty() && !fs::is_directory(s.keep_dir)) {
    return invalid_argument("BFEDGE_MCU_KEEP_DIR='" + s.keep_dir + "' is not an existing directory");
  }
  return s;
}

Result<FirmwareTools> find_firmware_tools() {
#if defined(BFEDGE_MCU_FIRMWARE_ELF) && defined(BFEDGE_MCU_COUNTERS_PLUGIN) && defined(BFEDGE_MCU_QEMU)
  const auto chosen = [](const char* variable, const char* built) {
    const std::string value = env_value(variable);
    return value.empty() ? std::string(built) : value;
  };
  FirmwareTools tools{chosen("BFEDGE_QEMU_RV32", BFEDGE_MCU_QEMU), chosen("BFEDGE_MCU_FIRMWARE", BFEDGE_MCU_FIRMWARE_ELF),
                      "", chosen("BFEDGE_MCU_PLUGIN", BFEDGE_MCU_COUNTERS_PLUGIN)};
  const std::size_t dot = tools.firmware.rfind('.'), slash = tools.firmware.rfind('/');
  const bool has_suffix = dot != std::string::npos && (slash == std::string::npos || dot > slash);
  tools.symbols = (has_suffix ? tools.firmware.substr(0, dot) : tools.firmware) + ".syms";
  const std::pair<const std::string*, const char*> paths[] = {{&tools.qemu, "BFEDGE_QEMU_RV32"},
                                                              {&tools.firmware, "BFEDGE_MCU_FIRMWARE"},
                                                              {&tools.symbols, "BFEDGE_MCU_FIRMWARE"},
                                                              {&tools.plugin, "BFEDGE_MCU_PLUGIN"}};
  for (const auto& [path, variable] : paths) {
    std::error_code ec;
    if (!fs::is_regular_file(*path, ec)) {
      return io_error(*path + ": not found (" + (env_value(variable).empty()
                                                     ? std::string("build bfedge with the RV32 toolchain")
                                                     : std::string("set by ") + variable) + ")");
    }
    if (path == &tools.firmware) BFEDGE_RETURN_IF_ERROR(check_rv32_elf(tools.firmware));
  }
  return tools;
#else
  return Status(ErrorCode::unsupported,
                "this bfedge was built without the RV32 firmware or the QEMU plugin (scripts/test installs them)");
#endif
}

Result<FirmwareResult> run_firmware(const FirmwareTools& tools, const std::vector<unsigned char>& image,
                                    const FirmwareOptions& s) {
  auto symbols = read_symbols(tools.symbols);
  if (!symbols.is_ok()) return symbols.status();
  auto& sym = symbols.value();
  // The run's files live in memory: nothing is left on disk on any exit, and no TMPDIR is needed.
  auto image_file = process::MemoryFile::create("MCU job image");
  auto uart_file = process::MemoryFile::create("MCU UART output");
  auto counts_file = process::MemoryFile::create("plugin counts");
  for (const auto* f : {&image_file, &uart_file, &counts_file}) {
    if (!f->is_ok()) return f->status();
  }
  BFEDGE_RETURN_IF_ERROR(image_file.value().write_all(image.data(), image.size()));
  const auto region = [](const char* name, std::uint64_t base, std::uint64_t bytes) {
    return std::string(",mem=") + name + ":" + hex(base) + ":" + hex(base + bytes);
  };
  std::string plugin = qemu_escaped(tools.plugin) + region("L1", BFEDGE_MCU_L1_BASE, BFEDGE_MCU_L1_BYTES) +
                       region("L2", BFEDGE_MCU_L2_BASE, BFEDGE_MCU_L2_MAX_BYTES) +
                       region("L3", BFEDGE_MCU_L3_BASE, BFEDGE_MCU_L3_MAX_BYTES) + ",idle=" + hex(sym["__idle_start"]) +
                       ":" + hex(sym["__idle_end"]);
  for (const char* mark : kMarkNames) plugin += std::string(",mark=") + mark + ":" + hex(sym[std::string("bfedge_rv32_mark_") + mark]);
  plugin += s.plugin_extra + ",out=" + counts_file.value().child_path();

  process::SubprocessOptions run;
  run.argv = {tools.qemu, "-machine", "virt", "-smp", std::to_string(BFEDGE_MCU_WORKERS + 1), "-m", "256M",
              "-bios", "none", "-nographic", "-monitor", "none", "-serial", "file:" + uart_file.value().child_path(),
              "-kernel", tools.firmware, "-device",
              "loader,file=" + image_file.value().child_path() + ",addr=0x" + hex(BFEDGE_MCU_L3_BASE) + ",force-raw=on",
              "-plugin", plugin};
  run.inherit_fds = {image_file.value().fd(), uart_file.value().fd(), counts_file.value().fd()};
  run.max_file_bytes = kMaxRunFileBytes;  // a firmware printing without end is stopped, not kept in memory
  run.timeout_seconds = s.timeout_seconds;
  auto ran = process::run_subprocess(run);
  if (!ran.is_ok()) return ran.status();
  const process::SubprocessResult& qemu = ran.value();

  FirmwareResult result;
  result.wall_seconds = qemu.wall_seconds;
  if (qemu.timed_out) {
    return Status(ErrorCode::io, "the MCU firmware did not finish within " +
                                     std::to_string(static_cast<long>(run.timeout_seconds)) +
                                     " s under QEMU (BFEDGE_MCU_TIMEOUT sets the limit)");
  }
  auto uart = uart_file.value().read_all(kMaxRunFileBytes);
  if (!uart.is_ok()) return uart.status();
  auto counts = counts_file.value().read_all(kMaxRunFileBytes);
  if (!counts.is_ok()) return counts.status();
  if (!s.keep_dir.empty()) {
    BFEDGE_RETURN_IF_ERROR(keep_run_files(s.keep_dir, image, uart.value(), counts.value(), qemu.output_tail));
  }
  // The firmware's own reason first: QEMU exits non-zero after a FAIL, and counts may be partial.
  if (const std::string why = firmware_failure_in(uart.value()); !why.empty()) {
    return Status(ErrorCode::io, "MCU firmware: " + why);
  }
  if (!qemu.succeeded()) {
    const std::string said = last_line(qemu.output_tail);
    return Status(ErrorCode::io, tools.qemu + " " + qemu.how_it_ended() + (said.empty() ? "" : ": " + said));
  }
  if (counts.value().empty()) return format_error(tools.plugin + ": the counting plugin wrote no counts");
  BFEDGE_RETURN_IF_ERROR(parse_plugin_counts(counts.value(), "the counting plugin's output", BFEDGE_MCU_WORKERS, result));
  BFEDGE_RETURN_IF_ERROR(parse_uart_text(uart.value(), result));
  return result;
}

Result<ArenaSizes> firmware_arenas(const FirmwareTools& tools) {
  auto symbols = read_symbols(tools.symbols);
  if (!symbols.is_ok()) return symbols.status();
  auto& sym = symbols.value();
  for (const char* needed : {"__l1_arena_start", "__l1_arena_end", "__l2_arena_start", "__l2_arena_end"}) {
    if (sym.count(needed) == 0) return format_error(tools.symbols + ": symbol " + needed + " is missing");
  }
  if (sym["__l1_arena_end"] < sym["__l1_arena_start"] || sym["__l2_arena_end"] < sym["__l2_arena_start"]) {
    return format_error(tools.symbols + ": an arena ends before it starts");
  }
  return ArenaSizes{sym["__l1_arena_end"] - sym["__l1_arena_start"], sym["__l2_arena_end"] - sym["__l2_arena_start"]};
}

std::vector<Phase> window_phases(const FirmwareResult& result, const Window& window) {
  std::vector<Phase> out;
  for (std::uint64_t k = std::uint64_t{window.first} + 1; k <= window.last && k < result.phases.size(); ++k) {
    out.push_back(result.phases[k]);
  }
  return out;
}

}  // namespace bfedge::emulator
