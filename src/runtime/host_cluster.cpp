#include "bfedge/runtime/cluster.hpp"

#include <sched.h>

#include <system_error>

namespace bfedge::runtime {
namespace {

// Poll briefly (forks and barriers come every few microseconds while decoding), then give the
// CPU away: yield a few times, then sleep on the atomic. Only while every thread has a CPU of its
// own: oversubscribed (more threads than CPUs this process may run on), a spinning waiter holds
// the very CPU the thread it waits for needs, and each barrier costs whole scheduler slices
// (256 tokens of stories260K on 16 threads and 2 CPUs took seconds instead of milliseconds), so
// there every wait blocks at once.
constexpr int kSpinPolls = 2000;
constexpr int kYields = 16;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// CPUs this process may run on (its affinity mask), at least 1.
int available_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

template <class Ready>
void spin_then_wait(const std::atomic<std::uint32_t>& word, std::uint32_t seen, bool spin,
                    Ready ready) {
  if (spin) {
    for (int i = 0; i < kSpinPolls; ++i) {
      if (ready()) return;
      cpu_relax();
    }
    for (int i = 0; i < kYields; ++i) {
      if (ready()) return;
      std::this_thread::yield();
    }
  }
  while (!ready()) word.wait(seen, std::memory_order_acquire);
}

}  // namespace

HostCluster::HostCluster(int core_count)
    : core_count_(core_count < 1 ? 1 : core_count), spin_(core_count_ <= available_cpus()) {
  const int wanted = core_count_;
  for (int core = 1; core < wanted; ++core) {
    try {
      workers_.emplace_back([this, core] { worker_loop(core); });
    } catch (const std::system_error&) {
      break;  // the system refused more threads: run with those already started
    }
  }
  core_count_ = static_cast<int>(workers_.size()) + 1;
}

HostCluster::~HostCluster() {
  stopping_.store(true, std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  generation_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void HostCluster::run(JobFn fn, void* ctx) {
  job_fn_ = fn;
  job_ctx_ = ctx;
  finished_.store(0, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  generation_.notify_all();
  fn(ctx, team_for(0));
  const auto workers = static_cast<std::uint32_t>(core_count_ - 1);
  for (;;) {
    const std::uint32_t done = finished_.load(std::memory_order_acquire);
    if (done == workers) break;
    spin_then_wait(finished_, done, spin_,
                   [&] { return finished_.load(std::memory_order_acquire) != done; });
  }
}

void HostCluster::worker_loop(int core) {
  std::uint32_t seen = 0;
  for (;;) {
    spin_then_wait(generation_, seen, spin_,
                   [&] { return generation_.load(std::memory_order_acquire) != seen; });
    seen = generation_.load(std::memory_order_acquire);
    if (stopping_.load(std::memory_order_acquire)) return;
    job_fn_(job_ctx_, team_for(core));
    finished_.fetch_add(1, std::memory_order_acq_rel);
    finished_.notify_one();
  }
}

Team HostCluster::team_for(int core) {
  return Team{core, core_count_, &HostCluster::barrier_entry, this};
}

void HostCluster::barrier_entry(void* self) { static_cast<HostCluster*>(self)->barrier(); }

// Centralized barrier: the last core to arrive resets the count and advances the phase.
void HostCluster::barrier() {
  const std::uint32_t phase = barrier_phase_.load(std::memory_order_acquire);
  if (barrier_arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 ==
      static_cast<std::uint32_t>(core_count_)) {
    barrier_arrived_.store(0, std::memory_order_relaxed);
    barrier_phase_.fetch_add(1, std::memory_order_acq_rel);
    barrier_phase_.notify_all();
    return;
  }
  spin_then_wait(barrier_phase_, phase, spin_,
                 [&] { return barrier_phase_.load(std::memory_order_acquire) != phase; });
}

}  // namespace bfedge::runtime
