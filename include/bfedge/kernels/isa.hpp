// The host's user-facing ISA cap (`--isa`-style options, BFEDGE_ISA): a ladder of x86 levels
// that maps onto the (target, features) model of kernels/target.hpp. Variants are not keyed by
// it; x86_spec(cap) turns a cap into what dispatch may use (on the host: kernels/host_isa.hpp).
// Freestanding.
#pragma once

#include "bfedge/kernels/target.hpp"

namespace bfedge::kernels {

enum class Isa : unsigned char {
  reference = 0,   // the oracles only
  portable = 1,    // + freestanding C++ variants (no x86 features)
  avx2 = 2,        // + x86-64 AVX2 + FMA
  avx512bf16 = 3,  // + x86-64 AVX-512F/BW/VL + AVX512_BF16 (vdpbf16ps)
  amxbf16 = 4,     // + AMX-TILE/AMX-BF16 (tdpbf16ps), tile state granted by the OS
};

constexpr const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::reference: return "reference";
    case Isa::portable: return "portable";
    case Isa::avx2: return "avx2";
    case Isa::avx512bf16: return "avx512bf16";
    case Isa::amxbf16: return "amxbf16";
  }
  return "unknown";
}

// The x86 features a cap allows.
constexpr std::uint32_t isa_features(Isa isa) {
  switch (isa) {
    case Isa::reference:
    case Isa::portable: return 0;
    case Isa::avx2: return feature::avx2;
    case Isa::avx512bf16: return feature::avx2 | feature::avx512bf16;
    case Isa::amxbf16: return feature::avx2 | feature::avx512bf16 | feature::amxbf16;
  }
  return 0;
}

// What dispatch may use on an x86 host capped at `cap` (the CPU must have the cap's features).
constexpr TargetSpec x86_spec(Isa cap) {
  return {Target::x86, isa_features(cap), cap == Isa::reference ? Tier::reference : Tier::tuned};
}

}  // namespace bfedge::kernels
