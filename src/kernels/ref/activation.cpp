#include <cmath>

#include "bfedge/kernels/activation.hpp"

namespace bfedge::kernels {

void swiglu__ref(const SwigluParams& p, const runtime::Team& team) {
  if (team.core != 0) return;
  for (int i = 0; i < p.n; ++i) {
    float val = to_f32(p.gate[i]);  // the operation order of llama2.c run.c
    val *= 1.0f / (1.0f + std::exp(-val));
    val *= to_f32(p.up[i]);
    p.gate[i] = to_bf16(val);
  }
}

}  // namespace bfedge::kernels
