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
  fn(ctx, 0, core_count_);
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
    job_fn_(job_ctx_, core, core_count_);
    finished_.fetch_add(1, std::memory_order_acq_rel);
    finished_.notify_one();
  }
}

}  // namespace bfedge::runtime
