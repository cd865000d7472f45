#include "dma.hpp"

#include <cstring>

#include "bfedge/rv32/job.hpp"
#include "rv32_runtime.hpp"

namespace bfedge::rv32 {
namespace {

volatile std::uint32_t* const kMsip = reinterpret_cast<volatile std::uint32_t*>(0x2000000);

struct Request {
  DmaCopy copy;
  std::uint32_t issuer;
  std::uint32_t phase;
  std::uint32_t sequence;  // ticket + 1 once the request is complete and visible
};
struct LogEntry {
  std::uint32_t phase, bytes, rows;
};

constexpr std::uint32_t kQueue = 16;
constexpr std::uint32_t kLogEntries = rv32::kDmaLogEntries;
Request g_queue[kQueue];
std::uint32_t g_next_ticket = 0;
std::uint32_t g_completed = 0;
LogEntry g_log[kLogEntries];
std::uint32_t g_log_size = 0;
std::uint32_t g_log_overflow = 0;
std::uint32_t g_full_waiters = 0;  // bit h: worker h waits for a queue slot

inline std::uint32_t load_acquire(const std::uint32_t& w) { return __atomic_load_n(&w, __ATOMIC_ACQUIRE); }

BFEDGE_RV32_IDLE void sleep_until_completed(DmaTicket ticket, int hart) {
  for (;;) {
    kMsip[hart] = 0;
    if (static_cast<std::int32_t>(load_acquire(g_completed) - ticket) > 0) return;
    asm volatile("wfi");
  }
}

void log_transfer(std::uint32_t phase, std::uint32_t bytes, std::uint32_t rows) {
  if (g_log_size > 0 && g_log[g_log_size - 1].phase == phase) {
    g_log[g_log_size - 1].bytes += bytes;
    g_log[g_log_size - 1].rows += rows;
  } else if (g_log_size < kLogEntries) {
    g_log[g_log_size++] = {phase, bytes, rows};
  } else {
    ++g_log_overflow;
  }
}

void execute(const DmaCopy& c) {
  auto* dst = static_cast<unsigned char*>(c.dst);
  const auto* src = static_cast<const unsigned char*>(c.src);
  for (std::uint32_t r = 0; r < c.rows; ++r) {
    std::memcpy(dst + r * c.dst_stride, src + r * c.src_stride, c.row_bytes);
  }
}

}  // namespace

DmaTicket dma_start(const DmaCopy& copy) {
  const DmaTicket ticket = __atomic_fetch_add(&g_next_ticket, 1, __ATOMIC_ACQ_REL);
  const int me = current_hart();
  // A full queue: wait for the engine to retire the request that used this slot.
  if (ticket >= kQueue && static_cast<std::int32_t>(load_acquire(g_completed) - (ticket - kQueue)) <= 0) {
    __atomic_fetch_or(&g_full_waiters, 1u << me, __ATOMIC_ACQ_REL);
    sleep_until_completed(ticket - kQueue, me);
    __atomic_fetch_and(&g_full_waiters, ~(1u << me), __ATOMIC_ACQ_REL);
  }
  Request& r = g_queue[ticket % kQueue];
  r.copy = copy;
  r.issuer = static_cast<std::uint32_t>(me);
  r.phase = marks_made();
  __atomic_store_n(&r.sequence, ticket + 1, __ATOMIC_RELEASE);
  kMsip[kDmaHart] = 1;
  return ticket;
}

BFEDGE_RV32_IDLE void dma_wait(DmaTicket ticket) { sleep_until_completed(ticket, current_hart()); }

kernels::DmaOps dma_ops() {
  return {[](void*, const void* src, void* dst, std::uint32_t row_bytes, std::uint32_t rows, std::uint32_t src_stride,
             std::uint32_t dst_stride) { return dma_start({src, dst, row_bytes, rows, src_stride, dst_stride}); },
          [](void*, std::uint32_t ticket) { dma_wait(ticket); }, nullptr};
}

void dma_report() {
  // Every transfer issued so far must be logged before the log is printed and emptied (polled: the
  // engine wakes only a transfer's issuer, and this runs outside any measured window).
  const std::uint32_t issued = load_acquire(g_next_ticket);
  while (static_cast<std::int32_t>(load_acquire(g_completed) - issued) < 0) {
  }
  for (std::uint32_t i = 0; i < g_log_size; ++i) {
    print("DMA ");
    print_int(static_cast<long>(g_log[i].phase));
    print(" ");
    print_int(static_cast<long>(g_log[i].bytes));
    print(" ");
    print_int(static_cast<long>(g_log[i].rows));
    print("\n");
  }
  if (g_log_overflow != 0) print("FAIL DMA log overflow\n");
  g_log_size = 0;
  g_log_overflow = 0;
}

BFEDGE_RV32_IDLE void dma_engine_loop() {
  for (std::uint32_t next = 0;; ++next) {
    Request& r = g_queue[next % kQueue];
    for (;;) {
      kMsip[kDmaHart] = 0;
      if (load_acquire(r.sequence) == next + 1) break;
      asm volatile("wfi");
    }
    execute(r.copy);
    log_transfer(r.phase, r.copy.row_bytes * r.copy.rows, r.copy.rows);
    __atomic_store_n(&g_completed, next + 1, __ATOMIC_RELEASE);
    kMsip[r.issuer] = 1;
    const std::uint32_t waiters = load_acquire(g_full_waiters);
    for (int h = 0; h < kWorkers; ++h) {
      if ((waiters >> h) & 1u) kMsip[h] = 1;
    }
  }
}

}  // namespace bfedge::rv32
