// AMX BF16 matmul: a 32×32 block of C is 2×2 AMX tiles of 16×16 FP32 (tmm0–3), fed by two A
// tiles (tmm4–5: 16 rows × 32 k) and two B tiles (tmm6–7: 16 k-pairs × 16 columns × 2) per
// 32-deep k step, four tdpbf16ps each. op(B) uses the AVX-512 variant's panel layout
// (matmul_pack_avx512.hpp) with k padded to a multiple of 32: a B tile is 16 pair rows of one
// 16-column half of a panel (stride 128 bytes). A is read in place (stride lda) when a row
// block is whole tiles, k a multiple of 32 and every tile row one whole cache line (A 64-byte
// aligned, lda a multiple of 32); otherwise each row block is first copied, zero-padded, into
// scratch, once for all panels (row tails such as 49 or 196 rows, k tails, unaligned A).
// Whole FP32 tiles go straight from the tiles to C when C's rows start on cache lines (or C is
// small enough to stay in L1); otherwise C tiles go through a per-core FP32 buffer, where bias,
// BF16 rounding and column masks are applied with AVX-512 and FP32 rows are stored without
// crossing cache lines. Tile state needs Linux's permission, which host_isa() requests before
// it reports Isa::amxbf16.
#include "bfedge/kernels/matmul.hpp"
#include "matmul_pack_avx512.hpp"
#include "x86_target.hpp"

#include <cstdint>
#include <cstring>

#define BFEDGE_TARGET_AMXBF16 \
  __attribute__((target("avx2,fma,avx512f,avx512bw,avx512vl,avx512bf16,amx-tile,amx-bf16")))

namespace bfedge::kernels {
namespace {

using x86::matmul_pack::kNr;
using x86::matmul_pack::panel_elements;

constexpr int kTile = 16;     // rows of an A or C tile, columns of a C tile
constexpr int kDepth = 32;    // k per tile step (16 pairs)
constexpr int kMr = 2 * kTile;
// Loop order with pre-packed B: panels outside while the core's rows of A fit in L1 (each panel
// then meets A in L1), row blocks outside above that (the A block stays in L1, panels stream).
constexpr std::size_t kRowsOuterAbove = 32 * 1024;

// k-pairs per panel: k rounded up to whole tile steps.
int padded_pairs(int k) { return (k + kDepth - 1) / kDepth * (kDepth / 2); }
int padded_k(int k) { return padded_pairs(k) * 2; }

// The 64-byte tile configuration (palette 1): every tile 16 rows × 64 bytes.
struct alignas(64) TileConfig {
  unsigned char palette = 1, start_row = 0, reserved[14] = {};
  unsigned short colsb[16] = {};
  unsigned char rows[16] = {};
};

constexpr std::size_t kCBytes = 4 * kTile * kTile * sizeof(float);
constexpr std::size_t kBiasBytes = kNr * sizeof(float);
std::size_t a_block_bytes(const MatmulParams& p) {
  return static_cast<std::size_t>(kMr) * padded_k(p.k) * sizeof(bf16);
}
std::size_t panel_bytes(const MatmulParams& p) { return panel_elements(padded_pairs(p.k)) * sizeof(std::uint16_t); }

// One finished row of a C block (bias included), `cols` (≤ 32) FP32 values in x0 | x1, into C
// row i from column j0 through store_c_row, which applies the epilogue. A whole FP32 row without
// epilogue goes out as stores that never cross a cache line (a 64-byte store across two lines
// costs about twice an aligned one): the head of the first line, one whole line, the tail of the
// third, shifted into place with vpermt2ps.
BFEDGE_TARGET_AMXBF16 void store_block_row(const MatmulParams& p, int i, int j0, int cols, __m512 x0, __m512 x1) {
  float* c = static_cast<float*>(p.c) + static_cast<std::size_t>(i) * p.ldc + j0;
  const unsigned off = (reinterpret_cast<std::uintptr_t>(c) >> 2) & (kTile - 1);
  if (p.c_type == OutType::f32 && p.epilogue == Epilogue::none && cols == 2 * kTile &&
      (reinterpret_cast<std::uintptr_t>(c) & 3) == 0) {
    if (off == 0) {
      _mm512_store_ps(c, x0);
      _mm512_store_ps(c + kTile, x1);
      return;
    }
    float* line = c - off;
    const __m512i shift = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(kTile - off)),
                                           _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
    const auto head = static_cast<__mmask16>(0xffffu << off);
    _mm512_mask_store_ps(line, head, _mm512_permutex2var_ps(x0, shift, x0));
    _mm512_store_ps(line + kTile, _mm512_permutex2var_ps(x0, shift, x1));
    _mm512_mask_store_ps(line + 2 * kTile, static_cast<__mmask16>(~head), _mm512_permutex2var_ps(x1, shift, x1));
    return;
  }
  const auto mask = [](int n) { return n >= kTile ? __mmask16(0xffff) : n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1); };
  x86::matmul_pack::store_c_row(p, i, j0, mask(cols), x0);
  if (cols > kTile) x86::matmul_pack::store_c_row(p, i, j0 + kTile, mask(cols - kTile), x1);
}

// GCC's tile intrinsics paste their tile number into the assembly text, so a template's tile
// number is turned into a literal here (C tiles 0-3).
template <int Tile>
BFEDGE_TARGET_AMXBF16 inline void tile_zero() {
  if constexpr (Tile == 0) _tile_zero(0);
  else if constexpr (Tile == 1) _tile_zero(1);
  else if constexpr (Tile == 2) _tile_zero(2);
  else _tile_zero(3);
}
template <int Tile>
BFEDGE_TARGET_AMXBF16 inline void tile_load(const void* from, long stride) {
  if constexpr (Tile == 0) _tile_loadd(0, from, stride);
  else if constexpr (Tile == 1) _tile_loadd(1, from, stride);
  else if constexpr (Tile == 2) _tile_loadd(2, from, stride);
  else _tile_loadd(3, from, stride);
}
template <int Tile>
BFEDGE_TARGET_AMXBF16 inline void tile_store(void* to, long stride) {
  if constexpr (Tile == 0) _tile_stored(0, to, stride);
  else if constexpr (Tile == 1) _tile_stored(1, to, stride);
  else if constexpr (Tile == 2) _tile_stored(2, to, stride);
  else _tile_stored(3, to, stride);
}

// C tile `Tile` starts as zeros, or as the bias (one FP32 row loaded with stride 0).
template <int Tile>
BFEDGE_TARGET_AMXBF16 inline void start_tile(const float* bias_row) {
  const float* row = bias_row + (Tile & 1) * kTile;
  if (bias_row == nullptr) {
    tile_zero<Tile>();
  } else {
    tile_load<Tile>(row, 0);
  }
}

// Whole FP32 tiles without an epilogue go straight from the tile registers to C when their rows
// start on cache lines (C 64-byte aligned at the block, ldc a multiple of 16), or when C is small
// enough to stay in L1, where rows across two lines cost less than the detour through the buffer
// (a vector load of a tile just stored waits for the store).
constexpr std::size_t kSplitStoresUpTo = 32 * 1024;
bool tiles_store_direct(const MatmulParams& p, int i0, int j0) {
  if (p.c_type != OutType::f32 || p.epilogue != Epilogue::none) return false;
  const auto* c = static_cast<const float*>(p.c) + static_cast<std::size_t>(i0) * p.ldc + j0;
  if (static_cast<std::size_t>(p.m) * p.ldc * sizeof(float) <= kSplitStoresUpTo) return true;
  return p.ldc % kTile == 0 && (reinterpret_cast<std::uintptr_t>(c) & 63) == 0;
}

template <int Tile>
BFEDGE_TARGET_AMXBF16 inline void store_tile_direct(const MatmulParams& p, int i0, int j0) {
  float* c = static_cast<float*>(p.c) + static_cast<std::size_t>(i0) * p.ldc + j0;
  tile_store<Tile>(c, static_cast<long>(p.ldc) * 4);
}

// C[i0 .. i0+rows) × [j0 .. j0+cols) from `RowTiles` A tiles at a (row stride a_stride elements)
// and `ColTiles` halves of the panel; rows ≤ 16·RowTiles, cols ≤ 16·ColTiles. bias_row: the
// panel's 32 bias values in FP32, or null.
template <int RowTiles, int ColTiles>
BFEDGE_TARGET_AMXBF16 void block(const MatmulParams& p, const bf16* a, int a_stride, const std::uint16_t* panel,
                                 const float* bias_row, float* c_tiles, int i0, int rows, int j0, int cols) {
  start_tile<0>(bias_row);
  if constexpr (ColTiles > 1) start_tile<1>(bias_row);
  if constexpr (RowTiles > 1) start_tile<2>(bias_row);
  if constexpr (RowTiles > 1 && ColTiles > 1) start_tile<3>(bias_row);
  const std::size_t a_next = static_cast<std::size_t>(kTile) * a_stride;
  const int steps = padded_pairs(p.k) / (kDepth / 2);
  for (int s = 0; s < steps; ++s) {
    const bf16* as = a + static_cast<std::size_t>(s) * kDepth;
    const std::uint16_t* bs = panel + panel_elements(s * (kDepth / 2));
    _tile_loadd(4, as, a_stride * 2);
    _tile_loadd(6, bs, kNr * 4);
    _tile_dpbf16ps(0, 4, 6);
    if constexpr (ColTiles > 1) {
      _tile_loadd(7, bs + kTile * 2, kNr * 4);
      _tile_dpbf16ps(1, 4, 7);
    }
    if constexpr (RowTiles > 1) {
      _tile_loadd(5, as + a_next, a_stride * 2);
      _tile_dpbf16ps(2, 5, 6);
      if constexpr (ColTiles > 1) _tile_dpbf16ps(3, 5, 7);
    }
  }
  if (rows == kTile * RowTiles && cols == kTile * ColTiles && tiles_store_direct(p, i0, j0)) {
    store_tile_direct<0>(p, i0, j0);
    if constexpr (ColTiles > 1) store_tile_direct<1>(p, i0, j0 + kTile);
    if constexpr (RowTiles > 1) store_tile_direct<2>(p, i0 + kTile, j0);
    if constexpr (RowTiles > 1 && ColTiles > 1) store_tile_direct<3>(p, i0 + kTile, j0 + kTile);
    return;
  }
  // Otherwise through the FP32 buffer, as 32 rows of 32 columns (row stride 128 bytes).
  constexpr long kStride = 2 * kTile * 4;
  tile_store<0>(c_tiles, kStride);
  if constexpr (ColTiles > 1) tile_store<1>(c_tiles + kTile, kStride);
  if constexpr (RowTiles > 1) tile_store<2>(c_tiles + kTile * 2 * kTile, kStride);
  if constexpr (RowTiles > 1 && ColTiles > 1) tile_store<3>(c_tiles + kTile * 2 * kTile + kTile, kStride);
  for (int r = 0; r < rows; ++r) {
    const float* row = c_tiles + r * 2 * kTile;
    store_block_row(p, i0 + r, j0, cols, _mm512_load_ps(row), _mm512_load_ps(row + kTile));
  }
}

// The panel's first `cols` (≤ 32) bias values as FP32, zeros after.
BFEDGE_TARGET_AMXBF16 void widen_bias(const bf16* bias, int cols, float* out) {
  const __mmask32 mask = cols >= kNr ? __mmask32(0xffffffff) : __mmask32((1u << cols) - 1);
  const __m512i b16 = _mm512_maskz_loadu_epi16(mask, bias);
  _mm512_store_ps(out, x86::widen_bf16_avx512(_mm512_castsi512_si256(b16)));
  _mm512_store_ps(out + kTile, x86::widen_bf16_avx512(_mm512_extracti64x4_epi64(b16, 1)));
}

using BlockFn = void (*)(const MatmulParams&, const bf16*, int, const std::uint16_t*, const float*, float*, int,
                         int, int, int);
constexpr BlockFn kBlocks[2][2] = {{&block<1, 1>, &block<1, 2>}, {&block<2, 1>, &block<2, 2>}};

// Rows [i0, i0+rows) of A, zero-padded to whole tiles and k to padded_k, into dst (row stride
// padded_k).
BFEDGE_TARGET_AMXBF16 void copy_a_block(const MatmulParams& p, int i0, int rows, bf16* dst) {
  const int kp = padded_k(p.k);
  const int tile_rows = (rows + kTile - 1) / kTile * kTile;
  std::memset(static_cast<void*>(dst), 0, static_cast<std::size_t>(tile_rows) * kp * sizeof(bf16));
  for (int r = 0; r < rows; ++r) {
    std::memcpy(static_cast<void*>(dst + static_cast<std::size_t>(r) * kp),
                p.a + static_cast<std::size_t>(i0 + r) * p.lda, static_cast<std::size_t>(p.k) * sizeof(bf16));
  }
}

}  // namespace

// Per-core scratch: C tiles and the panel's bias (FP32), a zero-padded A block, and (unpacked
// calls) one B panel.
std::size_t matmul__amxbf16_32x32_scratch(const MatmulParams& p) {
  return kCBytes + kBiasBytes + a_block_bytes(p) + (p.packed_b != nullptr ? 0 : panel_bytes(p));
}

std::size_t matmul__amxbf16_32x32_packed_bytes(const MatmulParams& p) {
  return panel_bytes(p) * x86::matmul_pack::panel_count(p.n);
}

BFEDGE_TARGET_AMXBF16 void matmul__amxbf16_32x32_pack(MatmulParams& p, void* dst) {
  x86::matmul_pack::pack_all_panels(p, padded_pairs(p.k), static_cast<std::uint16_t*>(dst));
  p.packed_b = dst;
}

// Pre-packed B: row blocks outside, panels inside (the A block stays in L1 while panels stream
// from L2). Unpacked: each panel is packed once and used for every row block.
BFEDGE_TARGET_AMXBF16 void matmul__amxbf16_32x32(const MatmulParams& p, const runtime::Team& team) {
  const MatmulShare share = matmul_share(p, kNr, team);
  if (share.rows.size() <= 0 || share.cols.size() <= 0) return;
  auto* scratch = core_scratch<unsigned char>(p.scratch, matmul__amxbf16_32x32_scratch(p), team.core);
  auto* c_tiles = reinterpret_cast<float*>(scratch);
  auto* bias_row = reinterpret_cast<float*>(scratch + kCBytes);
  auto* a_block = reinterpret_cast<bf16*>(scratch + kCBytes + kBiasBytes);
  auto* own_panel = reinterpret_cast<std::uint16_t*>(scratch + kCBytes + kBiasBytes + a_block_bytes(p));
  const auto* packed = static_cast<const std::uint16_t*>(p.packed_b);
  // A tiles are read in place only when every tile row is one whole cache line: k whole tile
  // steps, A 64-byte aligned and lda a multiple of 32 (a row across two lines halves the load rate).
  const bool a_in_place = p.k % kDepth == 0 && p.lda % kDepth == 0 &&
                          (reinterpret_cast<std::uintptr_t>(p.a) & 63) == 0;

  auto a_rows = [&](int i0, int rows, int& a_stride) {
    a_stride = p.lda;
    if (a_in_place && rows % kTile == 0) return p.a + static_cast<std::size_t>(i0) * p.lda;
    copy_a_block(p, i0, rows, a_block);
    a_stride = padded_k(p.k);
    return static_cast<const bf16*>(a_block);
  };
  auto run_block = [&](const bf16* a, int a_stride, const std::uint16_t* panel, int i0, int rows, int j0) {
    const int cols = share.cols.end - j0 < kNr ? share.cols.end - j0 : kNr;
    const float* bias = nullptr;
    if (p.bias != nullptr) {
      widen_bias(p.bias + j0, cols, bias_row);
      bias = bias_row;
    }
    kBlocks[rows > kTile ? 1 : 0][cols > kTile ? 1 : 0](p, a, a_stride, panel, bias, c_tiles, i0, rows, j0, cols);
  };

  TileConfig config;
  for (int t = 0; t < 8; ++t) config.rows[t] = kTile, config.colsb[t] = 64;
  _tile_loadconfig(&config);
  const std::size_t a_share_bytes = static_cast<std::size_t>(share.rows.size()) * p.k * sizeof(bf16);
  if (packed != nullptr && (a_share_bytes > kRowsOuterAbove || !a_in_place)) {
    for (int i0 = share.rows.begin; i0 < share.rows.end; i0 += kMr) {
      const int rows = share.rows.end - i0 < kMr ? share.rows.end - i0 : kMr;
      int a_stride = 0;
      const bf16* a = a_rows(i0, rows, a_stride);
      // Serpentine: every other row block walks the panels backwards, so it starts on the
      // panels the previous one left in L2 (B of 1.5 MB plus C does not fit L2 whole).
      const int panels = (share.cols.size() + kNr - 1) / kNr;
      const bool backwards = ((i0 - share.rows.begin) / kMr) % 2 == 1;
      for (int q = 0; q < panels; ++q) {
        const int j0 = share.cols.begin + (backwards ? panels - 1 - q : q) * kNr;
        run_block(a, a_stride, packed + panel_elements(padded_pairs(p.k)) * static_cast<std::size_t>(j0 / kNr), i0,
                  rows, j0);
      }
    }
  } else {
    for (int j0 = share.cols.begin; j0 < share.cols.end; j0 += kNr) {
      const std::uint16_t* panel = own_panel;
      if (packed != nullptr) {
        panel = packed + panel_elements(padded_pairs(p.k)) * static_cast<std::size_t>(j0 / kNr);
      } else {
        x86::matmul_pack::pack_panel(p, j0, padded_pairs(p.k), own_panel);
      }
      for (int i0 = share.rows.begin; i0 < share.rows.end; i0 += kMr) {
        const int rows = share.rows.end - i0 < kMr ? share.rows.end - i0 : kMr;
        int a_stride = 0;
        const bf16* a = a_rows(i0, rows, a_stride);
        run_block(a, a_stride, panel, i0, rows, j0);
      }
    }
  }
  _tile_release();
}

}  // namespace bfedge::kernels
