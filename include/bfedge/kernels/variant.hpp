// One kernel variant: a name that says what it is, where it runs (its key: tier, target,
// features; kernels/target.hpp), its entry point and the per-core scratch it wants. Each op keeps
// its variants in one list (src/kernels/variants.cpp, compiled for every target) that feeds
// dispatch, the tests (host and on-target) and the benchmarks.
#pragma once

#include <cstddef>
#include <span>

#include "bfedge/core/round_up.hpp"
#include "bfedge/kernels/target.hpp"
#include "bfedge/runtime/team.hpp"

namespace bfedge::kernels {

template <class Params>
struct Variant {
  const char* name;
  VariantKey key;
  void (*run)(const Params& params, const runtime::Team& team);
  // Bytes of scratch each core needs for `params` (the caller passes cores × this), or null.
  std::size_t (*scratch_bytes_per_core)(const Params& params);
  // Bytes of workspace shared by all cores (Params::workspace), or null for ops without one.
  std::size_t (*workspace_bytes)(const Params& params) = nullptr;
  // Optional weight packing, for variants that reorder a constant operand (matmul: op(B)) into
  // their own layout: the bytes of the packed form, and pack_weights(params, dst), which writes
  // it to dst (64-byte aligned) and points params at it, so later runs skip per-call packing.
  // A caller (graph executor, PreparedCall) packs once at prepare time; the packed form is only
  // valid for the variant that wrote it. Both null: the variant reads its weights as given.
  std::size_t (*packed_weights_bytes)(const Params& params) = nullptr;
  void (*pack_weights)(Params& params, void* dst) = nullptr;

  std::size_t scratch_bytes(const Params& params) const {
    return scratch_bytes_per_core == nullptr ? 0 : scratch_bytes_per_core(params);
  }
};

// The most specialized variant dispatch may pick on `spec` (kernels/target.hpp: highest tier,
// then most features; on a tie the later one). Lists start with the reference, which every
// target runs, so there is always one.
template <class Params>
const Variant<Params>& select_variant(std::span<const Variant<Params>> variants, const TargetSpec& spec) {
  const Variant<Params>* best = &variants.front();
  for (const Variant<Params>& v : variants) {
    if (selectable_on(v.key, spec) && specialization(v.key) >= specialization(best->key)) best = &v;
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
