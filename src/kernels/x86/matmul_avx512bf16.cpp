// AVX-512 BF16 matmul: 8×32 register block (16 zmm accumulators, ≥ 6 independent chains to cover
// vdpbf16ps latency). op(B) is packed per 32-column panel as k-pairs interleaved by column,
// [k/2][32][2], so one vdpbf16ps multiplies a broadcast A pair (a[i][k], a[i][k+1]) with 16
// columns. An odd last k uses A zero-extended and a zero-padded B pair.
#include "bfedge/kernels/matmul.hpp"
#include "x86_target.hpp"

#include <cstring>

namespace bfedge::kernels {
namespace {

constexpr int kMr = 8;
constexpr int kNr = 32;

int k_pairs(int k) { return (k + 1) / 2; }

// Scalar packing for partial panels and an odd last k.
BFEDGE_TARGET_AVX512BF16 void pack_pair_scalar(const MatmulParams& p, int j0, int kp, std::uint16_t* row) {
  for (int c = 0; c < kNr; ++c) {
    const int j = j0 + c;
    const int k0 = 2 * kp;
    row[2 * c] = j < p.n ? matmul_b_at(p, k0, j).bits : 0;
    row[2 * c + 1] = j < p.n && k0 + 1 < p.k ? matmul_b_at(p, k0 + 1, j).bits : 0;
  }
}

// B (k, n): interleave rows 2kp and 2kp+1 of 32 columns (unpack within 128-bit lanes, then put
// the lanes back in column order).
BFEDGE_TARGET_AVX512BF16 void pack_pair_nn(const MatmulParams& p, int j0, int kp, std::uint16_t* row) {
  const __m512i r0 = _mm512_loadu_si512(p.b + static_cast<std::size_t>(2 * kp) * p.ldb + j0);
  const __m512i r1 = _mm512_loadu_si512(p.b + static_cast<std::size_t>(2 * kp + 1) * p.ldb + j0);
  const __m512i lo = _mm512_unpacklo_epi16(r0, r1), hi = _mm512_unpackhi_epi16(r0, r1);
  const __m512i first = _mm512_set_epi64(11, 10, 3, 2, 9, 8, 1, 0);
  const __m512i second = _mm512_set_epi64(15, 14, 7, 6, 13, 12, 5, 4);
  _mm512_storeu_si512(row, _mm512_permutex2var_epi64(lo, first, hi));
  _mm512_storeu_si512(row + 32, _mm512_permutex2var_epi64(lo, second, hi));
}

// B stored (n, k): the (k, k+1) pair of column j is one 32-bit word of row j; gather 16 rows.
BFEDGE_TARGET_AVX512BF16 void pack_pair_nt(const MatmulParams& p, int j0, int kp, std::uint16_t* row) {
  const __m512i rows = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                          _mm512_set1_epi32(p.ldb));
  const bf16* base = p.b + static_cast<std::size_t>(j0) * p.ldb + 2 * kp;
  _mm512_storeu_si512(row, _mm512_i32gather_epi32(rows, base, 2));
  _mm512_storeu_si512(row + 32, _mm512_i32gather_epi32(rows, base + static_cast<std::size_t>(16) * p.ldb, 2));
}

// B stored (n, k), 8 k-pairs at a time: each 8-row group is an 8×8 transpose of 32-bit pairs
// (unpack 32/64, then swap 128-bit halves), stored as 8 columns of 8 consecutive k-pairs.
BFEDGE_TARGET_AVX512BF16 void pack_8_pairs_nt(const MatmulParams& p, int j0, int kp0, std::uint16_t* panel) {
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

BFEDGE_TARGET_AVX512BF16 void pack_panel(const MatmulParams& p, int j0, std::uint16_t* panel) {
  const int pairs = k_pairs(p.k);
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

BFEDGE_TARGET_AVX512BF16 inline __m512bh a_pair(const bf16* row, int kp, int k) {
  std::uint32_t pair;
  if (2 * kp + 1 < k) {
    std::memcpy(&pair, row + 2 * kp, 4);
  } else {
    pair = row[2 * kp].bits;  // odd k: the missing element is zero
  }
  return (__m512bh)_mm512_set1_epi32(static_cast<int>(pair));
}

BFEDGE_TARGET_AVX512BF16 void store_block(const MatmulParams& p, __m512 acc[][2], int i0, int rows,
                                          int j0, int cols) {
  for (int half = 0; half < 2; ++half) {
    const int jb = j0 + 16 * half;
    const int valid = cols - 16 * half;
    if (valid <= 0) break;
    const __mmask16 mask = x86::tail_mask16(valid);
    __m512 bias = _mm512_setzero_ps();
    if (p.bias != nullptr) {
      bias = x86::widen_bf16_avx512(_mm256_maskz_loadu_epi16(mask, p.bias + jb));
    }
    for (int r = 0; r < rows; ++r) {
      const __m512 v = _mm512_add_ps(acc[r][half], bias);
      const std::size_t at = static_cast<std::size_t>(i0 + r) * p.ldc + jb;
      if (p.c_type == OutType::f32) {
        _mm512_mask_storeu_ps(static_cast<float*>(p.c) + at, mask, v);
      } else {
        _mm256_mask_storeu_epi16(static_cast<bf16*>(p.c) + at, mask, x86::round_to_bf16_avx512(v));
      }
    }
  }
}

template <int Rows>
BFEDGE_TARGET_AVX512BF16 void block(const MatmulParams& p, const std::uint16_t* panel, int i0,
                                    int j0, int cols) {
  __m512 acc[kMr][2];
  for (int r = 0; r < Rows; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  const bf16* a[kMr];
  for (int r = 0; r < Rows; ++r) a[r] = p.a + static_cast<std::size_t>(i0 + r) * p.lda;
  const int pairs = k_pairs(p.k);
  for (int kp = 0; kp < pairs; ++kp) {
    const __m512bh b0 = (__m512bh)_mm512_loadu_si512(panel + static_cast<std::size_t>(kp) * 64);
    const __m512bh b1 = (__m512bh)_mm512_loadu_si512(panel + static_cast<std::size_t>(kp) * 64 + 32);
    for (int r = 0; r < Rows; ++r) {
      const __m512bh av = a_pair(a[r], kp, p.k);
      acc[r][0] = _mm512_dpbf16_ps(acc[r][0], av, b0);
      acc[r][1] = _mm512_dpbf16_ps(acc[r][1], av, b1);
    }
  }
  store_block(p, acc, i0, Rows, j0, cols);
}

using BlockFn = void (*)(const MatmulParams&, const std::uint16_t*, int, int, int);
constexpr BlockFn kBlocks[kMr + 1] = {nullptr,  &block<1>, &block<2>, &block<3>, &block<4>,
                                      &block<5>, &block<6>, &block<7>, &block<8>};

}  // namespace

std::size_t matmul__avx512bf16_8x32_scratch(const MatmulParams& p) {
  return static_cast<std::size_t>(k_pairs(p.k)) * kNr * 2 * sizeof(std::uint16_t);
}

BFEDGE_TARGET_AVX512BF16 void matmul__avx512bf16_8x32(const MatmulParams& p,
                                                     const runtime::Team& team) {
  for_each_panel_block<kNr, kMr>(
      p, team, core_scratch<std::uint16_t>(p.scratch, matmul__avx512bf16_8x32_scratch(p), team.core),
      [&p](int j0, std::uint16_t* panel) { pack_panel(p, j0, panel); },
      [&p](const std::uint16_t* panel, int i0, int rows, int j0, int cols) { kBlocks[rows](p, panel, i0, j0, cols); });
}

}  // namespace bfedge::kernels
