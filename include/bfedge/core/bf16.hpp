// BFloat16 stored as uint16_t: the upper half of an IEEE-754 binary32.
//
//   bit 15      sign
//   bits 14..7  exponent (bias 127, same as f32)
//   bits 6..0   mantissa (7 explicit bits)
//
// f32 -> bf16 rounds to nearest, ties to even. NaN stays NaN (made quiet, sign kept),
// +-Inf stays +-Inf, values past the largest finite bf16 round to Inf, subnormals round
// like any other value (integer arithmetic, so no FTZ/DAZ surprises). bf16 -> f32 is exact.
// Freestanding: usable in device code.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

namespace bfedge {

struct bf16 {
  std::uint16_t bits = 0;

  friend constexpr bool operator==(bf16, bf16) = default;
};

constexpr bf16 bf16_from_bits(std::uint16_t bits) { return bf16{bits}; }

constexpr float to_f32(bf16 value) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(value.bits) << 16);
}

constexpr bf16 to_bf16(float value) {
  const std::uint32_t u = std::bit_cast<std::uint32_t>(value);
  if ((u & 0x7fffffffu) > 0x7f800000u) {
    // NaN: keep sign and top payload bits, force the quiet bit so truncation cannot make Inf.
    return bf16{static_cast<std::uint16_t>((u >> 16) | 0x0040u)};
  }
  const std::uint32_t lsb = (u >> 16) & 1u;
  return bf16{static_cast<std::uint16_t>((u + 0x7fffu + lsb) >> 16)};
}

// Identity conversions let kernels be written once for float and bf16 storage.
constexpr float to_f32(float value) { return value; }

template <class T>
constexpr T from_f32(float value);
template <>
constexpr float from_f32<float>(float value) {
  return value;
}
template <>
constexpr bf16 from_f32<bf16>(float value) {
  return to_bf16(value);
}

// Bulk conversions; `count` elements, buffers must not overlap.
void convert_f32_to_bf16(const float* src, bf16* dst, std::size_t count);
void convert_bf16_to_f32(const bf16* src, float* dst, std::size_t count);

}  // namespace bfedge
