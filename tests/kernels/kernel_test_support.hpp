// Helpers for testing kernel variants against their reference: random BF16 data, output buffers
// with canaries past every row and after the end, and running a variant on a host cluster.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bfedge/kernels/host_isa.hpp"
#include "bfedge/core/bf16.hpp"
#include "bfedge/core/random_data.hpp"
#include "bfedge/kernels/host_call.hpp"
#include "bfedge/kernels/variant.hpp"
#include "bfedge/runtime/cluster.hpp"

namespace bfedge::test {

using bfedge::random_bf16;  // core/random_data.hpp: the same data as bench and `bfedge bench`
using bfedge::random_f32;

// Element `shift` past a 64-byte boundary inside `v` (which has at least 64 spare bytes): for
// tests of kernels that take faster paths on cache-line aligned operands.
template <class T>
std::size_t line_offset(const std::vector<T>& v, int shift) {
  const auto address = reinterpret_cast<std::uintptr_t>(v.data());
  const std::size_t to_line = ((64 - address % 64) % 64) / sizeof(T);
  return to_line + static_cast<std::size_t>(shift);
}

// A rows × cols matrix with row stride `ld` >= cols, plus `tail` elements after it. Every
// element outside the rows × cols window holds a canary that no kernel may touch. With
// line_shift >= 0 the matrix starts line_shift elements past a 64-byte boundary (canaries before).
template <class T>
class CanaryMatrix {
 public:
  static constexpr std::uint16_t kCanaryBits = 0x7fa5;  // a NaN payload no kernel produces

  CanaryMatrix(int rows, int cols, int ld, int tail = 37, int line_shift = -1)
      : rows_(rows), cols_(cols), ld_(ld),
        data_(static_cast<std::size_t>(rows) * ld + tail + (line_shift >= 0 ? 64 / sizeof(T) + line_shift : 0),
              canary()),
        lead_(line_shift >= 0 ? line_offset(data_, line_shift) : 0) {}

  T* data() { return data_.data() + lead_; }
  int ld() const { return ld_; }
  const T& at(int r, int c) const { return data_[lead_ + static_cast<std::size_t>(r) * ld_ + c]; }

  // Number of canaries that were overwritten.
  int damaged_canaries() const {
    int damaged = 0;
    for (std::size_t i = 0; i < data_.size(); ++i) {
      const bool before = i < lead_;
      const int r = static_cast<int>((i - lead_) / ld_), c = static_cast<int>((i - lead_) % ld_);
      const bool inside = !before && r < rows_ && c < cols_;
      if (!inside && !is_canary(data_[i])) ++damaged;
    }
    return damaged;
  }

 private:
  static T canary() {
    if constexpr (std::is_same_v<T, bf16>) {
      return bf16_from_bits(kCanaryBits);
    } else {
      return std::bit_cast<float>(0x7fa5a5a5u);
    }
  }
  static bool is_canary(const T& v) {
    if constexpr (std::is_same_v<T, bf16>) {
      return v.bits == kCanaryBits;
    } else {
      return std::bit_cast<std::uint32_t>(v) == 0x7fa5a5a5u;
    }
  }

  int rows_, cols_, ld_;
  std::vector<T> data_;
  std::size_t lead_;
};

// Runs `variant` with freshly allocated per-core scratch on `cores` host threads (with
// PackWeights::yes, after packing its weights the way a prepare step does).
template <class Params>
void run_variant(const kernels::Variant<Params>& variant, Params params, int cores,
                 kernels::PackWeights pack = kernels::PackWeights::no) {
  kernels::PreparedCall<Params> call(variant, params, cores, pack);
  runtime::HostCluster cluster(cores);
  call.run(cluster);
}

// The variant called `name` in `list` (the test fails when there is none).
template <class Params>
const kernels::Variant<Params>& variant_named(std::span<const kernels::Variant<Params>> list, const std::string& name) {
  for (const auto& v : list) {
    if (name == v.name) return v;
  }
  ADD_FAILURE() << "no variant " << name;
  return list.front();
}

// Skips the test (visibly) when the CPU cannot run the variant.
#define BFEDGE_SKIP_UNLESS_RUNNABLE(variant)                                                    \
  if (!::bfedge::kernels::runs_on_host((variant).key))                                     \
  GTEST_SKIP() << (variant).name << " needs " << ::bfedge::kernels::target_name((variant).key.target) \
               << " features 0x" << std::hex << (variant).key.needs << ", not available on this CPU"

// Turns a variant name plus shape into a valid gtest parameter name.
inline std::string param_name(const std::string& text) {
  std::string out;
  for (char c : text) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  return out;
}

}  // namespace bfedge::test
