// Helpers shared by the MCU kernels (src/kernels/mcu): L1 carving, widening a landed BF16 tile
// into the FP32 packed layout of the micro-kernel, and the 4×4 micro-kernel itself.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bfedge/core/bf16.hpp"
#include "bfedge/kernels/mcu.hpp"

namespace bfedge::kernels::mcu {

constexpr int kBlock = 4;  // micro-kernel rows and columns
constexpr int round_up(int v, int to) { return (v + to - 1) / to * to; }
constexpr std::size_t round_up(std::size_t v, std::size_t to) { return (v + to - 1) / to * to; }

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

// Widens rows [g0·4, g1·4) of a landed (rows × cols, row stride ld) BF16 tile into the packed
// layout packed[g][kk][4] (kk < depth), with zeros past `rows` and past `cols`.
void widen_packed(const bf16* landed, int ld, int rows, int cols, int depth, int g0, int g1, float* packed);

// acc[r][c] += Σ_kk a[kk][r] · b[kk][c] over depth (a multiple of 4); a, b in the packed layout.
void micro_4x4(const float* a, const float* b, int depth, float acc[kBlock][kBlock]);

inline std::uint32_t dma_start(const DmaOps& dma, const void* src, void* dst, std::size_t row_bytes,
                               int rows, std::size_t src_stride, std::size_t dst_stride) {
  return dma.start(dma.ctx, src, dst, static_cast<std::uint32_t>(row_bytes), static_cast<std::uint32_t>(rows),
                   static_cast<std::uint32_t>(src_stride), static_cast<std::uint32_t>(dst_stride));
}

}  // namespace bfedge::kernels::mcu
