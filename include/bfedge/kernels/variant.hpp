// One kernel variant: a name that says what it is, the ISA level it needs, its entry point and
// the per-core scratch it wants. Each op keeps its variants in one list (src/kernels/variants.cpp)
// that feeds dispatch, the tests and the benchmarks.
#pragma once

#include <cstddef>
#include <span>

#include "bfedge/core/round_up.hpp"
#include "bfedge/kernels/isa.hpp"
#include "bfedge/runtime/team.hpp"

namespace bfedge::kernels {

template <class Params>
struct Variant {
  const char* name;
  Isa isa;
  void (*run)(const Params& params, const runtime::Team& team);
  // Bytes of scratch each core needs for `params` (the caller passes cores × this), or null.
  std::size_t (*scratch_bytes_per_core)(const Params& params);
  // Bytes of workspace shared by all cores (Params::workspace), or null for ops without one.
  std::size_t (*workspace_bytes)(const Params& params) = nullptr;

  std::size_t scratch_bytes(const Params& params) const {
    return scratch_bytes_per_core == nullptr ? 0 : scratch_bytes_per_core(params);
  }
};

// The most specialized variant whose level is <= cap (lists are ordered reference first).
template <class Params>
const Variant<Params>& select_variant(std::span<const Variant<Params>> variants, Isa cap) {
  const Variant<Params>* best = &variants.front();
  for (const Variant<Params>& v : variants) {
    if (v.isa <= cap && v.isa >= best->isa) best = &v;
  }
  return *best;
}

// Scratch for core `core` inside a buffer of cores × per_core bytes (64-byte aligned slices).
constexpr std::size_t aligned_scratch_bytes(std::size_t bytes) { return round_up(bytes, 64); }
template <class T>
T* core_scratch(void* base, std::size_t per_core_bytes, int core) {
  return reinterpret_cast<T*>(static_cast<unsigned char*>(base) +
                              aligned_scratch_bytes(per_core_bytes) * static_cast<std::size_t>(core));
}

}  // namespace bfedge::kernels
