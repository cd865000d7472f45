// Matrix-vector product y = W x for decoding, W (rows, cols) in PyTorch (out, in) layout and
// pre-packed once at load (prepare), so that 16 rows are computed side by side without any
// horizontal reduction:
//   packed[(rb * pairs + kp) * 32 + 2 * r + h] = W[16 * rb + r][2 * kp + h]
//   rb < ceil(rows / 16), kp < pairs = ceil(cols / 2), zero past the edges.
// One vdpbf16ps multiplies such a 64-byte group with a broadcast pair (x[2kp], x[2kp+1]).
// BF16 in memory, FP32 accumulation; y in BF16 (nearest even) or FP32.
#pragma once

#include <cstddef>
#include <span>

#include "bfedge/core/bf16.hpp"
#include "bfedge/kernels/matmul.hpp"
#include "bfedge/kernels/variant.hpp"

namespace bfedge::kernels {

inline constexpr int kMatvecRowBlock = 16;

constexpr int matvec_pairs(int cols) { return (cols + 1) / 2; }
constexpr std::size_t matvec_packed_elements(int rows, int cols) {
  return static_cast<std::size_t>((rows + kMatvecRowBlock - 1) / kMatvecRowBlock) *
         matvec_pairs(cols) * 2 * kMatvecRowBlock;
}
constexpr std::size_t matvec_packed_index(int cols, int row, int col) {
  return (static_cast<std::size_t>(row / kMatvecRowBlock) * matvec_pairs(cols) + col / 2) * 32 +
         2 * (row % kMatvecRowBlock) + (col % 2);
}

// Packs `rows` rows of `cols` from w (row stride ld) into `packed` (matvec_packed_elements).
void matvec_pack(const bf16* w, int rows, int cols, int ld, bf16* packed);

struct MatvecParams {
  int rows = 0, cols = 0;
  const bf16* w_packed = nullptr;  // matvec_pack layout
  const bf16* x = nullptr;         // (cols)
  void* y = nullptr;               // (rows), element type y_type
  OutType y_type = OutType::bf16;
  void* scratch = nullptr;
};

using MatvecVariant = Variant<MatvecParams>;
std::span<const MatvecVariant> matvec_variants();

void matvec__ref(const MatvecParams& p, const runtime::Team& team);
void matvec__portable_16row(const MatvecParams& p, const runtime::Team& team);
std::size_t matvec__portable_16row_scratch(const MatvecParams& p);
void matvec__avx2_16row(const MatvecParams& p, const runtime::Team& team);
void matvec__avx512bf16_16row(const MatvecParams& p, const runtime::Team& team);

}  // namespace bfedge::kernels
