// Instruction-set levels kernel variants are written for, ordered from the oracle upwards.
// A variant runs where its level is available; dispatch takes the most specialized variant
// at or below a cap (the host's best level, lowered with BFEDGE_ISA=<name>).
#pragma once

#include <string_view>

#include "bfedge/core/status.hpp"

namespace bfedge::kernels {

enum class Isa : unsigned char {
  reference = 0,   // scalar oracle, one core
  portable = 1,    // freestanding C++, register-blocked, SPMD: any target (host, RV32)
  avx2 = 2,        // x86-64 AVX2 + FMA
  avx512bf16 = 3,  // x86-64 AVX-512F/BW/VL + AVX512_BF16 (vdpbf16ps)
};

constexpr const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::reference: return "reference";
    case Isa::portable: return "portable";
    case Isa::avx2: return "avx2";
    case Isa::avx512bf16: return "avx512bf16";
  }
  return "unknown";
}

Result<Isa> parse_isa(std::string_view name);

// The best level this CPU runs (detected once).
Isa host_isa();

// host_isa(), lowered by the environment variable BFEDGE_ISA when it is set.
// An unknown name or a level the CPU lacks is an error.
Result<Isa> host_isa_cap();

inline bool isa_runs_on_host(Isa isa) { return isa <= host_isa(); }

}  // namespace bfedge::kernels
