// The MCU cycle model: turns the counting plugin's per-hart, per-phase counts and the DMA log into
// modeled cluster cycles. One place for every parameter and its source (docs/mcu.md shows the
// check against the measured PULP numbers). Deliberately simple; a later issue calibrates it
// against a cycle-level simulator. Raw instruction counts are always reported beside it.
//
// Per worker core and phase:
//   cycles = work instructions (outside the synchronisation code)
//          + 1 × L1 loads                      load-use stall, every load assumed used at once
//          + 15 × L2 loads and stores          blocking L2 access from a cluster core
//          + 100 × L3 loads and stores         (kernels never do this: DMA only; shown if they do)
//          + 2 × taken control transfers       branch penalty
// Per phase: max over the cores, or the DMA time of the transfers issued in it if that is longer
// (double buffering overlaps them), plus the hardware cost of the phase's closing event:
//   barrier 25 cycles, fork + join 29 cycles (the software emulation of the event unit is not
//   counted: it is the plugin's idle range).
// DMA time = bytes / 8 + 40 per row (1D facts; a 2D transfer is charged per row, pessimistic).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bfedge::emulator {

struct CycleModelParams {
  double clock_hz = 370e6;           // issue 4's default (GAP9 cluster clock class)
  double l1_load_stall = 1.0;        // pulp-timing.md: dependent L1 load 2.4 cycles = 1 + 1 stall
  double l2_access_extra = 15.0;     // pulp-timing.md: L2 load ~16.4 cycles (~15 extra), blocking;
                                     // stores: no measurement, charged like loads (pessimistic)
  double l3_access_extra = 100.0;    // assumption: no core access to L3 on GAP9 (DMA only)
  double taken_branch_extra = 2.0;   // pulp-timing.md: taken branch ~2 extra cycles
  double barrier_cycles = 25.0;      // pulp-timing.md: hardware barrier, 8 cores
  double fork_join_cycles = 29.0;    // pulp-timing.md: fork + join through the event unit
  double dma_bytes_per_cycle = 8.0;  // pulp-timing.md: ~8 B/cycle per direction
  double dma_cycles_per_transfer = 40.0;  // pulp-timing.md: ~35–40 cycles fixed per transfer
};

// Counts of one hart over one phase (or a sum of phases).
struct CoreCounts {
  std::uint64_t instructions = 0;  // all executed
  std::uint64_t idle = 0;          // inside the synchronisation code (not work)
  std::uint64_t taken = 0;
  std::uint64_t loads[3] = {};     // L1, L2, L3
  std::uint64_t stores[3] = {};
  std::uint64_t work() const { return instructions - idle; }
  CoreCounts& operator+=(const CoreCounts& other);
};

enum class PhaseEnd { fork, barrier, join };

struct Phase {
  PhaseEnd end = PhaseEnd::barrier;
  std::vector<CoreCounts> cores;  // one per worker
  std::uint64_t dma_bytes = 0, dma_rows = 0;
};

struct CoreReport {
  CoreCounts counts;
  double busy_cycles = 0;  // Σ over phases of this core's modeled cycles
};

struct ModelReport {
  std::vector<CoreReport> cores;
  double cluster_cycles = 0;       // Σ over phases of max(cores, DMA) + event costs
  double compute_cycles = 0;       // Σ over phases of the slowest core alone
  double dma_cycles = 0;           // Σ of DMA time (overlapped or not)
  double dma_stall_cycles = 0;     // Σ of max(0, DMA − slowest core): transfers not hidden
  double sync_cycles = 0;          // barrier and fork/join costs
  std::uint64_t dma_bytes = 0;
  std::uint64_t phases = 0;
  std::uint64_t max_core_work = 0;    // the busiest core's work instructions
  std::uint64_t total_work = 0;       // Σ over cores
  double seconds(const CycleModelParams& p) const { return cluster_cycles / p.clock_hz; }
};

// For baselines whose data cannot fit the 1.5 MiB L2 (the naive port needs ~5 MiB at L=64, E=512):
// their accesses to the external region are charged as L2 accesses — as if L2 were big enough,
// which is generous to the baseline (a real part would stream it from L3, more slowly).
void charge_external_as_l2(std::vector<Phase>& phases);

double core_cycles(const CoreCounts& c, const CycleModelParams& p);
double dma_cycles(std::uint64_t bytes, std::uint64_t rows, const CycleModelParams& p);
ModelReport model_phases(const std::vector<Phase>& phases, const CycleModelParams& p);

}  // namespace bfedge::emulator
