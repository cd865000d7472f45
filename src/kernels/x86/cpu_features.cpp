// Host CPU detection: the only place that asks the x86 CPU (and, for AMX, Linux) what it supports.
#include "bfedge/kernels/host_isa.hpp"

#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace bfedge::kernels {
namespace {

// AMX-TILE and AMX-BF16 in CPUID, tile state enabled in XCR0, and Linux's permission to use it
// (arch_prctl ARCH_REQ_XCOMP_PERM for XFEATURE_XTILEDATA, process-wide, Linux ≥ 5.16). Without
// the permission the first tile instruction would kill the process, so no permission, no AMX.
bool amx_bf16_usable() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) == 0) return false;
  const bool amx_bf16 = (edx >> 22) & 1, amx_tile = (edx >> 24) & 1;
  if (!amx_bf16 || !amx_tile) return false;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0 || ((ecx >> 27) & 1) == 0) return false;  // OSXSAVE
  unsigned xcr0_lo = 0, xcr0_hi = 0;
  __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  if (((xcr0_lo >> 17) & 3) != 3) return false;  // XTILECFG and XTILEDATA
  constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
}

}  // namespace

std::uint32_t host_features() {
  static const std::uint32_t detected = [] {
    __builtin_cpu_init();
    std::uint32_t features = 0;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) features |= feature::avx2;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16")) {
      features |= feature::avx512bf16;
      if (amx_bf16_usable()) features |= feature::amxbf16;
    }
    return features;
  }();
  return detected;
}

}  // namespace bfedge::kernels
