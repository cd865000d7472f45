// Bare-metal runtime for the QEMU virt RV32 machine: UART output, exit status through the
// sifive_test device, and the SPMD cluster interface (fork/join over all harts with WFI and CLINT
// software interrupts — idle harts sleep instead of spinning — and a barrier). The only code that
// knows this target; kernels see a runtime::Team as on the host.
#pragma once

#include <cstdint>

#include "bfedge/runtime/team.hpp"

namespace bfedge::rv32 {

inline constexpr int kMaxHarts = 8;

int hart_count();
void print(const char* text);
void print_int(long value);
[[noreturn]] void exit(int code);

using JobFn = void (*)(void* ctx, const runtime::Team& team);
void fork_raw(JobFn fn, void* ctx);

// Runs job(team) on every hart (the caller is hart 0) and returns when all have finished.
template <class Job>
void fork(Job&& job) {
  fork_raw([](void* ctx, const runtime::Team& team) { (*static_cast<Job*>(ctx))(team); }, &job);
}

}  // namespace bfedge::rv32
