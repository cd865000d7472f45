// conv2d__portable and depthwise_conv2d__portable (kernels/conv.hpp): output pixels split over
// the cores (batch·out_h·out_w, so small images still use every core).
//   dense: per pixel the patch is widened to FP32 once into scratch (the PULP lesson: widen a
//     tile as it lands, not inside the inner loop), then 4 output channels at a time each take a
//     dot product with their weight row (4 independent accumulator chains).
//   depthwise: per pixel one FP32 accumulator row across the channels; each tap in the image
//     adds x[c]·w[tap][c] over contiguous channels (vectorizable, and unit-stride on the MCU).
#include "../conv_patch.hpp"
#include "bfedge/kernels/conv.hpp"

namespace bfedge::kernels {
namespace {

constexpr int kOutBlock = 4;

}  // namespace

std::size_t conv2d__portable_scratch(const Conv2dParams& p) {
  return static_cast<std::size_t>(p.patch()) * sizeof(float);
}

void conv2d__portable(const Conv2dParams& p, const runtime::Team& team) {
  float* patch = core_scratch<float>(p.scratch, conv2d__portable_scratch(p), team.core);
  const int k = p.patch();
  const runtime::Range pixels = runtime::split_range(p.batch * p.out_h() * p.out_w(), team.core, team.cores);
  for (int q = pixels.begin; q < pixels.end; ++q) {
    conv2d_patch(p, q, patch);
    bf16* out = p.out + static_cast<std::size_t>(q) * p.out_channels;
    for (int o0 = 0; o0 < p.out_channels; o0 += kOutBlock) {
      const int outs = p.out_channels - o0 < kOutBlock ? p.out_channels - o0 : kOutBlock;
      const bf16* w[kOutBlock];
      for (int r = 0; r < kOutBlock; ++r) w[r] = p.w + static_cast<std::size_t>(o0 + (r < outs ? r : 0)) * k;
      float acc[kOutBlock] = {};
      for (int kk = 0; kk < k; ++kk) {
        const float a = patch[kk];
        for (int r = 0; r < kOutBlock; ++r) acc[r] += a * to_f32(w[r][kk]);
      }
      for (int r = 0; r < outs; ++r) {
        out[o0 + r] = to_bf16(apply_epilogue(p.epilogue, acc[r] + (p.bias != nullptr ? to_f32(p.bias[o0 + r]) : 0.0f)));
      }
    }
  }
}

std::size_t depthwise_conv2d__portable_scratch(const DepthwiseConv2dParams& p) {
  return static_cast<std::size_t>(p.channels) * sizeof(float);
}

void depthwise_conv2d__portable(const DepthwiseConv2dParams& p, const runtime::Team& team) {
  float* acc = core_scratch<float>(p.scratch, depthwise_conv2d__portable_scratch(p), team.core);
  const int out_h = p.out_h(), out_w = p.out_w(), channels = p.channels;
  const runtime::Range pixels = runtime::split_range(p.batch * out_h * out_w, team.core, team.cores);
  for (int q = pixels.begin; q < pixels.end; ++q) {
    const int n = q / (out_h * out_w), oy = q / out_w % out_h, ox = q % out_w;
    for (int c = 0; c < channels; ++c) acc[c] = 0.0f;
    for (int ky = 0; ky < p.kernel; ++ky) {
      const int iy = oy * p.stride - p.pad + ky;
      if (iy < 0 || iy >= p.in_h) continue;
      for (int kx = 0; kx < p.kernel; ++kx) {
        const int ix = ox * p.stride - p.pad + kx;
        if (ix < 0 || ix >= p.in_w) continue;
        const bf16* x = p.x + ((static_cast<std::size_t>(n) * p.in_h + iy) * p.in_w + ix) * channels;
        const bf16* w = p.w + static_cast<std::size_t>(ky * p.kernel + kx) * channels;
        for (int c = 0; c < channels; ++c) acc[c] += to_f32(x[c]) * to_f32(w[c]);
      }
    }
    bf16* out = p.out + static_cast<std::size_t>(q) * channels;
    for (int c = 0; c < channels; ++c) {
      out[c] = to_bf16(apply_epilogue(p.epilogue, acc[c] + (p.bias != nullptr ? to_f32(p.bias[c]) : 0.0f)));
    }
  }
}

}  // namespace bfedge::kernels
