// What a kernel sees of the cluster while it runs on one core: its id, the core count and a
// barrier across all cores of the fork. Freestanding: the host backend (HostCluster) and the
// RV32 target each supply the barrier function.
#pragma once

namespace bfedge::runtime {

struct Team {
  int core = 0;
  int cores = 1;
  void (*barrier_fn)(void* ctx) = nullptr;
  void* barrier_ctx = nullptr;

  // Waits until every core of the team has reached the barrier. No-op on one core.
  void barrier() const {
    if (cores > 1) barrier_fn(barrier_ctx);
  }
};

// [begin, end) of `count` items assigned to `core` when split evenly over `cores`.
struct Range {
  int begin;
  int end;
  constexpr int size() const { return end - begin; }
};
constexpr Range split_range(int count, int core, int cores) {
  const int base = count / cores, extra = count % cores;
  const int begin = core * base + (core < extra ? core : extra);
  return {begin, begin + base + (core < extra ? 1 : 0)};
}

// The same split in units of `block` items (the last block may be partial).
constexpr Range split_blocks(int count, int block, int core, int cores) {
  const int blocks = (count + block - 1) / block;
  const Range r = split_range(blocks, core, cores);
  const int end = r.end * block < count ? r.end * block : count;
  const int begin = r.begin * block < end ? r.begin * block : end;
  return {begin, end};
}

}  // namespace bfedge::runtime
