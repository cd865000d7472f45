// Seeded random data for tests, benchmarks, `bfedge bench` and the MCU demo images: N(0, stddev)
// from std::mt19937 through a fresh std::normal_distribution per call, so the same seed (or the
// same generator state) gives the same values everywhere. Host only (<random>).
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "bfedge/core/bf16.hpp"

namespace bfedge {

// `count` values drawn from `rng`, rounded to T (float or bf16, nearest even).
template <class T>
std::vector<T> random_normal(std::size_t count, std::mt19937& rng, float stddev = 1.0f) {
  std::normal_distribution<float> normal(0.0f, stddev);
  std::vector<T> v(count);
  for (T& x : v) x = from_f32<T>(normal(rng));
  return v;
}

inline std::vector<bf16> random_bf16(std::size_t count, std::mt19937& rng, float stddev = 1.0f) {
  return random_normal<bf16>(count, rng, stddev);
}

inline std::vector<bf16> random_bf16(std::size_t count, std::uint32_t seed, float stddev = 1.0f) {
  std::mt19937 rng(seed);
  return random_normal<bf16>(count, rng, stddev);
}

inline std::vector<float> random_f32(std::size_t count, std::uint32_t seed, float stddev = 1.0f) {
  std::mt19937 rng(seed);
  return random_normal<float>(count, rng, stddev);
}

}  // namespace bfedge
