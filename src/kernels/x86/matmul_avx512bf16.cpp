// AVX-512 BF16 matmul: 8×32 register block (16 zmm accumulators, ≥ 6 independent chains to cover
// vdpbf16ps latency). op(B) is packed per 32-column panel as k-pairs interleaved by column,
// [k/2][32][2], so one vdpbf16ps multiplies a broadcast A pair (a[i][k], a[i][k+1]) with 16
// columns. An odd last k uses A zero-extended and a zero-padded B pair.
#include "bfedge/kernels/matmul.hpp"
#include "matmul_pack_avx512.hpp"
#include "x86_target.hpp"

#include <cstring>

namespace bfedge::kernels {
namespace {

using x86::matmul_pack::k_pairs;
using x86::matmul_pack::kNr;
using x86::matmul_pack::panel_elements;

constexpr int kMr = 8;

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
    for (int r = 0; r < rows; ++r) x86::matmul_pack::store_c_row(p, i0 + r, jb, mask, _mm512_add_ps(acc[r][half], bias));
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
  return p.packed_b != nullptr ? 0 : panel_elements(k_pairs(p.k)) * sizeof(std::uint16_t);
}

std::size_t matmul__avx512bf16_8x32_packed_bytes(const MatmulParams& p) {
  return panel_elements(k_pairs(p.k)) * x86::matmul_pack::panel_count(p.n) * sizeof(std::uint16_t);
}

BFEDGE_TARGET_AVX512BF16 void matmul__avx512bf16_8x32_pack(MatmulParams& p, void* dst) {
  x86::matmul_pack::pack_all_panels(p, k_pairs(p.k), static_cast<std::uint16_t*>(dst));
  p.packed_b = dst;
}

BFEDGE_TARGET_AVX512BF16 void matmul__avx512bf16_8x32(const MatmulParams& p,
                                                     const runtime::Team& team) {
  const auto* packed = static_cast<const std::uint16_t*>(p.packed_b);
  for_each_panel_block<kNr, kMr>(
      p, team, core_scratch<std::uint16_t>(p.scratch, matmul__avx512bf16_8x32_scratch(p), team.core),
      [&p, packed](int j0, std::uint16_t* panel) -> const std::uint16_t* {
        if (packed != nullptr) return packed + panel_elements(k_pairs(p.k)) * static_cast<std::size_t>(j0 / kNr);
        x86::matmul_pack::pack_panel(p, j0, k_pairs(p.k), panel);
        return panel;
      },
      [&p](const std::uint16_t* panel, int i0, int rows, int j0, int cols) { kBlocks[rows](p, panel, i0, j0, cols); });
}

}  // namespace bfedge::kernels
