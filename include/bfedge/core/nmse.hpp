// Normalized mean squared error, sum((got - want)²) / sum(want²) in double: the error measure the
// BF16 and optimized paths are held to (docs/kernels.md). Host only (<cmath>).
#pragma once

#include <cmath>
#include <cstddef>
#include <iterator>
#include <limits>

namespace bfedge {

// Over want's elements (got has at least as many). A non-finite `got` gives infinity; an all-zero
// `want` gives the plain squared error.
template <class Got, class Want>
double nmse(const Got& got, const Want& want) {
  double err = 0.0, norm = 0.0;
  for (std::size_t i = 0; i < std::size(want); ++i) {
    const double g = got[i], w = want[i];
    if (!std::isfinite(g)) return std::numeric_limits<double>::infinity();
    err += (g - w) * (g - w);
    norm += w * w;
  }
  return norm > 0 ? err / norm : err;
}

}  // namespace bfedge
