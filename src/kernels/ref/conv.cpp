// conv2d__ref and depthwise_conv2d__ref: the oracles of the convolutions (kernels/conv.hpp).
// Scalar, one core, taps in (ky, kx, channel) order, FP32 accumulation, bias added last, one
// rounding to BF16 after the epilogue.
#include "bfedge/kernels/conv.hpp"

namespace bfedge::kernels {

void conv2d__ref(const Conv2dParams& p, const runtime::Team& team) {
  if (team.core != 0) return;  // the oracle runs on one core
  const int out_h = p.out_h(), out_w = p.out_w();
  for (int n = 0; n < p.batch; ++n)
    for (int oy = 0; oy < out_h; ++oy)
      for (int ox = 0; ox < out_w; ++ox)
        for (int o = 0; o < p.out_channels; ++o) {
          float acc = 0.0f;
          for (int ky = 0; ky < p.kernel; ++ky) {
            const int iy = oy * p.stride - p.pad + ky;
            if (iy < 0 || iy >= p.in_h) continue;
            for (int kx = 0; kx < p.kernel; ++kx) {
              const int ix = ox * p.stride - p.pad + kx;
              if (ix < 0 || ix >= p.in_w) continue;
              const bf16* x = p.x + ((static_cast<std::size_t>(n) * p.in_h + iy) * p.in_w + ix) * p.in_channels;
              const bf16* w = p.w + ((static_cast<std::size_t>(o) * p.kernel + ky) * p.kernel + kx) * p.in_channels;
              for (int i = 0; i < p.in_channels; ++i) acc += to_f32(x[i]) * to_f32(w[i]);
            }
          }
          if (p.bias != nullptr) acc += to_f32(p.bias[o]);
          p.out[((static_cast<std::size_t>(n) * out_h + oy) * out_w + ox) * p.out_channels + o] =
              to_bf16(apply_epilogue(p.epilogue, acc));
        }
}

void depthwise_conv2d__ref(const DepthwiseConv2dParams& p, const runtime::Team& team) {
  if (team.core != 0) return;  // the oracle runs on one core
  const int out_h = p.out_h(), out_w = p.out_w();
  for (int n = 0; n < p.batch; ++n)
    for (int oy = 0; oy < out_h; ++oy)
      for (int ox = 0; ox < out_w; ++ox)
        for (int c = 0; c < p.channels; ++c) {
          float acc = 0.0f;
          for (int ky = 0; ky < p.kernel; ++ky) {
            const int iy = oy * p.stride - p.pad + ky;
            if (iy < 0 || iy >= p.in_h) continue;
            for (int kx = 0; kx < p.kernel; ++kx) {
              const int ix = ox * p.stride - p.pad + kx;
              if (ix < 0 || ix >= p.in_w) continue;
              const std::size_t at = ((static_cast<std::size_t>(n) * p.in_h + iy) * p.in_w + ix) * p.channels + c;
              acc += to_f32(p.x[at]) * to_f32(p.w[(static_cast<std::size_t>(ky) * p.kernel + kx) * p.channels + c]);
            }
          }
          if (p.bias != nullptr) acc += to_f32(p.bias[c]);
          p.out[((static_cast<std::size_t>(n) * out_h + oy) * out_w + ox) * p.channels + c] =
              to_bf16(apply_epilogue(p.epilogue, acc));
        }
}

}  // namespace bfedge::kernels
