#include <cmath>

#include "bfedge/kernels/fast_math.hpp"
#include "bfedge/kernels/softmax.hpp"

namespace bfedge::kernels {

void softmax__portable_fastexp(const SoftmaxParams& p, const runtime::Team& team) {
  const runtime::Range rows = runtime::split_range(p.rows, team.core, team.cores);
  for (int r = rows.begin; r < rows.end; ++r) {
    float* x = p.x + static_cast<std::size_t>(r) * p.ld;
    float max_val = -INFINITY;
    for (int j = 0; j < p.cols; ++j) max_val = x[j] * p.scale > max_val ? x[j] * p.scale : max_val;
    if (max_val == -INFINITY) {
      for (int j = 0; j < p.cols; ++j) x[j] = 0.0f;
      continue;
    }
    float sum = 0.0f;
    for (int j = 0; j < p.cols; ++j) sum += (x[j] = fast_exp(x[j] * p.scale - max_val));
    const float inv = 1.0f / sum;
    for (int j = 0; j < p.cols; ++j) x[j] *= inv;
  }
}

}  // namespace bfedge::kernels
