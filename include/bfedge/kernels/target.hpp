// Where a kernel variant runs, as (target, features) instead of one ISA ladder. A variant's key
// says its tier (the reference oracle, portable C++ for any target, or tuned for one target),
// the target it is tuned for, and the features it needs there; a TargetSpec says what a machine
// has. Feature bits belong to one target each (x86's never appear in an rv32 spec), so "needs ⊆
// has" alone says whether a variant can execute. Freestanding.
//
//   target  features                              variants
//   any     —                                     *__ref (tier reference), *__portable* (tier portable)
//   x86     avx2 (+FMA), avx512bf16 (+F/BW/VL),    *__avx2*, *__avx512bf16*, *__amxbf16*
//           amxbf16 (AMX tiles)
//   rv32    imafc; room for xpulp, pulp_bf16simd    *__rv32_* (plain C++: need nothing, so they run on
//                                                  the host too, where the tests check them)
#pragma once

#include <cstdint>

namespace bfedge::kernels {

enum class Target : unsigned char { any, x86, rv32 };

enum class Tier : unsigned char {
  reference = 0,  // scalar oracle, one core
  portable = 1,   // freestanding C++, SPMD, any target
  tuned = 2,      // written for one target (intrinsics, or plain C++ shaped for its cores)
};

namespace feature {
inline constexpr std::uint32_t avx2 = 1u << 0;        // x86-64 AVX2 + FMA
inline constexpr std::uint32_t avx512bf16 = 1u << 1;  // x86-64 AVX-512F/BW/VL + AVX512_BF16
inline constexpr std::uint32_t amxbf16 = 1u << 2;     // x86-64 AMX-TILE + AMX-BF16, tile state granted
inline constexpr std::uint32_t rv32imafc = 1u << 8;   // RV32 base + M, A, F, C
inline constexpr std::uint32_t xpulp = 1u << 9;       // PULP's Xpulp (post-increment loads, hw loops): no variant yet
inline constexpr std::uint32_t pulp_bf16simd = 1u << 10;  // PULP's packed BF16 SIMD: no variant yet
}  // namespace feature

struct VariantKey {
  Tier tier = Tier::reference;
  Target target = Target::any;
  std::uint32_t needs = 0;  // feature bits
};

inline constexpr VariantKey kReference{Tier::reference, Target::any, 0};
inline constexpr VariantKey kPortable{Tier::portable, Target::any, 0};
inline constexpr VariantKey kX86Avx2{Tier::tuned, Target::x86, feature::avx2};
inline constexpr VariantKey kX86Avx512Bf16{Tier::tuned, Target::x86, feature::avx2 | feature::avx512bf16};
inline constexpr VariantKey kX86AmxBf16{Tier::tuned, Target::x86,
                                        feature::avx2 | feature::avx512bf16 | feature::amxbf16};
inline constexpr VariantKey kRv32{Tier::tuned, Target::rv32, 0};  // plain C++ for the MCU cluster

// What one machine offers dispatch: its target, its features, and the highest tier to pick
// (a cap at the reference tier selects the oracles only).
struct TargetSpec {
  Target target = Target::any;
  std::uint32_t features = 0;
  Tier max_tier = Tier::tuned;
};

inline constexpr TargetSpec kRv32Imafc{Target::rv32, feature::rv32imafc, Tier::tuned};

// The variant's code can execute where `spec`'s features are (tests run it there).
constexpr bool runs_on(const VariantKey& key, const TargetSpec& spec) { return (key.needs & ~spec.features) == 0; }

// Dispatch on `spec` may pick the variant: it runs there, is of `spec`'s target (or any) and
// within the tier cap.
constexpr bool selectable_on(const VariantKey& key, const TargetSpec& spec) {
  return runs_on(key, spec) && (key.target == Target::any || key.target == spec.target) &&
         key.tier <= spec.max_tier;
}

// How specialized a variant is: its tier, then how many features it needs.
constexpr int specialization(const VariantKey& key) {
  return static_cast<int>(key.tier) * 64 + __builtin_popcount(key.needs);
}

constexpr const char* target_name(Target target) {
  switch (target) {
    case Target::any: return "any";
    case Target::x86: return "x86";
    case Target::rv32: return "rv32";
  }
  return "unknown";
}

}  // namespace bfedge::kernels
