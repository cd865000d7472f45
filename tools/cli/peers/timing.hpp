// Median wall time of repeated calls (steady clock), for the benchmark commands and peers.
#pragma once

#include <algorithm>
#include <chrono>
#include <vector>

namespace bfedge::cli {

template <class F>
double median_microseconds(int repetitions, F&& call) {
  std::vector<double> times;
  times.reserve(static_cast<std::size_t>(repetitions));
  for (int i = 0; i < repetitions; ++i) {
    const auto start = std::chrono::steady_clock::now();
    call();
    times.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
  }
  std::nth_element(times.begin(), times.begin() + static_cast<long>(times.size() / 2), times.end());
  return times[times.size() / 2];
}

}  // namespace bfedge::cli
