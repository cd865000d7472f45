// Host CPU detection: the only place that asks the x86 CPU what it supports.
#include "bfedge/kernels/host_isa.hpp"
#include "bfedge/kernels/isa.hpp"

namespace bfedge::kernels {

Isa host_isa() {
  static const Isa detected = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16")) {
      return Isa::avx512bf16;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::avx2;
    return Isa::portable;
  }();
  return detected;
}

}  // namespace bfedge::kernels
