// Runs the MCU firmware under QEMU (qemu-system-riscv32 -machine virt, W workers + the DMA hart)
// with the counting plugin, on a job image loaded at the start of L3, and collects what came back:
// the UART protocol of src/targets/rv32/mcu_main.cpp (result words, measured windows, DMA log)
// and the plugin's per-hart phase snapshots turned into cycle-model phases.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/emulator/cycle_model.hpp"
#include "bfedge/emulator/firmware_output.hpp"

namespace bfedge::emulator {

// Where the firmware, its symbol table, the plugin and QEMU are: fixed at build time, each
// overridable by an environment variable (BFEDGE_MCU_FIRMWARE, BFEDGE_MCU_PLUGIN, BFEDGE_QEMU_RV32;
// unset and empty are the same). QEMU is started with an argv (process/subprocess.hpp), never a shell.
struct FirmwareTools {
  std::string qemu, firmware, symbols, plugin;
};
Result<FirmwareTools> find_firmware_tools();

// The bytes the firmware leaves free for jobs in L1 and L2 (its arenas, from the symbol table):
// what plans must fit in.
struct ArenaSizes {
  std::size_t l1 = 0, l2 = 0;
};
Result<ArenaSizes> firmware_arenas(const FirmwareTools& tools);

// How to run the firmware. firmware_options() reads them from the environment, each parsed and
// range-checked (an error names the variable): BFEDGE_MCU_TIMEOUT (whole seconds, 1..86400; default
// 600), BFEDGE_MCU_PLUGIN_EXTRA (",pc=NAME:LO:HI" code ranges for profiling), BFEDGE_MCU_KEEP_DIR
// (an existing directory that receives the run's image.bin, uart.txt, counts.json and qemu.log).
// Commands read them once, before any work.
struct FirmwareOptions {
  int timeout_seconds = 600;
  std::string plugin_extra;
  std::string keep_dir;
};
Result<FirmwareOptions> firmware_options();

Result<FirmwareResult> run_firmware(const FirmwareTools& tools, const std::vector<unsigned char>& image,
                                    const FirmwareOptions& options = {});

// The phases of one window (snapshot first excluded: it ends the serial part before the fork).
std::vector<Phase> window_phases(const FirmwareResult& result, const Window& window);

}  // namespace bfedge::emulator
