#include "mcu_report.hpp"

#include <cstdio>

namespace bfedge::cli {

nlohmann::ordered_json mcu_report_json(const emulator::ModelReport& r, const emulator::CycleModelParams& p) {
  nlohmann::ordered_json j;
  j["modeled_cycles"] = r.cluster_cycles;
  j["modeled_seconds"] = r.seconds(p);
  j["compute_cycles"] = r.compute_cycles;
  j["dma_cycles"] = r.dma_cycles;
  j["dma_stall_cycles"] = r.dma_stall_cycles;
  j["sync_cycles"] = r.sync_cycles;
  j["dma_bytes"] = r.dma_bytes;
  j["phases"] = r.phases;
  j["max_core_instructions"] = r.max_core_work;
  j["total_instructions"] = r.total_work;
  nlohmann::ordered_json cores = nlohmann::ordered_json::array();
  for (std::size_t h = 0; h < r.cores.size(); ++h) {
    const emulator::CoreCounts& c = r.cores[h].counts;
    nlohmann::ordered_json core;
    core["core"] = h;
    core["instructions"] = c.work();
    core["sync_instructions"] = c.idle;
    core["taken_branches"] = c.taken;
    const char* names[] = {"l1", "l2", "l3"};
    for (int m = 0; m < 3; ++m) {
      core[std::string(names[m]) + "_loads"] = c.loads[m];
      core[std::string(names[m]) + "_stores"] = c.stores[m];
    }
    core["modeled_cycles"] = r.cores[h].busy_cycles;
    cores.push_back(core);
  }
  j["per_core"] = cores;
  return j;
}

void print_mcu_cores(const std::string& title, const emulator::ModelReport& r, const emulator::CycleModelParams& p) {
  std::printf("%s: %.0f modeled cycles = %.1f us at %.0f MHz (compute %.0f, DMA not hidden %.0f, sync %.0f; "
              "%llu phases, %llu DMA bytes)\n",
              title.c_str(), r.cluster_cycles, r.seconds(p) * 1e6, p.clock_hz / 1e6, r.compute_cycles,
              r.dma_stall_cycles, r.sync_cycles, static_cast<unsigned long long>(r.phases),
              static_cast<unsigned long long>(r.dma_bytes));
  std::printf("  %4s %12s %10s %11s %10s %10s %10s %8s %9s %13s\n", "core", "instructions", "taken", "L1 loads",
              "L1 stores", "L2 loads", "L2 stores", "L3 ld+st", "sync ins", "model cycles");
  for (std::size_t h = 0; h < r.cores.size(); ++h) {
    const emulator::CoreCounts& c = r.cores[h].counts;
    std::printf("  %4zu %12llu %10llu %11llu %10llu %10llu %10llu %8llu %9llu %13.0f\n", h,
                static_cast<unsigned long long>(c.work()), static_cast<unsigned long long>(c.taken),
                static_cast<unsigned long long>(c.loads[0]), static_cast<unsigned long long>(c.stores[0]),
                static_cast<unsigned long long>(c.loads[1]), static_cast<unsigned long long>(c.stores[1]),
                static_cast<unsigned long long>(c.loads[2] + c.stores[2]), static_cast<unsigned long long>(c.idle),
                r.cores[h].busy_cycles);
  }
}

nlohmann::ordered_json cycle_model_json(const emulator::CycleModelParams& p) {
  nlohmann::ordered_json j;
  j["clock_hz"] = p.clock_hz;
  j["l1_load_stall"] = p.l1_load_stall;
  j["l2_access_extra"] = p.l2_access_extra;
  j["l3_access_extra"] = p.l3_access_extra;
  j["taken_branch_extra"] = p.taken_branch_extra;
  j["barrier_cycles"] = p.barrier_cycles;
  j["fork_join_cycles"] = p.fork_join_cycles;
  j["dma_bytes_per_cycle"] = p.dma_bytes_per_cycle;
  j["dma_cycles_per_transfer"] = p.dma_cycles_per_transfer;
  j["source"] = "docs/mcu.md (parameters from ../shared/notes/pulp-timing.md)";
  return j;
}

}  // namespace bfedge::cli
