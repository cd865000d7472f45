#include "bfedge/emulator/cycle_model.hpp"

#include <algorithm>

namespace bfedge::emulator {

CoreCounts& CoreCounts::operator+=(const CoreCounts& other) {
  instructions += other.instructions;
  idle += other.idle;
  taken += other.taken;
  for (int r = 0; r < 3; ++r) {
    loads[r] += other.loads[r];
    stores[r] += other.stores[r];
  }
  return *this;
}

void charge_external_as_l2(std::vector<Phase>& phases) {
  for (Phase& phase : phases) {
    for (CoreCounts& c : phase.cores) {
      c.loads[1] += c.loads[2];
      c.stores[1] += c.stores[2];
      c.loads[2] = c.stores[2] = 0;
    }
  }
}

double core_cycles(const CoreCounts& c, const CycleModelParams& p) {
  return static_cast<double>(c.work()) + p.l1_load_stall * static_cast<double>(c.loads[0]) +
         p.l2_access_extra * static_cast<double>(c.loads[1] + c.stores[1]) +
         p.l3_access_extra * static_cast<double>(c.loads[2] + c.stores[2]) +
         p.taken_branch_extra * static_cast<double>(c.taken);
}

double dma_cycles(std::uint64_t bytes, std::uint64_t rows, const CycleModelParams& p) {
  return static_cast<double>(bytes) / p.dma_bytes_per_cycle + p.dma_cycles_per_transfer * static_cast<double>(rows);
}

ModelReport model_phases(const std::vector<Phase>& phases, const CycleModelParams& p) {
  ModelReport report;
  for (const Phase& phase : phases) {
    if (report.cores.size() < phase.cores.size()) report.cores.resize(phase.cores.size());
    double slowest = 0;
    for (std::size_t h = 0; h < phase.cores.size(); ++h) {
      const double cycles = core_cycles(phase.cores[h], p);
      report.cores[h].counts += phase.cores[h];
      report.cores[h].busy_cycles += cycles;
      slowest = std::max(slowest, cycles);
    }
    const double dma = dma_cycles(phase.dma_bytes, phase.dma_rows, p);
    const double sync = phase.end == PhaseEnd::barrier ? p.barrier_cycles
                        : phase.end == PhaseEnd::join  ? p.fork_join_cycles
                                                       : 0.0;
    report.cluster_cycles += std::max(slowest, dma) + sync;
    report.compute_cycles += slowest;
    report.dma_cycles += dma;
    report.dma_stall_cycles += std::max(0.0, dma - slowest);
    report.sync_cycles += sync;
    report.dma_bytes += phase.dma_bytes;
    ++report.phases;
  }
  for (const CoreReport& core : report.cores) {
    report.max_core_work = std::max(report.max_core_work, core.counts.work());
    report.total_work += core.counts.work();
  }
  return report;
}

}  // namespace bfedge::emulator
