// Instruction-set levels kernel variants are written for, ordered from the oracle upwards.
// A variant runs where its level is available; dispatch takes the most specialized variant
// at or below a cap (on the host: kernels/host_isa.hpp). Freestanding.
#pragma once

namespace bfedge::kernels {

enum class Isa : unsigned char {
  reference = 0,   // scalar oracle, one core
  portable = 1,    // freestanding C++, register-blocked, SPMD: any target (host, RV32)
  avx2 = 2,        // x86-64 AVX2 + FMA
  avx512bf16 = 3,  // x86-64 AVX-512F/BW/VL + AVX512_BF16 (vdpbf16ps)
  amxbf16 = 4,     // avx512bf16 + AMX-TILE/AMX-BF16 (tdpbf16ps), tile state granted by the OS
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

}  // namespace bfedge::kernels
