// What the MCU firmware run leaves behind, and its two parsers (pure functions of text, so they
// are fuzzed: tests/fuzz):
//
// The UART protocol of src/targets/rv32/mcu_main.cpp, one record a line ('\r' before '\n' allowed):
//   MEASURE <first snapshot> <last snapshot>   the phases of a measured run (hart 0's marks; the
//                                              last must be a phase the plugin reported)
//   DMA <phase> <bytes> <rows>                 transfers issued in that phase (dma.hpp)
//   OUT <count>                                the result: then <count> hex words, 8 a line
//   FAIL <reason>                              the firmware's error (kept in `lines`)
//   anything else                              kept in `lines`
// The counting plugin's JSON (tools/qemu-plugin/bfedge_counters.c):
//   {"regions":["L1","L2","L3"],"marks":["fork","barrier","join"],
//    "harts":[{...,"phases":[[MARK,INSNS,IDLE,TAKEN,LOADS_0,STORES_0,...,STORES_2],...]},...]}
//   every snapshot counter is cumulative and never decreases.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/emulator/cycle_model.hpp"

namespace bfedge::emulator {

struct Window {
  std::uint32_t first = 0, last = 0;  // snapshot indices (hart 0's marks) of a measured run
};

struct FirmwareResult {
  std::vector<std::uint32_t> out;  // the OUT words, the blocks one after the other
  std::vector<Window> windows;
  std::vector<Phase> phases;       // phases[k] ends at snapshot k
  std::vector<std::string> lines;  // every other UART line (for messages)
  double wall_seconds = 0;
};

// Upper bounds the parsers enforce before allocating: far above what any job prints.
inline constexpr std::size_t kMaxOutWords = std::size_t{1} << 24;
inline constexpr std::size_t kMaxPhases = std::size_t{1} << 22;

// Fills result.phases (per-core counts per phase) from the plugin's JSON. `name` prefixes errors.
Status parse_plugin_counts(std::string_view json, const std::string& name, int workers, FirmwareResult& result);

// Fills out, windows and lines, and adds the DMA log to result.phases (which must already hold the
// plugin's phases: a transfer logged in a phase that does not exist is an error).
Status parse_uart_text(std::string_view text, FirmwareResult& result);

// The first "FAIL <reason>" line's reason, or empty: from parsed lines, or straight from the UART
// text (whatever else it holds, so a run that failed is reported as such before anything is parsed).
std::string firmware_failure(const FirmwareResult& result);
std::string firmware_failure_in(std::string_view uart_text);

}  // namespace bfedge::emulator
