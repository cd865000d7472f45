#include <cmath>

#include "bfedge/kernels/softmax.hpp"

namespace bfedge::kernels {

void softmax__ref(const SoftmaxParams& p, const runtime::Team& team) {
  if (team.core != 0) return;
  for (int r = 0; r < p.rows; ++r) {
    float* x = p.x + static_cast<std::size_t>(r) * p.ld;
    float max_val = -INFINITY;
    for (int j = 0; j < p.cols; ++j) max_val = x[j] * p.scale > max_val ? x[j] * p.scale : max_val;
    if (max_val == -INFINITY) {  // fully masked row
      for (int j = 0; j < p.cols; ++j) x[j] = 0.0f;
      continue;
    }
    float sum = 0.0f;
    for (int j = 0; j < p.cols; ++j) sum += (x[j] = std::exp(x[j] * p.scale - max_val));
    for (int j = 0; j < p.cols; ++j) x[j] /= sum;
  }
}

}  // namespace bfedge::kernels
