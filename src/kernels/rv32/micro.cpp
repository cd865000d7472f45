#include "rv32_common.hpp"

namespace bfedge::kernels::rv32 {

namespace {
// 32-bit words that may alias the BF16 and FP32 buffers (landed rows start 4-byte aligned).
using Word = std::uint32_t __attribute__((may_alias, aligned(4)));
}  // namespace

void widen_packed(const bf16* landed, int ld, int rows, int cols, int depth, int block, int r0, int r1, float* packed) {
  for (int row = r0; row < r1; ++row) {
    Word* out = reinterpret_cast<Word*>(packed + static_cast<std::size_t>(row / block) * depth * block + row % block);
    int kk = 0;
    if (row < rows) {
      // Two BF16 values per 32-bit load: the low half is the lower address (little endian).
      const Word* in = reinterpret_cast<const Word*>(landed + static_cast<std::size_t>(row) * ld);
      const int pairs = cols / 2;
      Word* o = out;
#pragma GCC unroll 2
      for (int pair = 0; pair < pairs; ++pair, o += 2 * block) {
        const std::uint32_t two = in[pair];
        o[0] = two << 16;
        o[block] = two & 0xffff0000u;
      }
      kk = 2 * pairs;
      if (kk < cols) out[kk * block] = static_cast<std::uint32_t>(landed[static_cast<std::size_t>(row) * ld + kk].bits) << 16;
      kk = cols;
    }
    for (; kk < depth; ++kk) out[kk * block] = 0;
  }
}

// GCC's first scheduling pass hoists the loads of the unrolled steps and spills accumulators;
// without it the 24 accumulators stay in registers.
__attribute__((optimize("no-schedule-insns"))) void micro_4x6(const float* a, const float* w, int depth, float* c,
                                                               int ldc) {
  float c00 = c[0], c01 = c[1], c02 = c[2], c03 = c[3], c04 = c[4], c05 = c[5];
  float* c1 = c + ldc;
  float c10 = c1[0], c11 = c1[1], c12 = c1[2], c13 = c1[3], c14 = c1[4], c15 = c1[5];
  float* c2 = c1 + ldc;
  float c20 = c2[0], c21 = c2[1], c22 = c2[2], c23 = c2[3], c24 = c2[4], c25 = c2[5];
  float* c3 = c2 + ldc;
  float c30 = c3[0], c31 = c3[1], c32 = c3[2], c33 = c3[3], c34 = c3[4], c35 = c3[5];
  for (int kk = 0; kk < depth; kk += 2) {
#pragma GCC unroll 2
    for (int u = 0; u < 2; ++u) {
      const float a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
      float b = w[0];
      c00 += a0 * b, c10 += a1 * b, c20 += a2 * b, c30 += a3 * b;
      b = w[1];
      c01 += a0 * b, c11 += a1 * b, c21 += a2 * b, c31 += a3 * b;
      b = w[2];
      c02 += a0 * b, c12 += a1 * b, c22 += a2 * b, c32 += a3 * b;
      b = w[3];
      c03 += a0 * b, c13 += a1 * b, c23 += a2 * b, c33 += a3 * b;
      b = w[4];
      c04 += a0 * b, c14 += a1 * b, c24 += a2 * b, c34 += a3 * b;
      b = w[5];
      c05 += a0 * b, c15 += a1 * b, c25 += a2 * b, c35 += a3 * b;
      a += kMr;
      w += kNr;
    }
  }
  c[0] = c00, c[1] = c01, c[2] = c02, c[3] = c03, c[4] = c04, c[5] = c05;
  c1[0] = c10, c1[1] = c11, c1[2] = c12, c1[3] = c13, c1[4] = c14, c1[5] = c15;
  c2[0] = c20, c2[1] = c21, c2[2] = c22, c2[3] = c23, c2[4] = c24, c2[5] = c25;
  c3[0] = c30, c3[1] = c31, c3[2] = c32, c3[3] = c33, c3[4] = c34, c3[5] = c35;
}

}  // namespace bfedge::kernels::rv32
