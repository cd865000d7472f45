#include "rv32_runtime.hpp"

namespace bfedge::rv32 {
namespace {

volatile std::uint8_t* const kUart = reinterpret_cast<volatile std::uint8_t*>(0x10000000);
volatile std::uint32_t* const kTestDevice = reinterpret_cast<volatile std::uint32_t*>(0x100000);
volatile std::uint32_t* const kMsip = reinterpret_cast<volatile std::uint32_t*>(0x2000000);

// Shared words, accessed with GCC's __atomic builtins (libstdc++'s C++20 <atomic> needs gthreads,
// which bare metal does not have); rv32 'A' makes them amo*/lr/sc with fences.
JobFn g_job = nullptr;
void* g_ctx = nullptr;
std::uint32_t g_generation = 0;
std::uint32_t g_done = 0;
std::uint32_t g_barrier_arrived = 0;
std::uint32_t g_barrier_phase = 0;

inline std::uint32_t load_acquire(const std::uint32_t& w) { return __atomic_load_n(&w, __ATOMIC_ACQUIRE); }
inline std::uint32_t fetch_add(std::uint32_t& w, std::uint32_t v) { return __atomic_fetch_add(&w, v, __ATOMIC_ACQ_REL); }

inline void wait_for_interrupt() { asm volatile("wfi"); }

void barrier(void*) {
  const std::uint32_t phase = load_acquire(g_barrier_phase);
  if (fetch_add(g_barrier_arrived, 1) + 1 == static_cast<std::uint32_t>(hart_count())) {
    __atomic_store_n(&g_barrier_arrived, 0, __ATOMIC_RELAXED);
    fetch_add(g_barrier_phase, 1);
    return;
  }
  while (load_acquire(g_barrier_phase) == phase) {
  }
}

runtime::Team team_for(int hart) { return runtime::Team{hart, hart_count(), &barrier, nullptr}; }

}  // namespace

int hart_count() { return BFEDGE_RV32_HARTS; }

void print(const char* text) {
  while (*text != '\0') *kUart = static_cast<std::uint8_t>(*text++);
}

void print_int(long value) {
  char digits[24];
  int n = 0;
  const bool negative = value < 0;
  unsigned long v = negative ? 0ul - static_cast<unsigned long>(value) : static_cast<unsigned long>(value);
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  if (negative) *kUart = '-';
  while (n > 0) *kUart = static_cast<std::uint8_t>(digits[--n]);
}

void exit(int code) {
  *kTestDevice = code == 0 ? 0x5555u : (static_cast<std::uint32_t>(code) << 16) | 0x3333u;
  for (;;) wait_for_interrupt();
}

void fork_raw(JobFn fn, void* ctx) {
  asm volatile("csrs mie, %0" ::"r"(1u << 3));  // hart 0 also sleeps on its software interrupt
  g_job = fn;
  g_ctx = ctx;
  __atomic_store_n(&g_done, 0, __ATOMIC_RELAXED);
  fetch_add(g_generation, 1);
  for (int h = 1; h < hart_count(); ++h) kMsip[h] = 1;
  fn(ctx, team_for(0));
  const auto workers = static_cast<std::uint32_t>(hart_count() - 1);
  for (;;) {
    kMsip[0] = 0;
    if (load_acquire(g_done) == workers) break;
    wait_for_interrupt();
  }
}

}  // namespace bfedge::rv32

extern "C" {

std::uint32_t bfedge_rv32_boot_flag = 0;

[[noreturn]] void bfedge_rv32_exit(int code) { bfedge::rv32::exit(code); }

// Harts 1..N-1: enable only the machine software interrupt (mstatus.MIE stays 0, so WFI wakes
// without trapping), then serve forks until the program exits.
[[noreturn]] void bfedge_rv32_worker(int hart) {
  using namespace bfedge::rv32;
  asm volatile("csrs mie, %0" ::"r"(1u << 3));
  if (hart >= hart_count()) {
    for (;;) asm volatile("wfi");
  }
  std::uint32_t seen = 0;
  for (;;) {
    kMsip[hart] = 0;
    const std::uint32_t generation = load_acquire(g_generation);
    if (generation == seen) {
      asm volatile("wfi");
      continue;
    }
    seen = generation;
    g_job(g_ctx, team_for(hart));
    fetch_add(g_done, 1);
    kMsip[0] = 1;
  }
}

}
