// The SPMD execution interface kernels are written against: a core id, a core count and a
// fork/join over all cores, the shape of a PULP cluster. This is the host backend: persistent
// std::threads that spin briefly and then sleep on an atomic between forks (no spinning when
// there are more threads than CPUs to run them).
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "bfedge/runtime/team.hpp"

namespace bfedge::runtime {

class HostCluster {
 public:
  explicit HostCluster(int core_count);
  ~HostCluster();
  HostCluster(const HostCluster&) = delete;
  HostCluster& operator=(const HostCluster&) = delete;

  int core_count() const { return core_count_; }

  // Runs job(team) on every core, the caller being core 0; returns when all have finished.
  template <class Job>
  void fork(Job&& job) {
    if (core_count_ == 1) {
      job(Team{});
      return;
    }
    run([](void* ctx, const Team& team) { (*static_cast<Job*>(ctx))(team); }, &job);
  }

 private:
  using JobFn = void (*)(void*, const Team&);
  void run(JobFn fn, void* ctx);
  void worker_loop(int core);
  Team team_for(int core);
  static void barrier_entry(void* self);
  void barrier();

  int core_count_;
  bool spin_;  // false when oversubscribed: waits block at once (set before workers start)
  JobFn job_fn_ = nullptr;
  void* job_ctx_ = nullptr;
  std::atomic<std::uint32_t> generation_{0};
  std::atomic<std::uint32_t> finished_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint32_t> barrier_arrived_{0};
  std::atomic<std::uint32_t> barrier_phase_{0};
  std::vector<std::thread> workers_;
};

}  // namespace bfedge::runtime
