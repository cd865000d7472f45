// Portable activations with fast_exp (kernels/fast_math.hpp); branch-free, vectorizable loops.
#include "bfedge/kernels/activation.hpp"
#include "bfedge/kernels/fast_math.hpp"

namespace bfedge::kernels {

void swiglu__portable_fastexp(const SwigluParams& p, const runtime::Team& team) {
  const runtime::Range r = runtime::split_range(p.n, team.core, team.cores);
  for (int i = r.begin; i < r.end; ++i) {
    const float g = to_f32(p.gate[i]);
    p.gate[i] = to_bf16(g / (1.0f + fast_exp(-g)) * to_f32(p.up[i]));
  }
}

}  // namespace bfedge::kernels
