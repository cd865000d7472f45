// HostCluster: forks and barriers stay correct whatever the thread count, including far more
// threads than this machine has CPUs (where waits block instead of spinning). No timing here.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "bfedge/runtime/cluster.hpp"

namespace bfedge::runtime {
namespace {

// Every core adds its id into slot (round % cores) after a barrier; a missed or early barrier
// shows up as a wrong sum or a stale read of the previous round's value.
void check_rounds(int cores, int forks, int barriers_per_fork) {
  HostCluster cluster(cores);
  ASSERT_EQ(cluster.core_count(), cores);
  std::vector<std::atomic<long>> slots(static_cast<std::size_t>(cores));
  std::atomic<long> mismatches{0};
  for (int f = 0; f < forks; ++f) {
    cluster.fork([&](const Team& team) {
      for (int b = 0; b < barriers_per_fork; ++b) {
        const auto slot = static_cast<std::size_t>(b % team.cores);
        if (team.core == 0) slots[slot].store(0);
        team.barrier();
        slots[slot].fetch_add(team.core + 1);
        team.barrier();
        const long want = static_cast<long>(team.cores) * (team.cores + 1) / 2;
        if (slots[slot].load() != want) mismatches.fetch_add(1);
        team.barrier();
      }
    });
  }
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(HostCluster, ForksAndBarriersOnFewThreads) { check_rounds(2, 200, 20); }

TEST(HostCluster, ForksAndBarriersOversubscribed) {
  // 16 threads (and 4x the CPUs, whichever is larger): the case --threads 16 on 2 CPUs hit.
  const int cores = std::max(16, 4 * static_cast<int>(std::thread::hardware_concurrency()));
  check_rounds(std::min(cores, 64), 200, 20);
}

TEST(HostCluster, EveryCoreRunsEachForkOnce) {
  HostCluster cluster(16);
  std::vector<std::atomic<int>> runs(16);
  for (int f = 0; f < 1000; ++f) {
    cluster.fork([&](const Team& team) { runs[static_cast<std::size_t>(team.core)].fetch_add(1); });
  }
  for (const auto& r : runs) EXPECT_EQ(r.load(), 1000);
}

}  // namespace
}  // namespace bfedge::runtime
