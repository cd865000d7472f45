// The MCU a model is deployed to, as the deploy compiler sees it: the cluster's cores, the three
// memory levels (size, what the firmware keeps there, extra cycles per core access), the DMA
// engine, the clock, the synchronisation costs and the ISA the firmware is built for. A JSON file
// describes one (docs/deploy.md); `gap9_like_target()` is the shipped default, the MCU that
// `bfedge mcu` emulates (rv32/memory_map.h's sizes, emulator::CycleModelParams's costs, checked
// by a test) and the same as targets/gap9-like.json.
//
//   {
//     "name": "gap9-like", "cores": 8, "clock_hz": 370e6, "isa": "rv32imafc",
//     "l1": {"bytes": "128KiB", "reserved_bytes": "16KiB", "load_stall_cycles": 1},
//     "l2": {"bytes": "1.5MiB", "reserved_bytes": "256KiB", "access_cycles": 15},
//     "l3": {"bytes": "32MiB", "access_cycles": 100},
//     "dma": {"bytes_per_cycle": 8, "cycles_per_transfer": 40},
//     "sync": {"barrier_cycles": 25, "fork_join_cycles": 29, "taken_branch_cycles": 2}
//   }
// Sizes are bytes or strings with a unit (core/byte_size.hpp). Every key is known (a typo is an
// error); keys left out keep the default's value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "bfedge/core/status.hpp"

namespace bfedge::deploy {

struct LevelSpec {
  std::int64_t bytes = 0;
  std::int64_t reserved_bytes = 0;  // what the firmware itself keeps there (code, data, stacks)
  double access_cycles = 0;         // extra cycles per core load/store (L1: the load-use stall)
  std::int64_t usable_bytes() const { return bytes - reserved_bytes; }
};

struct McuTarget {
  std::string name = "gap9-like";
  int cores = 8;                     // worker cores of the cluster (the DMA engine is apart)
  double clock_hz = 370e6;
  std::string isa = "rv32imafc";     // what the firmware is compiled for
  LevelSpec l1{128 * 1024, 16 * 1024, 1.0};         // shared scratchpad; reserved: 8 worker stacks of 2 KiB
  LevelSpec l2{1536 * 1024, 256 * 1024, 15.0};      // reserved: firmware code and data, the DMA hart's stack and
                                                    // transfer log (196 KiB), the UART words
  LevelSpec l3{32 * 1024 * 1024, 0, 100.0};         // external RAM/flash, reached by DMA only
  double dma_bytes_per_cycle = 8.0;
  double dma_cycles_per_transfer = 40.0;
  double barrier_cycles = 25.0;
  double fork_join_cycles = 29.0;
  double taken_branch_cycles = 2.0;
};

McuTarget gap9_like_target();

// Checks ranges and consistency (reserved below size, L1 <= L2, cores 1..64, ...); the message
// starts with `source`.
Status validate_target(const McuTarget& target, const std::string& source);
// Parses a target description over the default's values; errors name `source` and the key.
Result<McuTarget> parse_target_json(std::string_view text, const std::string& source);
// Reads PATH (at most 64 KiB) and parses it.
Result<McuTarget> load_target(const std::string& path);
// The description as JSON, sizes in bytes (parse_target_json reads it back to the same target).
std::string target_json(const McuTarget& target);

}  // namespace bfedge::deploy
