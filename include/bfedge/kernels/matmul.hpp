// Matrix multiply with optional bias: C[m×n] = A[m×k] · op(B) + bias.
//   op(B) = B stored (k, n) row-major, or, with b_transposed, Bᵀ of B stored (n, k) — the
//   layout of a PyTorch Linear weight, so linear(x) = matmul(x, W, b_transposed = true).
// BF16 operands, FP32 accumulation, C in BF16 (rounded to nearest even) or FP32.
#pragma once

#include <cstddef>
#include <span>
#include <type_traits>

#include "bfedge/core/bf16.hpp"
#include "bfedge/kernels/epilogue.hpp"
#include "bfedge/kernels/variant.hpp"

namespace bfedge::kernels {

enum class OutType : unsigned char { bf16, f32 };

struct MatmulParams {
  int m = 0, n = 0, k = 0;
  const bf16* a = nullptr;  // (m, k), row stride lda
  int lda = 0;
  const bf16* b = nullptr;  // (k, n) row stride ldb, or (n, k) when b_transposed
  int ldb = 0;
  bool b_transposed = false;
  const bf16* bias = nullptr;  // (n) or null
  void* c = nullptr;           // (m, n), row stride ldc, element type c_type
  int ldc = 0;
  OutType c_type = OutType::bf16;
  Epilogue epilogue = Epilogue::none;  // applied to each value (bias added) before it is stored
  void* scratch = nullptr;  // cores × variant.scratch_bytes(params), 64-byte aligned
  // op(B) already packed by this variant's pack_weights (its packed_weights_bytes, 64-byte
  // aligned), or null: the variant packs B panels into scratch on every call.
  const void* packed_b = nullptr;
};

using MatmulVariant = Variant<MatmulParams>;
std::span<const MatmulVariant> matmul_variants();

// Stores one finished accumulator (bias already added) into C, through the epilogue.
inline void store_matmul_out(const MatmulParams& p, int i, int j, float acc) {
  const std::size_t at = static_cast<std::size_t>(i) * p.ldc + j;
  const float value = apply_epilogue(p.epilogue, acc);
  if (p.c_type == OutType::f32) {
    static_cast<float*>(p.c)[at] = value;
  } else {
    static_cast<bf16*>(p.c)[at] = to_bf16(value);
  }
}

// B element (kk, j) of op(B).
inline bf16 matmul_b_at(const MatmulParams& p, int kk, int j) {
  return p.b_transposed ? p.b[static_cast<std::size_t>(j) * p.ldb + kk]
                        : p.b[static_cast<std::size_t>(kk) * p.ldb + j];
}

// The part of C one core computes: whole panels of `nr` columns split over the cores, or, when
// there are fewer panels than cores, all columns and a share of the rows.
struct MatmulShare {
  runtime::Range rows;
  runtime::Range cols;
};
inline MatmulShare matmul_share(const MatmulParams& p, int nr, const runtime::Team& team) {
  const int panels = (p.n + nr - 1) / nr;
  if (panels >= team.cores) {
    return {{0, p.m}, runtime::split_blocks(p.n, nr, team.core, team.cores)};
  }
  return {runtime::split_range(p.m, team.core, team.cores), {0, p.n}};
}

// The loop every blocked variant runs on its share: pack one `nr`-column panel of op(B) into
// `panel` with pack(j0, panel), then run block(panel, i0, rows, j0, cols) over row blocks of at
// most `mr` rows. A pack that returns a pointer names the panel to use instead (a panel of
// pre-packed weights, MatmulParams::packed_b).
template <int Nr, int Mr, class Panel, class Pack, class Block>
void for_each_panel_block(const MatmulParams& p, const runtime::Team& team, Panel* panel, Pack pack,
                          Block block) {
  const MatmulShare share = matmul_share(p, Nr, team);
  for (int j0 = share.cols.begin; j0 < share.cols.end; j0 += Nr) {
    const Panel* use = panel;
    if constexpr (std::is_void_v<decltype(pack(j0, panel))>) {
      pack(j0, panel);
    } else {
      use = pack(j0, panel);
    }
    const int cols = share.cols.end - j0 < Nr ? share.cols.end - j0 : Nr;
    for (int i0 = share.rows.begin; i0 < share.rows.end; i0 += Mr) {
      block(use, i0, share.rows.end - i0 < Mr ? share.rows.end - i0 : Mr, j0, cols);
    }
  }
}

void matmul__ref(const MatmulParams& p, const runtime::Team& team);
void matmul__portable_4x4(const MatmulParams& p, const runtime::Team& team);
std::size_t matmul__portable_4x4_scratch(const MatmulParams& p);
void matmul__avx2_6x16(const MatmulParams& p, const runtime::Team& team);
std::size_t matmul__avx2_6x16_scratch(const MatmulParams& p);
void matmul__avx512bf16_8x32(const MatmulParams& p, const runtime::Team& team);
std::size_t matmul__avx512bf16_8x32_scratch(const MatmulParams& p);
std::size_t matmul__avx512bf16_8x32_packed_bytes(const MatmulParams& p);
void matmul__avx512bf16_8x32_pack(MatmulParams& p, void* dst);
void matmul__amxbf16_32x32(const MatmulParams& p, const runtime::Team& team);
std::size_t matmul__amxbf16_32x32_scratch(const MatmulParams& p);
std::size_t matmul__amxbf16_32x32_packed_bytes(const MatmulParams& p);
void matmul__amxbf16_32x32_pack(MatmulParams& p, void* dst);

}  // namespace bfedge::kernels
