// Host CPU detection: the only place that asks the x86 CPU what it supports.
#include "bfedge/kernels/host_isa.hpp"

namespace bfedge::kernels {

std::uint32_t host_features() {
  static const std::uint32_t detected = [] {
    __builtin_cpu_init();
    std::uint32_t features = 0;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) features |= feature::avx2;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16")) {
      features |= feature::avx512bf16;
    }
    return features;
  }();
  return detected;
}

}  // namespace bfedge::kernels
