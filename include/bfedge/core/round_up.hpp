// Rounding up to a multiple, freestanding: kernels, firmware and the host's job images.
#pragma once

#include <type_traits>

namespace bfedge {

// The smallest multiple of `multiple` (> 0) that is >= `value` (>= 0).
template <class T>
constexpr T round_up(T value, std::type_identity_t<T> multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

}  // namespace bfedge
