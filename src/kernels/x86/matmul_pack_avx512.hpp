// op(B) packing (and the C row store) shared by the AVX-512 BF16 and AMX BF16 matmuls: panels of kNr = 32 columns,
// k-pairs interleaved by column, [pairs][32][2] bf16 — a vdpbf16ps B operand is one 16-column
// half of a pair row, an AMX B tile (16 pairs × 16 columns × 2) is 16 pair rows of one half
// (stride 128 bytes). Columns past n and pairs past k are zeros. Whole-B packing lays the
// panels out one after another, `pairs` rows each.
#pragma once

#include "bfedge/kernels/matmul.hpp"
#include "x86_target.hpp"

#include <cstddef>

namespace bfedge::kernels::x86::matmul_pack {

constexpr int kNr = 32;

constexpr int k_pairs(int k) { return (k + 1) / 2; }
constexpr int panel_count(int n) { return (n + kNr - 1) / kNr; }
constexpr std::size_t panel_elements(int pairs) { return static_cast<std::size_t>(pairs) * kNr * 2; }

// Scalar packing for partial panels and an odd last k.
BFEDGE_TARGET_AVX512BF16 inline void pack_pair_scalar(const MatmulParams& p, int j0, int kp, std::uint16_t* row) {
  for (int c = 0; c < kNr; ++c) {
    const int j = j0 + c;
    const int k0 = 2 * kp;
    row[2 * c] = j < p.n && k0 < p.k ? matmul_b_at(p, k0, j).bits : 0;
    row[2 * c + 1] = j < p.n && k0 + 1 < p.k ? matmul_b_at(p, k0 + 1, j).bits : 0;
  }
}

// B (k, n): interleave rows 2kp and 2kp+1 of 32 columns (unpack within 128-bit lanes, then put
// the lanes back in column order).
BFEDGE_TARGET_AVX512BF16 inline void pack_pair_nn(const MatmulParams& p, int j0, int kp, std::uint16_t* row) {
  const __m512i r0 = _mm512_loadu_si512(p.b + static_cast<std::size_t>(2 * kp) * p.ldb + j0);
  const __m512i r1 = _mm512_loadu_si512(p.b + static_cast<std::size_t>(2 * kp + 1) * p.ldb + j0);
  const __m512i lo = _mm512_unpacklo_epi16(r0, r1), hi = _mm512_unpackhi_epi16(r0, r1);
  const __m512i first = _mm512_set_epi64(11, 10, 3, 2, 9, 8, 1, 0);
  const __m512i second = _mm512_set_epi64(15, 14, 7, 6, 13, 12, 5, 4);
  _mm512_storeu_si512(row, _mm512_permutex2var_epi64(lo, first, hi));
  _mm512_storeu_si512(row + 32, _mm512_permutex2var_epi64(lo, second, hi));
}

// B stored (n, k): the (k, k+1) pair of column j is one 32-bit word of row j; gather 16 rows.
BFEDGE_TARGET_AVX512BF16 inline void pack_pair_nt(const MatmulParams& p, int j0, int kp, std::uint16_t* row) {
  const __m512i rows = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                          _mm512_set1_epi32(p.ldb));
  const bf16* base = p.b + static_cast<std::size_t>(j0) * p.ldb + 2 * kp;
  _mm512_storeu_si512(row, _mm512_i32gather_epi32(rows, base, 2));
  _mm512_storeu_si512(row + 32, _mm512_i32gather_epi32(rows, base + static_cast<std::size_t>(16) * p.ldb, 2));
}

// B stored (n, k), 8 k-pairs at a time: each 8-row group is an 8×8 transpose of 32-bit pairs
// (unpack 32/64, then swap 128-bit halves), stored as 8 columns of 8 consecutive k-pairs.
BFEDGE_TARGET_AVX512BF16 inline void pack_8_pairs_nt(const MatmulParams& p, int j0, int kp0, std::uint16_t* panel) {
  for (int group = 0; group < kNr / 8; ++group) {
    __m256i r[8];
    for (int i = 0; i < 8; ++i) {
      r[i] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(
          p.b + static_cast<std::size_t>(j0 + group * 8 + i) * p.ldb + 2 * kp0));
    }
    __m256i t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
      t[i] = _mm256_unpacklo_epi32(r[i], r[i + 1]);
      t[i + 1] = _mm256_unpackhi_epi32(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
      u[i] = _mm256_unpacklo_epi64(t[i], t[i + 2]);
      u[i + 1] = _mm256_unpackhi_epi64(t[i], t[i + 2]);
      u[i + 2] = _mm256_unpacklo_epi64(t[i + 1], t[i + 3]);
      u[i + 3] = _mm256_unpackhi_epi64(t[i + 1], t[i + 3]);
    }
    // u[0..3] hold pairs (kp0 + {0,1,2,3}, and +4.. in the high half) of rows 0-3 | 4-7.
    for (int i = 0; i < 4; ++i) {
      const __m256i low = _mm256_permute2x128_si256(u[i], u[i + 4], 0x20);   // pair kp0 + i
      const __m256i high = _mm256_permute2x128_si256(u[i], u[i + 4], 0x31);  // pair kp0 + 4 + i
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(panel + static_cast<std::size_t>(kp0 + i) * 64 + group * 16), low);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(panel + static_cast<std::size_t>(kp0 + 4 + i) * 64 + group * 16), high);
    }
  }
}

// One panel of kNr columns from j0: `pairs` k-pairs (≥ k_pairs(p.k); the rest are zeros, as are
// columns past n).
BFEDGE_TARGET_AVX512BF16 inline void pack_panel(const MatmulParams& p, int j0, int pairs, std::uint16_t* panel) {
  const bool full_panel = j0 + kNr <= p.n;
  const int full_pairs = full_panel ? p.k / 2 : 0;
  int kp = 0;
  if (p.b_transposed) {
    for (; kp + 8 <= full_pairs; kp += 8) pack_8_pairs_nt(p, j0, kp, panel);
  }
  for (; kp < pairs; ++kp) {
    std::uint16_t* row = panel + static_cast<std::size_t>(kp) * kNr * 2;
    if (kp >= full_pairs) {
      pack_pair_scalar(p, j0, kp, row);
    } else if (p.b_transposed) {
      pack_pair_nt(p, j0, kp, row);
    } else {
      pack_pair_nn(p, j0, kp, row);
    }
  }
}

// Finished values (bias included) through the epilogue into C row i from column j, the lanes in `mask`: FP32, or BF16
// rounded to nearest even.
BFEDGE_TARGET_AVX512BF16 inline void store_c_row(const MatmulParams& p, int i, int j, __mmask16 mask, __m512 acc) {
  const std::size_t at = static_cast<std::size_t>(i) * p.ldc + j;
  const __m512 v = x86::apply_epilogue_avx512(p.epilogue, acc);
  if (p.c_type == OutType::f32) {
    _mm512_mask_storeu_ps(static_cast<float*>(p.c) + at, mask, v);
  } else {
    _mm256_mask_storeu_epi16(static_cast<bf16*>(p.c) + at, mask, x86::round_to_bf16_avx512(v));
  }
}

// Every panel of op(B), `pairs` pair rows each, one after another from dst.
BFEDGE_TARGET_AVX512BF16 inline void pack_all_panels(const MatmulParams& p, int pairs, std::uint16_t* dst) {
  for (int panel = 0; panel < panel_count(p.n); ++panel) {
    pack_panel(p, panel * kNr, pairs, dst + panel_elements(pairs) * static_cast<std::size_t>(panel));
  }
}

}  // namespace bfedge::kernels::x86::matmul_pack
