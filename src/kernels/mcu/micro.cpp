#include "mcu_common.hpp"

namespace bfedge::kernels::mcu {

void widen_packed(const bf16* landed, int ld, int rows, int cols, int depth, int g0, int g1, float* packed) {
  for (int g = g0; g < g1; ++g) {
    float* out = packed + static_cast<std::size_t>(g) * depth * kBlock;
    for (int r = 0; r < kBlock; ++r) {
      const int row = g * kBlock + r;
      const bf16* in = landed + static_cast<std::size_t>(row) * ld;
      int kk = 0;
      if (row < rows) {
        for (; kk < cols; ++kk) out[kk * kBlock + r] = to_f32(in[kk]);
      }
      for (; kk < depth; ++kk) out[kk * kBlock + r] = 0.0f;
    }
  }
}

void micro_4x4(const float* a, const float* b, int depth, float acc[kBlock][kBlock]) {
  float c00 = acc[0][0], c01 = acc[0][1], c02 = acc[0][2], c03 = acc[0][3];
  float c10 = acc[1][0], c11 = acc[1][1], c12 = acc[1][2], c13 = acc[1][3];
  float c20 = acc[2][0], c21 = acc[2][1], c22 = acc[2][2], c23 = acc[2][3];
  float c30 = acc[3][0], c31 = acc[3][1], c32 = acc[3][2], c33 = acc[3][3];
  for (int kk = 0; kk < depth; kk += 4) {
#pragma GCC unroll 4
    for (int u = 0; u < 4; ++u) {
      const float a0 = a[4 * u], a1 = a[4 * u + 1], a2 = a[4 * u + 2], a3 = a[4 * u + 3];
      const float b0 = b[4 * u], b1 = b[4 * u + 1], b2 = b[4 * u + 2], b3 = b[4 * u + 3];
      c00 += a0 * b0, c01 += a0 * b1, c02 += a0 * b2, c03 += a0 * b3;
      c10 += a1 * b0, c11 += a1 * b1, c12 += a1 * b2, c13 += a1 * b3;
      c20 += a2 * b0, c21 += a2 * b1, c22 += a2 * b2, c23 += a2 * b3;
      c30 += a3 * b0, c31 += a3 * b1, c32 += a3 * b2, c33 += a3 * b3;
    }
    a += 16;
    b += 16;
  }
  acc[0][0] = c00, acc[0][1] = c01, acc[0][2] = c02, acc[0][3] = c03;
  acc[1][0] = c10, acc[1][1] = c11, acc[1][2] = c12, acc[1][3] = c13;
  acc[2][0] = c20, acc[2][1] = c21, acc[2][2] = c22, acc[2][3] = c23;
  acc[3][0] = c30, acc[3][1] = c31, acc[3][2] = c32, acc[3][3] = c33;
}

}  // namespace bfedge::kernels::mcu
