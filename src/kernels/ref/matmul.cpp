#include "bfedge/kernels/matmul.hpp"

namespace bfedge::kernels {

void matmul__ref(const MatmulParams& p, const runtime::Team& team) {
  if (team.core != 0) return;  // the oracle runs on one core
  for (int i = 0; i < p.m; ++i) {
    for (int j = 0; j < p.n; ++j) {
      float acc = 0.0f;
      for (int kk = 0; kk < p.k; ++kk) {
        acc += to_f32(p.a[static_cast<std::size_t>(i) * p.lda + kk]) * to_f32(matmul_b_at(p, kk, j));
      }
      if (p.bias != nullptr) acc += to_f32(p.bias[j]);
      store_matmul_out(p, i, j, acc);
    }
  }
}

}  // namespace bfedge::kernels
