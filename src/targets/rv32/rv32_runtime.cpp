#include "rv32_runtime.hpp"

#include "dma.hpp"

extern "C" {
extern char __l1_arena_start[], __l1_arena_end[], __l2_arena_start[], __l2_arena_end[];
}

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
int g_team_cores = kWorkers;
std::uint32_t g_done = 0;
std::uint32_t g_barrier_arrived = 0;
std::uint32_t g_barrier_phase = 0;
std::uint32_t g_marks[kWorkers + 1] = {};

inline std::uint32_t load_acquire(const std::uint32_t& w) { return __atomic_load_n(&w, __ATOMIC_ACQUIRE); }
inline std::uint32_t fetch_add(std::uint32_t& w, std::uint32_t v) { return __atomic_fetch_add(&w, v, __ATOMIC_ACQ_REL); }

void barrier(void*);
runtime::Team team_for(int hart) { return runtime::Team{hart, g_team_cores, &barrier, nullptr}; }

}  // namespace
}  // namespace bfedge::rv32

// The phase marks: one function per kind, so the plugin knows where each phase ended.
extern "C" {
BFEDGE_RV32_IDLE void bfedge_rv32_mark_fork() { ++bfedge::rv32::g_marks[bfedge::rv32::current_hart()]; }
BFEDGE_RV32_IDLE void bfedge_rv32_mark_barrier() { ++bfedge::rv32::g_marks[bfedge::rv32::current_hart()]; }
BFEDGE_RV32_IDLE void bfedge_rv32_mark_join() { ++bfedge::rv32::g_marks[bfedge::rv32::current_hart()]; }
}

namespace bfedge::rv32 {
namespace {

// Sleeps until `word` differs from `seen`; whoever changes it sends this hart a software interrupt.
// Clearing msip before the check means a wake-up between the check and the WFI is not lost.
BFEDGE_RV32_IDLE void sleep_while_equal(const std::uint32_t& word, std::uint32_t seen, int hart) {
  for (;;) {
    kMsip[hart] = 0;
    if (load_acquire(word) != seen) return;
    asm volatile("wfi");
  }
}

BFEDGE_RV32_IDLE void barrier(void*) {
  bfedge_rv32_mark_barrier();
  const int me = current_hart();
  const std::uint32_t phase = load_acquire(g_barrier_phase);
  if (fetch_add(g_barrier_arrived, 1) + 1 == static_cast<std::uint32_t>(g_team_cores)) {
    __atomic_store_n(&g_barrier_arrived, 0, __ATOMIC_RELAXED);
    fetch_add(g_barrier_phase, 1);
    for (int h = 0; h < g_team_cores; ++h) {
      if (h != me) kMsip[h] = 1;
    }
    return;
  }
  sleep_while_equal(g_barrier_phase, phase, me);
}

// The lowest word of worker h's stack (stacks grow down from the top of L1, hart 0 highest).
std::uint32_t* stack_bottom(int h) {
  const std::uintptr_t lowest = reinterpret_cast<std::uintptr_t>(__l1_arena_end);
  return reinterpret_cast<std::uint32_t*>(lowest + static_cast<std::uintptr_t>(kWorkers - 1 - h) * BFEDGE_MCU_STACK_BYTES);
}
constexpr std::uint32_t kStackCanary = 0xc0ffee11u;

void fill_stack_canaries() {
  for (int h = 0; h < kWorkers; ++h) *stack_bottom(h) = kStackCanary;
}

}  // namespace

int hart_count() { return kWorkers; }

int current_hart() {
  int hart;
  asm volatile("csrr %0, mhartid" : "=r"(hart));
  return hart;
}

std::uint32_t marks_made() { return g_marks[current_hart()]; }

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

void print_hex(std::uint32_t value) {
  for (int shift = 28; shift >= 0; shift -= 4) *kUart = static_cast<std::uint8_t>("0123456789abcdef"[(value >> shift) & 15]);
}

void exit(int code) {
  *kTestDevice = code == 0 ? 0x5555u : (static_cast<std::uint32_t>(code) << 16) | 0x3333u;
  for (;;) asm volatile("wfi");
}

BFEDGE_RV32_IDLE void fork_raw(JobFn fn, void* ctx, int cores) {
  asm volatile("csrs mie, %0" ::"r"(1u << 3));  // worker 0 also sleeps on its software interrupt
  bfedge_rv32_mark_fork();
  g_job = fn;
  g_ctx = ctx;
  g_team_cores = cores < 1 ? 1 : (cores > kWorkers ? kWorkers : cores);
  __atomic_store_n(&g_done, 0, __ATOMIC_RELAXED);
  fetch_add(g_generation, 1);
  for (int h = 1; h < hart_count(); ++h) kMsip[h] = 1;
  fn(ctx, team_for(0));
  bfedge_rv32_mark_join();
  const auto workers = static_cast<std::uint32_t>(hart_count() - 1);
  for (;;) {
    kMsip[0] = 0;
    if (load_acquire(g_done) == workers) break;
    asm volatile("wfi");
  }
}

void* Arena::take(std::size_t bytes, std::size_t align) {
  const std::uintptr_t at = (top + align - 1) & ~(static_cast<std::uintptr_t>(align) - 1);
  if (at > end || end - at < bytes) return nullptr;
  top = at + bytes;
  return reinterpret_cast<void*>(at);
}

Arena& l1_arena() {
  static Arena arena{reinterpret_cast<std::uintptr_t>(__l1_arena_start), reinterpret_cast<std::uintptr_t>(__l1_arena_end),
                     reinterpret_cast<std::uintptr_t>(__l1_arena_start)};
  return arena;
}

Arena& l2_arena() {
  static Arena arena{reinterpret_cast<std::uintptr_t>(__l2_arena_start), reinterpret_cast<std::uintptr_t>(__l2_arena_end),
                     reinterpret_cast<std::uintptr_t>(__l2_arena_start)};
  return arena;
}

bool stacks_intact() {
  for (int h = 0; h < kWorkers; ++h) {
    if (*stack_bottom(h) != kStackCanary) return false;
  }
  return true;
}

}  // namespace bfedge::rv32

extern "C" {

std::uint32_t bfedge_rv32_boot_flag = 0;

[[noreturn]] void bfedge_rv32_exit(int code) { bfedge::rv32::exit(code); }

// Every hart's machine trap vector (start.S): no interrupt is ever enabled in mstatus, so a trap
// is an exception (illegal instruction, bad address, ...). It names itself in one line and ends
// the run with status 4, instead of jumping to address 0 and leaving the other harts waiting.
[[noreturn]] __attribute__((aligned(4))) void bfedge_rv32_trap() {
  using namespace bfedge::rv32;
  std::uint32_t cause, pc, value;
  asm volatile("csrr %0, mcause" : "=r"(cause));
  asm volatile("csrr %0, mepc" : "=r"(pc));
  asm volatile("csrr %0, mtval" : "=r"(value));
  print("FAIL trap on hart ");
  print_int(current_hart());
  print(": mcause 0x");
  print_hex(cause);
  print(" mepc 0x");
  print_hex(pc);
  print(" mtval 0x");
  print_hex(value);
  print("\n");
  exit(4);
}

void bfedge_rv32_fill_stack_canaries() { bfedge::rv32::fill_stack_canaries(); }

// Workers 1..W-1 and the DMA hart: enable only the machine software interrupt (mstatus.MIE stays
// 0, so WFI wakes without trapping), then serve forks (workers) or transfers (DMA hart).
[[noreturn]] BFEDGE_RV32_IDLE void bfedge_rv32_worker(int hart) {
  using namespace bfedge::rv32;
  asm volatile("csrs mie, %0" ::"r"(1u << 3));
  if (hart == kDmaHart) dma_engine_loop();
  std::uint32_t seen = 0;
  for (;;) {
    sleep_while_equal(g_generation, seen, hart);
    seen = load_acquire(g_generation);
    bfedge_rv32_mark_fork();
    if (hart < g_team_cores) g_job(g_ctx, team_for(hart));
    bfedge_rv32_mark_join();
    fetch_add(g_done, 1);
    kMsip[0] = 1;
  }
}

}
