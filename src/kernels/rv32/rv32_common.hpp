// Helpers shared by the MCU kernels (src/kernels/rv32): L1 carving, widening a landed BF16 tile
// into the FP32 packed layout of the micro-kernel, and the micro-kernel itself.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bfedge/core/bf16.hpp"
#include "bfedge/core/round_up.hpp"
#include "bfedge/kernels/rv32.hpp"

namespace bfedge::kernels::rv32 {

// The micro-kernel's register block: 4 rows of A × 6 rows of W (24 FP32 accumulators, 4 A values
// and one W value live: 29 of RV32F's 32 registers), 10 loads per 24 multiply-adds.
constexpr int kMr = 4;
constexpr int kNr = 6;
using bfedge::round_up;

// Hands out 16-byte-aligned pieces of one L1 buffer.
struct L1Carver {
  unsigned char* at;
  template <class T>
  T* take(std::size_t count) {
    T* out = reinterpret_cast<T*>(at);
    at += round_up(count * sizeof(T), std::size_t{16});
    return out;
  }
};

// Widens rows [r0, r1) (of the tile padded to a multiple of `block` rows) of a landed (rows ×
// cols, row stride ld) BF16 tile into the packed layout packed[row / block][kk][row % block]
// (kk < depth, a multiple of 2), with zeros past `rows` and past `cols`. Cores split the rows.
void widen_packed(const bf16* landed, int ld, int rows, int cols, int depth, int block, int r0, int r1, float* packed);

// c[r][j] (row stride ldc) += Σ_kk a[kk][r] · w[kk][j] over depth, r < 4, j < 6; a and w packed.
void micro_4x6(const float* a, const float* w, int depth, float* c, int ldc);

// The GEMM form of attention (attention_gemm.cpp), chosen by plan_attention_mcu when it fits.
std::size_t attention_gemm_l1_bytes(int seq, int head_dim, int cores);

inline std::uint32_t dma_start(const DmaOps& dma, const void* src, void* dst, std::size_t row_bytes,
                               int rows, std::size_t src_stride, std::size_t dst_stride) {
  return dma.start(dma.ctx, src, dst, static_cast<std::uint32_t>(row_bytes), static_cast<std::uint32_t>(rows),
                   static_cast<std::uint32_t>(src_stride), static_cast<std::uint32_t>(dst_stride));
}

inline std::uint32_t dma_start(const DmaOps& dma, const DmaTransfer& t) {
  return dma_start(dma, t.src, t.dst, t.row_bytes, t.rows, t.src_stride, t.dst_stride);
}

}  // namespace bfedge::kernels::rv32

namespace bfedge::kernels {
void attention_gemm__rv32(const DmaAttentionArgs& p, const runtime::Team& team);
}  // namespace bfedge::kernels
