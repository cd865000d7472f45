// Bare-metal runtime of the emulated MCU (QEMU virt, RV32): UART output, exit status through the
// sifive_test device, the SPMD cluster interface (fork/join over the worker harts and a barrier,
// both sleeping in WFI and woken by CLINT software interrupts — no spinning), setup-time arenas in
// L1 and L2, and phase marks for the counting plugin. The only code that knows this target;
// kernels see a runtime::Team as on the host. The DMA engine is in dma.hpp.
//
// Phase marks: every worker calls one of bfedge_rv32_mark_{fork,barrier,join} when it starts a
// forked job, arrives at a barrier and finishes a job, so all workers make the same sequence of
// marks. The plugin snapshots each hart's counters there; the host's cycle model takes per-phase
// maxima over the cores (docs/mcu.md). The synchronisation code itself lives in .text.bfedge_idle,
// which the plugin counts apart: the model charges the hardware's barrier and fork costs instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "bfedge/rv32/memory_map.h"
#include "bfedge/runtime/team.hpp"

#define BFEDGE_RV32_IDLE __attribute__((section(".text.bfedge_idle"), noinline))

namespace bfedge::rv32 {

inline constexpr int kWorkers = BFEDGE_MCU_WORKERS;
inline constexpr int kMaxHarts = kWorkers;
inline constexpr int kDmaHart = kWorkers;

int hart_count();  // worker cores
int current_hart();
std::uint32_t marks_made();  // phase marks made so far by the calling hart

void print(const char* text);
void print_int(long value);
void print_hex(std::uint32_t value);  // 8 lowercase hex digits
[[noreturn]] void exit(int code);

using JobFn = void (*)(void* ctx, const runtime::Team& team);
void fork_raw(JobFn fn, void* ctx, int cores);

// Runs job(team) on workers 0..cores-1 (the caller is worker 0; the team's barrier spans those
// cores) and returns when all have finished. Workers past `cores` only mark the fork and join.
template <class Job>
void fork(Job&& job, int cores = kWorkers) {
  using Fn = std::remove_reference_t<Job>;
  fork_raw([](void* ctx, const runtime::Team& team) { (*static_cast<Fn*>(ctx))(team); }, &job, cores);
}

// Setup-time bump allocators over the L1 and L2 arenas (linker script); nullptr when full.
struct Arena {
  std::uintptr_t begin, end, top;
  void* take(std::size_t bytes, std::size_t align = 16);
};
Arena& l1_arena();
Arena& l2_arena();

// Worker stacks are filled with a pattern at boot; false when one was used to its bottom.
bool stacks_intact();

}  // namespace bfedge::rv32
