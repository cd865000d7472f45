// The SPMD execution interface kernels are written against: a core id, a core count and a
// fork/join over all cores, the shape of a PULP cluster. This is the host backend: persistent
// std::threads that spin briefly and then sleep on an atomic between forks.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace bfedge::runtime {

// [begin, end) of `count` items assigned to `core` when split evenly over `cores`.
struct Range {
  int begin;
  int end;
};
constexpr Range split_range(int count, int core, int cores) {
  const int base = count / cores, extra = count % cores;
  const int begin = core * base + (core < extra ? core : extra);
  return {begin, begin + base + (core < extra ? 1 : 0)};
}

class HostCluster {
 public:
  explicit HostCluster(int core_count);
  ~HostCluster();
  HostCluster(const HostCluster&) = delete;
  HostCluster& operator=(const HostCluster&) = delete;

  int core_count() const { return core_count_; }

  // Runs job(core_id, core_count) on every core, the caller being core 0; returns when all end.
  template <class Job>
  void fork(Job&& job) {
    if (core_count_ == 1) {
      job(0, 1);
      return;
    }
    run([](void* ctx, int core, int cores) { (*static_cast<Job*>(ctx))(core, cores); }, &job);
  }

 private:
  using JobFn = void (*)(void*, int, int);
  void run(JobFn fn, void* ctx);
  void worker_loop(int core);

  int core_count_;
  JobFn job_fn_ = nullptr;
  void* job_ctx_ = nullptr;
  std::atomic<std::uint32_t> generation_{0};
  std::atomic<std::uint32_t> finished_{0};
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> workers_;
};

}  // namespace bfedge::runtime
