#include "bfedge/runtime/cluster.hpp"

namespace bfedge::runtime {
namespace {

// Spin this many polls before sleeping: forks come every few microseconds during decoding.
constexpr int kSpinPolls = 20000;

template <class Ready>
void spin_then_wait(const std::atomic<std::uint32_t>& word, std::uint32_t seen, Ready ready) {
  for (int i = 0; i < kSpinPolls; ++i) {
    if (ready()) return;
  }
  while (!ready()) word.wait(seen, std::memory_order_acquire);
}

}  // namespace

HostCluster::HostCluster(int core_count) : core_count_(core_count < 1 ? 1 : core_count) {
  for (int core = 1; core < core_count_; ++core) {
    workers_.emplace_back([this, core] { worker_loop(core); });
  }
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
    spin_then_wait(finished_, done,
                   [&] { return finished_.load(std::memory_order_acquire) != done; });
  }
}

void HostCluster::worker_loop(int core) {
  std::uint32_t seen = 0;
  for (;;) {
    spin_then_wait(generation_, seen,
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
  spin_then_wait(barrier_phase_, phase,
                 [&] { return barrier_phase_.load(std::memory_order_acquire) != phase; });
}

}  // namespace bfedge::runtime
