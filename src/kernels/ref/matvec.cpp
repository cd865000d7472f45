#include "bfedge/kernels/matvec.hpp"

namespace bfedge::kernels {

void matvec_pack(const bf16* w, int rows, int cols, int ld, bf16* packed) {
  const std::size_t total = matvec_packed_elements(rows, cols);
  for (std::size_t i = 0; i < total; ++i) packed[i] = bf16{};
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      packed[matvec_packed_index(cols, r, c)] = w[static_cast<std::size_t>(r) * ld + c];
    }
  }
}

void matvec__ref(const MatvecParams& p, const runtime::Team& team) {
  if (team.core != 0) return;
  for (int r = 0; r < p.rows; ++r) {
    float acc = 0.0f;
    for (int c = 0; c < p.cols; ++c) {
      acc += to_f32(p.w_packed[matvec_packed_index(p.cols, r, c)]) * to_f32(p.x[c]);
    }
    if (p.y_type == OutType::f32) {
      static_cast<float*>(p.y)[r] = acc;
    } else {
      static_cast<bf16*>(p.y)[r] = to_bf16(acc);
    }
  }
}

}  // namespace bfedge::kernels
