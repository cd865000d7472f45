// rmsnorm__rv32_columns (kernels/rv32.hpp): one row shared by all cores — each core reduces the
// whole row (n is a model width: cheaper than a barrier) and writes its slice of columns.
#include <cmath>

#include "../sum4.hpp"
#include "bfedge/kernels/norm.hpp"
#include "rv32_common.hpp"

namespace bfedge::kernels {

void rmsnorm__rv32_columns(const NormParams& p, const runtime::Team& team) {
  for (int r = 0; r < p.rows; ++r) {
    const bf16* x = p.x + static_cast<std::size_t>(r) * p.n;
    bf16* out = p.out + static_cast<std::size_t>(r) * p.n;
    const float ss = sum4(p.n, [x](int j) { return to_f32(x[j]) * to_f32(x[j]); });
    const float inv = 1.0f / std::sqrt(ss / static_cast<float>(p.n) + p.eps);
    const runtime::Range mine = runtime::split_range(p.n, team.core, team.cores);
    for (int j = mine.begin; j < mine.end; ++j) out[j] = to_bf16(to_f32(p.gamma[j]) * (inv * to_f32(x[j])));
  }
}

}  // namespace bfedge::kernels
