// The NHWC patch of one output pixel of a dense conv2d (kernels/conv.hpp): kernel² taps of
// in_channels values each, in the weight's (ky, kx, channel) order, zeros for taps outside the
// image — one row of the implicit GEMM's im2col matrix. Shared by the portable kernel (widened
// to FP32) and the x86 im2col kernel (BF16). Freestanding.
#pragma once

#include <type_traits>

#include "bfedge/kernels/conv.hpp"

namespace bfedge::kernels {

// Output pixel `pixel` (index into batch·out_h·out_w) → its patch, p.patch() values.
template <class Out>
void conv2d_patch(const Conv2dParams& p, int pixel, Out* patch) {
  const int out_h = p.out_h(), out_w = p.out_w();
  const int n = pixel / (out_h * out_w), oy = pixel / out_w % out_h, ox = pixel % out_w;
  const int cin = p.in_channels;
  for (int ky = 0; ky < p.kernel; ++ky) {
    const int iy = oy * p.stride - p.pad + ky;
    for (int kx = 0; kx < p.kernel; ++kx) {
      const int ix = ox * p.stride - p.pad + kx;
      Out* dst = patch + (ky * p.kernel + kx) * cin;
      if (iy < 0 || iy >= p.in_h || ix < 0 || ix >= p.in_w) {
        for (int i = 0; i < cin; ++i) dst[i] = Out{};
        continue;
      }
      const bf16* src = p.x + ((static_cast<std::size_t>(n) * p.in_h + iy) * p.in_w + ix) * cin;
      if constexpr (std::is_same_v<Out, bf16>) {
        for (int i = 0; i < cin; ++i) dst[i] = src[i];
      } else {
        for (int i = 0; i < cin; ++i) dst[i] = to_f32(src[i]);
      }
    }
  }
}

}  // namespace bfedge::kernels
