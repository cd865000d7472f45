// x86 convolutions (kernels/conv.hpp), AVX-512 BF16.
//   conv2d__im2col_avx512bf16: the implicit GEMM made explicit a block at a time. Each core takes
//     a range of output pixels; per block of up to block_rows(p) pixels it writes their NHWC
//     patches as BF16 rows (im2col, ~32 KiB: stays in L1/L2) into its scratch and runs
//     matmul__avx512bf16_8x32 on one core over them: C (the output pixels' rows, ldc =
//     out_channels) = patches · Wᵀ + bias, W being the (out, K) Linear weight it already is. The
//     weight is that matmul's packed B: packed once by pack_weights, or per call into scratch.
//     A 1×1, stride 1, unpadded conv reads its rows in place.
//   depthwise_conv2d__avx512bf16: output pixels split over cores; weights and bias widened to FP32
//     into per-core scratch once per call; 64 channels at a time (4 FP32 vectors, the last chunk
//     1–4 vectors with a masked tail) of 4 pixels of a row at once where all their taps lie
//     inside the row (one weight vector, 4 FMAs), else of one pixel with its in-image taps;
//     FMA of the widened BF16 input with the FP32 weight row.
#include "../conv_patch.hpp"
#include "bfedge/kernels/conv.hpp"
#include "bfedge/kernels/matmul.hpp"
#include "x86_target.hpp"

#include <cstddef>

namespace bfedge::kernels {
namespace {

constexpr int kIm2colBytes = 32 * 1024;

// Pixels per im2col block: ~kIm2colBytes of patches, a multiple of the matmul's 8 rows, 8..256.
int block_rows(const Conv2dParams& p) {
  const int row_bytes = p.patch() * static_cast<int>(sizeof(bf16));
  int rows = kIm2colBytes / (row_bytes > 0 ? row_bytes : 1) / 8 * 8;
  return rows < 8 ? 8 : (rows > 256 ? 256 : rows);
}

bool rows_in_place(const Conv2dParams& p) { return p.kernel == 1 && p.stride == 1 && p.pad == 0; }

// The matmul of one block, less its rows (m, a, c): K = patch, B = the weight as a Linear weight.
MatmulParams block_matmul(const Conv2dParams& p) {
  MatmulParams m;
  m.n = p.out_channels, m.k = p.patch(), m.lda = m.k;
  m.b = p.w, m.ldb = m.k, m.b_transposed = true;
  m.bias = p.bias, m.ldc = p.out_channels, m.c_type = OutType::bf16, m.epilogue = p.epilogue;
  return m;
}

std::size_t im2col_bytes(const Conv2dParams& p) {
  if (rows_in_place(p)) return 0;
  return aligned_scratch_bytes(static_cast<std::size_t>(block_rows(p)) * p.patch() * sizeof(bf16));
}

}  // namespace

std::size_t conv2d__im2col_avx512bf16_packed_bytes(const Conv2dParams& p) {
  return matmul__avx512bf16_8x32_packed_bytes(block_matmul(p));
}

BFEDGE_TARGET_AVX512BF16 void conv2d__im2col_avx512bf16_pack(Conv2dParams& p, void* dst) {
  MatmulParams m = block_matmul(p);
  matmul__avx512bf16_8x32_pack(m, dst);
  p.packed_w = dst;
}

std::size_t conv2d__im2col_avx512bf16_scratch(const Conv2dParams& p) {
  if (p.packed_w != nullptr) return im2col_bytes(p);
  return im2col_bytes(p) + aligned_scratch_bytes(conv2d__im2col_avx512bf16_packed_bytes(p));
}

BFEDGE_TARGET_AVX512BF16 void conv2d__im2col_avx512bf16(const Conv2dParams& p, const runtime::Team& team) {
  const runtime::Range pixels = runtime::split_range(p.batch * p.out_h() * p.out_w(), team.core, team.cores);
  if (pixels.size() == 0 || p.out_channels == 0) return;
  auto* scratch = core_scratch<unsigned char>(p.scratch, conv2d__im2col_avx512bf16_scratch(p), team.core);
  bf16* patches = reinterpret_cast<bf16*>(scratch);
  MatmulParams m = block_matmul(p);
  if (p.packed_w != nullptr) {
    m.packed_b = p.packed_w;
  } else {
    matmul__avx512bf16_8x32_pack(m, scratch + im2col_bytes(p));  // sets m.packed_b
  }
  const runtime::Team one_core;  // this core runs the whole matmul of its block
  const int rows = block_rows(p), k = p.patch();
  for (int q0 = pixels.begin; q0 < pixels.end; q0 += rows) {
    const int count = pixels.end - q0 < rows ? pixels.end - q0 : rows;
    if (rows_in_place(p)) {
      m.a = p.x + static_cast<std::size_t>(q0) * k;
    } else {
      for (int r = 0; r < count; ++r) conv2d_patch(p, q0 + r, patches + static_cast<std::size_t>(r) * k);
      m.a = patches;
    }
    m.m = count;
    m.c = p.out + static_cast<std::size_t>(q0) * p.out_channels;
    matmul__avx512bf16_8x32(m, one_core);
  }
}

namespace {

// Channels [c0, c0 + 16·Vectors) of `Pixels` consecutive output pixels of one image row (lanes
// past `channels` masked off), which all take the taps [ky0, ky1) × [kx0, kx1): one weight
// vector feeds `Pixels` FMAs. `wf`: the weights widened to FP32, (kernel, kernel, channels);
// `bias_f`: (channels), zeros if none; `x0`: the offset in `image` of the first pixel's input at
// tap (0, 0), channel c0 — negative or past the image for padded taps, which are never read.
template <int Pixels, int Vectors>
BFEDGE_TARGET_AVX512BF16 void depthwise_block(const DepthwiseConv2dParams& p, const float* wf, const float* bias_f,
                                              const bf16* image, std::ptrdiff_t x0, int ky0, int ky1, int kx0,
                                              int kx1, int c0, bf16* out) {
  __m512 acc[Pixels][Vectors];
  __mmask16 mask[Vectors];
  for (int v = 0; v < Vectors; ++v) {
    for (int px = 0; px < Pixels; ++px) acc[px][v] = _mm512_setzero_ps();
    mask[v] = x86::tail_mask16(p.channels - c0 - 16 * v);
  }
  const std::size_t pixel_step = static_cast<std::size_t>(p.stride) * p.channels;
  for (int ky = ky0; ky < ky1; ++ky) {
    for (int kx = kx0; kx < kx1; ++kx) {
      const bf16* x = image + (x0 + static_cast<std::ptrdiff_t>(ky * p.in_w + kx) * p.channels);
      const float* w = wf + static_cast<std::size_t>(ky * p.kernel + kx) * p.channels + c0;
      for (int v = 0; v < Vectors; ++v) {
        const __m512 wv = _mm512_maskz_loadu_ps(mask[v], w + 16 * v);
        for (int px = 0; px < Pixels; ++px) {
          const __m256i xb = _mm256_maskz_loadu_epi16(mask[v], x + px * pixel_step + 16 * v);
          acc[px][v] = _mm512_fmadd_ps(x86::widen_bf16_avx512(xb), wv, acc[px][v]);
        }
      }
    }
  }
  for (int v = 0; v < Vectors; ++v) {
    const __m512 bias = _mm512_maskz_loadu_ps(mask[v], bias_f + c0 + 16 * v);
    for (int px = 0; px < Pixels; ++px) {
      _mm256_mask_storeu_epi16(out + static_cast<std::size_t>(px) * p.channels + c0 + 16 * v, mask[v],
                               x86::round_to_bf16_avx512(x86::apply_epilogue_avx512(p.epilogue, _mm512_add_ps(acc[px][v], bias))));
    }
  }
}

using DepthwiseBlockFn = void (*)(const DepthwiseConv2dParams&, const float*, const float*, const bf16*,
                                  std::ptrdiff_t, int, int, int, int, int, bf16*);
// [pixels == 4][vectors]
constexpr DepthwiseBlockFn kDepthwiseBlocks[2][5] = {
    {nullptr, &depthwise_block<1, 1>, &depthwise_block<1, 2>, &depthwise_block<1, 3>, &depthwise_block<1, 4>},
    {nullptr, &depthwise_block<4, 1>, &depthwise_block<4, 2>, &depthwise_block<4, 3>, &depthwise_block<4, 4>}};

// The taps [begin, end) of one axis that land inside [0, size) from input coordinate i0.
struct TapRange {
  int begin, end;
};
constexpr TapRange taps_inside(int i0, int kernel, int size) {
  const int begin = i0 < 0 ? -i0 : 0;
  const int end = size - i0 < kernel ? size - i0 : kernel;
  return {begin, end > begin ? end : begin};
}

}  // namespace

std::size_t depthwise_conv2d__avx512bf16_scratch(const DepthwiseConv2dParams& p) {
  return (static_cast<std::size_t>(p.kernel) * p.kernel + 1) * p.channels * sizeof(float);
}

BFEDGE_TARGET_AVX512BF16 void depthwise_conv2d__avx512bf16(const DepthwiseConv2dParams& p, const runtime::Team& team) {
  const int out_h = p.out_h(), out_w = p.out_w();
  const runtime::Range pixels = runtime::split_range(p.batch * out_h * out_w, team.core, team.cores);
  if (pixels.size() == 0) return;
  // Weights and bias widened to FP32 once per call, so the inner loop widens only the input.
  float* wf = core_scratch<float>(p.scratch, depthwise_conv2d__avx512bf16_scratch(p), team.core);
  const std::size_t taps = static_cast<std::size_t>(p.kernel) * p.kernel * p.channels;
  float* bias_f = wf + taps;
  for (std::size_t i = 0; i < taps; ++i) wf[i] = to_f32(p.w[i]);
  for (int c = 0; c < p.channels; ++c) bias_f[c] = p.bias != nullptr ? to_f32(p.bias[c]) : 0.0f;
  for (int q = pixels.begin; q < pixels.end;) {
    const int n = q / (out_h * out_w), oy = q / out_w % out_h, ox = q % out_w;
    const int iy0 = oy * p.stride - p.pad, ix0 = ox * p.stride - p.pad;
    const TapRange ty = taps_inside(iy0, p.kernel, p.in_h), tx = taps_inside(ix0, p.kernel, p.in_w);
    // Four pixels of this row at once when every one of them has all its taps across the row.
    const bool four = q + 4 <= pixels.end && ox + 4 <= out_w && ix0 >= 0 && ix0 + 3 * p.stride + p.kernel <= p.in_w;
    const bf16* image = p.x + static_cast<std::size_t>(n) * p.in_h * p.in_w * p.channels;
    bf16* out = p.out + static_cast<std::size_t>(q) * p.channels;
    for (int c0 = 0; c0 < p.channels; c0 += 64) {
      const int left = p.channels - c0;
      const int vectors = left >= 64 ? 4 : (left + 15) / 16;
      const std::ptrdiff_t x0 = (static_cast<std::ptrdiff_t>(iy0) * p.in_w + ix0) * p.channels + c0;
      kDepthwiseBlocks[four ? 1 : 0][vectors](p, wf, bias_f, image, x0, ty.begin, ty.end, tx.begin, tx.end, c0, out);
    }
    q += four ? 4 : 1;
  }
}

}  // namespace bfedge::kernels
