// 2-D convolutions on NHWC activations (TinyViT's stem, MBConv, PatchMerging and local_conv):
//   dense      out[n, oy, ox, o] = bias[o] + Σ_{ky, kx, i} x[n, iy, ix, i] · w[o, ky, kx, i]
//   depthwise  out[n, oy, ox, c] = bias[c] + Σ_{ky, kx}    x[n, iy, ix, c] · w[ky, kx, c]
//   with iy = oy·stride − pad + ky, ix = ox·stride − pad + kx; taps outside the image are zeros.
//   out_h = (in_h + 2·pad − kernel) / stride + 1 (floor), the same for the width.
// Layouts (docs/kernels.md, "Convolutions"):
//   x    (batch, in_h, in_w, in_channels)    NHWC: a pixel's channels are contiguous
//   dense weight (out_channels, kernel, kernel, in_channels): a Linear weight (O, K) with
//        K = kernel²·in_channels in the order of an NHWC patch, so a dense conv is an implicit
//        GEMM (im2col rows · Wᵀ); PyTorch's OIHW goes through conv2d_weight_from_oihw
//   depthwise weight (kernel, kernel, channels), tap-major: a tap's weights are contiguous
//        across channels; PyTorch's (C, 1, kh, kw) goes through depthwise_weight_from_oihw
//   bias (out_channels) or null;  out (batch, out_h, out_w, out_channels)
// A 1×1 stride-1 unpadded conv has no kernel here: it is matmul (linear) over the
// (batch·H·W, C) rows, W the (out, in) weight, b_transposed.
// BF16 storage, FP32 accumulation, one rounding to BF16 at the output (ADR 0001). Freestanding.
#pragma once

#include <cstddef>
#include <span>

#include "bfedge/core/bf16.hpp"
#include "bfedge/kernels/epilogue.hpp"
#include "bfedge/kernels/variant.hpp"

namespace bfedge::kernels {

// Output length along one axis: (in + 2·pad − kernel) / stride + 1, floor; 0 when the padded
// input is shorter than the kernel.
constexpr int conv_output_size(int in, int kernel, int stride, int pad) {
  const int span = in + 2 * pad - kernel;
  return span < 0 ? 0 : span / stride + 1;
}

struct Conv2dParams {
  int batch = 1, in_h = 0, in_w = 0, in_channels = 0, out_channels = 0;
  int kernel = 1, stride = 1, pad = 0;  // square kernel; pad on every side
  const bf16* x = nullptr;     // (batch, in_h, in_w, in_channels)
  const bf16* w = nullptr;     // (out_channels, kernel, kernel, in_channels)
  const bf16* bias = nullptr;  // (out_channels) or null
  bf16* out = nullptr;         // (batch, out_h, out_w, out_channels)
  Epilogue epilogue = Epilogue::none;  // applied to each value (bias added) before rounding
  void* scratch = nullptr;     // cores × variant.scratch_bytes(params), 64-byte aligned
  // w already packed by this variant's pack_weights, or null (the variant packs per call).
  const void* packed_w = nullptr;

  int out_h() const { return conv_output_size(in_h, kernel, stride, pad); }
  int out_w() const { return conv_output_size(in_w, kernel, stride, pad); }
  int patch() const { return kernel * kernel * in_channels; }  // K of the implicit GEMM
};

struct DepthwiseConv2dParams {
  int batch = 1, in_h = 0, in_w = 0, channels = 0;
  int kernel = 3, stride = 1, pad = 1;  // square kernel; pad on every side
  const bf16* x = nullptr;     // (batch, in_h, in_w, channels)
  const bf16* w = nullptr;     // (kernel, kernel, channels)
  const bf16* bias = nullptr;  // (channels) or null
  bf16* out = nullptr;         // (batch, out_h, out_w, channels)
  Epilogue epilogue = Epilogue::none;  // applied to each value (bias added) before rounding
  void* scratch = nullptr;     // cores × variant.scratch_bytes(params), 64-byte aligned

  int out_h() const { return conv_output_size(in_h, kernel, stride, pad); }
  int out_w() const { return conv_output_size(in_w, kernel, stride, pad); }
};

using Conv2dVariant = Variant<Conv2dParams>;
using DepthwiseConv2dVariant = Variant<DepthwiseConv2dParams>;
std::span<const Conv2dVariant> conv2d_variants();
std::span<const DepthwiseConv2dVariant> depthwise_conv2d_variants();

// PyTorch's dense weight (out, in, kh, kw) → (out, kh, kw, in). Out is float or bf16 (rounded
// once, to nearest even).
template <class Out>
void conv2d_weight_from_oihw(const float* oihw, int out_channels, int in_channels, int kernel_h, int kernel_w,
                             Out* dst) {
  for (int o = 0; o < out_channels; ++o)
    for (int i = 0; i < in_channels; ++i)
      for (int ky = 0; ky < kernel_h; ++ky)
        for (int kx = 0; kx < kernel_w; ++kx) {
          const std::size_t from = ((static_cast<std::size_t>(o) * in_channels + i) * kernel_h + ky) * kernel_w + kx;
          const std::size_t to = ((static_cast<std::size_t>(o) * kernel_h + ky) * kernel_w + kx) * in_channels + i;
          dst[to] = from_f32<Out>(oihw[from]);
        }
}

// PyTorch's depthwise weight (channels, 1, kh, kw) → (kh, kw, channels).
template <class Out>
void depthwise_weight_from_oihw(const float* oihw, int channels, int kernel_h, int kernel_w, Out* dst) {
  for (int c = 0; c < channels; ++c)
    for (int ky = 0; ky < kernel_h; ++ky)
      for (int kx = 0; kx < kernel_w; ++kx) {
        const std::size_t from = (static_cast<std::size_t>(c) * kernel_h + ky) * kernel_w + kx;
        const std::size_t to = (static_cast<std::size_t>(ky) * kernel_w + kx) * channels + c;
        dst[to] = from_f32<Out>(oihw[from]);
      }
}

// Dense conv2d.
void conv2d__ref(const Conv2dParams& p, const runtime::Team& team);
// Output pixels split over cores; per pixel the patch widened to FP32 once, 4 output channels
// at a time.
void conv2d__portable(const Conv2dParams& p, const runtime::Team& team);
std::size_t conv2d__portable_scratch(const Conv2dParams& p);
// x86: blocks of output pixels im2col'd into per-core scratch, then matmul__avx512bf16_8x32
// against the weight packed once (pack_weights) or per call into scratch.
void conv2d__im2col_avx512bf16(const Conv2dParams& p, const runtime::Team& team);
std::size_t conv2d__im2col_avx512bf16_scratch(const Conv2dParams& p);
std::size_t conv2d__im2col_avx512bf16_packed_bytes(const Conv2dParams& p);
void conv2d__im2col_avx512bf16_pack(Conv2dParams& p, void* dst);

// Depthwise conv2d.
void depthwise_conv2d__ref(const DepthwiseConv2dParams& p, const runtime::Team& team);
// Output pixels split over cores; per pixel one FP32 accumulator row across channels.
void depthwise_conv2d__portable(const DepthwiseConv2dParams& p, const runtime::Team& team);
std::size_t depthwise_conv2d__portable_scratch(const DepthwiseConv2dParams& p);
// x86: output pixels split over cores, weights widened to FP32 in scratch once per call, 16
// channels per FP32 vector (masked tail), 4 vectors per pass.
void depthwise_conv2d__avx512bf16(const DepthwiseConv2dParams& p, const runtime::Team& team);
std::size_t depthwise_conv2d__avx512bf16_scratch(const DepthwiseConv2dParams& p);

}  // namespace bfedge::kernels
