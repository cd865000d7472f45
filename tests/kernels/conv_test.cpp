// conv2d and depthwise_conv2d: every variant against its reference at the case table's shapes
// (channels at vector and panel edges, odd/even H and W including 1, stride 1 and 2, pad 0 up to
// kernel/2, batch 1 and 2) on 1, 2 and 3 cores, with and without bias and GELU epilogue, the
// im2col variant also with its weights packed once; canaries past the outputs. The references against a
// double-precision convolution written on PyTorch's OIHW weights (which also checks the OIHW
// converters end to end), the converters' index maps, and the output-size formula.
// Tolerance (docs/kernels.md): 1 BF16 ULP of ref + 2^-14 (Σ|x·w| + |bias|).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "bfedge/kernels/conv.hpp"
#include "kernels/kernel_cases.hpp"
#include "kernels/kernel_test_support.hpp"

namespace bfedge::kernels {
namespace {

// Σ over the taps inside the image of |x·w| for output (n, oy, ox) and weight row `w_of(tap, ci)`.
template <class WeightOf>
double abs_sum(const bf16* x, int in_h, int in_w, int channels, int kernel, int stride, int pad, int n, int oy,
               int ox, int c_begin, int c_count, WeightOf w_of) {
  double sum = 0.0;
  for (int ky = 0; ky < kernel; ++ky)
    for (int kx = 0; kx < kernel; ++kx) {
      const int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
      if (iy < 0 || iy >= in_h || ix < 0 || ix >= in_w) continue;
      const bf16* px = x + ((static_cast<std::size_t>(n) * in_h + iy) * in_w + ix) * channels;
      for (int c = c_begin; c < c_begin + c_count; ++c) sum += std::fabs(to_f32(px[c]) * w_of(ky, kx, c));
    }
  return sum;
}

// ---- conv2d -------------------------------------------------------------------------------------

struct Conv2dCase {
  const Conv2dVariant* variant;
  cases::Conv2dShape shape;
  bool bias;
  int cores;
  PackWeights pack;
  Epilogue epilogue = Epilogue::none;
};

Conv2dParams conv2d_params(const cases::Conv2dShape& s) {
  Conv2dParams p;
  p.batch = s.batch, p.in_h = s.in_h, p.in_w = s.in_w, p.in_channels = s.in_channels;
  p.out_channels = s.out_channels, p.kernel = s.kernel, p.stride = s.stride, p.pad = s.pad;
  return p;
}

class Conv2dVariants : public ::testing::TestWithParam<Conv2dCase> {};

TEST_P(Conv2dVariants, MatchesReference) {
  const Conv2dCase& c = GetParam();
  BFEDGE_SKIP_UNLESS_RUNNABLE(*c.variant);
  Conv2dParams p = conv2d_params(c.shape);
  const auto x = test::random_bf16(static_cast<std::size_t>(p.batch) * p.in_h * p.in_w * p.in_channels, 41);
  const auto w = test::random_bf16(static_cast<std::size_t>(p.out_channels) * p.patch(), 42);
  const auto bias = test::random_bf16(static_cast<std::size_t>(p.out_channels), 43);
  p.x = x.data(), p.w = w.data(), p.bias = c.bias ? bias.data() : nullptr;
  p.epilogue = c.epilogue;
  const int out_h = p.out_h(), out_w = p.out_w(), pixels = p.batch * out_h * out_w;
  ASSERT_GT(pixels, 0);
  test::CanaryMatrix<bf16> got(pixels, p.out_channels, p.out_channels), want(pixels, p.out_channels, p.out_channels);
  p.out = got.data();
  test::run_variant(*c.variant, p, c.cores, c.pack);
  p.out = want.data();
  test::run_variant(conv2d_variants().front(), p, 1);
  EXPECT_EQ(got.damaged_canaries(), 0);
  for (int q = 0; q < pixels; ++q) {
    const int n = q / (out_h * out_w), oy = q / out_w % out_h, ox = q % out_w;
    for (int o = 0; o < p.out_channels; ++o) {
      const bf16* w_row = p.w + static_cast<std::size_t>(o) * p.patch();
      double scale = (c.bias ? std::fabs(to_f32(bias[o])) : 0.0) +
                     abs_sum(p.x, p.in_h, p.in_w, p.in_channels, p.kernel, p.stride, p.pad, n, oy, ox, 0,
                             p.in_channels, [&](int ky, int kx, int i) {
                               return to_f32(w_row[(ky * p.kernel + kx) * p.in_channels + i]);
                             });
      if (c.epilogue == Epilogue::gelu_erf) scale = cases::gelu_epilogue_scale(static_cast<float>(scale));
      const float g = to_f32(got.at(q, o)), r = to_f32(want.at(q, o));
      ASSERT_TRUE(cases::within_bf16(cases::kConv, g, r, static_cast<float>(scale)))
          << "pixel " << q << " channel " << o << ": got " << g << ", want " << r;
    }
  }
}

std::vector<Conv2dCase> conv2d_cases() {
  std::vector<Conv2dCase> out;
  for (const Conv2dVariant& v : conv2d_variants()) {
    if (v.key.tier == Tier::reference) continue;
    int index = 0;
    for (const cases::Conv2dShape& s : cases::kConv2dShapes) {
      ++index;
      const Epilogue epilogue = index % 4 == 2 ? Epilogue::gelu_erf : Epilogue::none;
      out.push_back({&v, s, index % 3 != 0, 1 + index % 3, PackWeights::no, epilogue});
      if (v.pack_weights != nullptr) {
        out.push_back({&v, s, index % 2 == 0, 1 + (index + 1) % 3, PackWeights::yes,
                       index % 4 == 3 ? Epilogue::gelu_erf : Epilogue::none});
      }
    }
  }
  return out;
}

std::string conv2d_case_name(const ::testing::TestParamInfo<Conv2dCase>& info) {
  const Conv2dCase& c = info.param;
  const cases::Conv2dShape& s = c.shape;
  return test::param_name(std::string(c.variant->name) + (c.pack == PackWeights::yes ? "_packed" : "") +
                          "_vs_conv2d__ref_b" + std::to_string(s.batch) + "_" + std::to_string(s.in_h) + "x" +
                          std::to_string(s.in_w) + "_c" + std::to_string(s.in_channels) + "to" +
                          std::to_string(s.out_channels) + "_k" + std::to_string(s.kernel) + "s" +
                          std::to_string(s.stride) + "p" + std::to_string(s.pad) + (c.bias ? "_bias" : "") +
                          (c.epilogue == Epilogue::none ? "" : std::string("_") + epilogue_name(c.epilogue)) +
                          "_cores" + std::to_string(c.cores) + "_" + std::to_string(info.index));
}

INSTANTIATE_TEST_SUITE_P(TileEdges, Conv2dVariants, ::testing::ValuesIn(conv2d_cases()), conv2d_case_name);

// ---- depthwise_conv2d ---------------------------------------------------------------------------

struct DepthwiseCase {
  const DepthwiseConv2dVariant* variant;
  cases::DepthwiseConv2dShape shape;
  bool bias;
  int cores;
  Epilogue epilogue = Epilogue::none;
};

DepthwiseConv2dParams depthwise_params(const cases::DepthwiseConv2dShape& s) {
  DepthwiseConv2dParams p;
  p.batch = s.batch, p.in_h = s.in_h, p.in_w = s.in_w, p.channels = s.channels;
  p.kernel = s.kernel, p.stride = s.stride, p.pad = s.pad;
  return p;
}

class DepthwiseConv2dVariants : public ::testing::TestWithParam<DepthwiseCase> {};

TEST_P(DepthwiseConv2dVariants, MatchesReference) {
  const DepthwiseCase& c = GetParam();
  BFEDGE_SKIP_UNLESS_RUNNABLE(*c.variant);
  DepthwiseConv2dParams p = depthwise_params(c.shape);
  const auto x = test::random_bf16(static_cast<std::size_t>(p.batch) * p.in_h * p.in_w * p.channels, 51);
  const auto w = test::random_bf16(static_cast<std::size_t>(p.kernel) * p.kernel * p.channels, 52);
  const auto bias = test::random_bf16(static_cast<std::size_t>(p.channels), 53);
  p.x = x.data(), p.w = w.data(), p.bias = c.bias ? bias.data() : nullptr;
  p.epilogue = c.epilogue;
  const int out_h = p.out_h(), out_w = p.out_w(), pixels = p.batch * out_h * out_w;
  ASSERT_GT(pixels, 0);
  test::CanaryMatrix<bf16> got(pixels, p.channels, p.channels), want(pixels, p.channels, p.channels);
  p.out = got.data();
  test::run_variant(*c.variant, p, c.cores);
  p.out = want.data();
  test::run_variant(depthwise_conv2d_variants().front(), p, 1);
  EXPECT_EQ(got.damaged_canaries(), 0);
  for (int q = 0; q < pixels; ++q) {
    const int n = q / (out_h * out_w), oy = q / out_w % out_h, ox = q % out_w;
    for (int ch = 0; ch < p.channels; ++ch) {
      double scale = (c.bias ? std::fabs(to_f32(bias[ch])) : 0.0) +
                     abs_sum(p.x, p.in_h, p.in_w, p.channels, p.kernel, p.stride, p.pad, n, oy, ox, ch, 1,
                             [&](int ky, int kx, int cc) { return to_f32(p.w[(ky * p.kernel + kx) * p.channels + cc]); });
      if (c.epilogue == Epilogue::gelu_erf) scale = cases::gelu_epilogue_scale(static_cast<float>(scale));
      const float g = to_f32(got.at(q, ch)), r = to_f32(want.at(q, ch));
      ASSERT_TRUE(cases::within_bf16(cases::kConv, g, r, static_cast<float>(scale)))
          << "pixel " << q << " channel " << ch << ": got " << g << ", want " << r;
    }
  }
}

std::vector<DepthwiseCase> depthwise_cases() {
  std::vector<DepthwiseCase> out;
  for (const DepthwiseConv2dVariant& v : depthwise_conv2d_variants()) {
    if (v.key.tier == Tier::reference) continue;
    int index = 0;
    for (const cases::DepthwiseConv2dShape& s : cases::kDepthwiseConv2dShapes) {
      ++index;
      out.push_back({&v, s, index % 3 != 1, 1 + index % 3, index % 4 == 1 ? Epilogue::gelu_erf : Epilogue::none});
    }
  }
  return out;
}

std::string depthwise_case_name(const ::testing::TestParamInfo<DepthwiseCase>& info) {
  const DepthwiseCase& c = info.param;
  const cases::DepthwiseConv2dShape& s = c.shape;
  return test::param_name(std::string(c.variant->name) + "_vs_depthwise_conv2d__ref_b" + std::to_string(s.batch) +
                          "_" + std::to_string(s.in_h) + "x" + std::to_string(s.in_w) + "_c" +
                          std::to_string(s.channels) + "_k" + std::to_string(s.kernel) + "s" +
                          std::to_string(s.stride) + "p" + std::to_string(s.pad) + (c.bias ? "_bias" : "") +
                          (c.epilogue == Epilogue::none ? "" : std::string("_") + epilogue_name(c.epilogue)) +
                          "_cores" + std::to_string(c.cores) + "_" + std::to_string(info.index));
}

INSTANTIATE_TEST_SUITE_P(TileEdges, DepthwiseConv2dVariants, ::testing::ValuesIn(depthwise_cases()),
                         depthwise_case_name);

// Every conv variant, the references included, applies the GELU epilogue to the finished sum
// before its one rounding: a 1×1 conv with weights 1 over one input channel (dense) or over each
// channel (depthwise) makes output (pixel, c) gelu(x + bias[c]), exact in FP32 before the GELU.
TEST(ConvEpilogue, EveryVariantAppliesGeluToTheSumWithBias) {
  const int pixels = 2 * 5 * 7, channels = 33;
  const auto image = test::random_bf16(static_cast<std::size_t>(pixels) * channels, 7, 2.0f);
  const auto bias = test::random_bf16(channels, 8);
  const std::vector<bf16> ones(channels, to_bf16(1.0f));
  const auto check = [&](const char* name, const test::CanaryMatrix<bf16>& got, auto input_of) {
    EXPECT_EQ(got.damaged_canaries(), 0) << name;
    for (int q = 0; q < pixels; ++q)
      for (int c = 0; c < channels; ++c) {
        const float x = input_of(q, c) + to_f32(bias[c]), want = to_f32(to_bf16(gelu_erf_value(x)));
        ASSERT_TRUE(cases::within_bf16(cases::kActivation, to_f32(got.at(q, c)), want, std::max(1.0f, std::fabs(x))))
            << name << " pixel " << q << " channel " << c << ": got " << to_f32(got.at(q, c)) << ", want " << want;
      }
  };
  Conv2dParams dense;  // one input channel, `channels` outputs, every weight 1
  dense.batch = 2, dense.in_h = 5, dense.in_w = 7, dense.in_channels = 1, dense.out_channels = channels;
  dense.kernel = 1, dense.stride = 1, dense.pad = 0;
  dense.x = image.data(), dense.w = ones.data(), dense.bias = bias.data(), dense.epilogue = Epilogue::gelu_erf;
  for (const Conv2dVariant& v : conv2d_variants()) {
    if (!runs_on_host(v.key)) continue;
    test::CanaryMatrix<bf16> got(pixels, channels, channels);
    dense.out = got.data();
    test::run_variant(v, dense, 2);
    check(v.name, got, [&](int q, int) { return to_f32(image[static_cast<std::size_t>(q)]); });
  }
  DepthwiseConv2dParams depthwise;
  depthwise.batch = 2, depthwise.in_h = 5, depthwise.in_w = 7, depthwise.channels = channels;
  depthwise.kernel = 1, depthwise.stride = 1, depthwise.pad = 0;
  depthwise.x = image.data(), depthwise.w = ones.data(), depthwise.bias = bias.data();
  depthwise.epilogue = Epilogue::gelu_erf;
  for (const DepthwiseConv2dVariant& v : depthwise_conv2d_variants()) {
    if (!runs_on_host(v.key)) continue;
    test::CanaryMatrix<bf16> got(pixels, channels, channels);
    depthwise.out = got.data();
    test::run_variant(v, depthwise, 2);
    check(v.name, got, [&](int q, int c) { return to_f32(image[static_cast<std::size_t>(q) * channels + c]); });
  }
}

// ---- the references against PyTorch's formula on OIHW weights, in double ----------------------

// BF16-representable floats, so the converted BF16 weights are exactly the OIHW values.
std::vector<float> representable(std::size_t count, std::uint32_t seed) {
  const auto v = test::random_bf16(count, seed);
  std::vector<float> out(count);
  for (std::size_t i = 0; i < count; ++i) out[i] = to_f32(v[i]);
  return out;
}

double x_at(const std::vector<bf16>& x, int h, int w, int c, int n, int iy, int ix, int ci) {
  return to_f32(x[((static_cast<std::size_t>(n) * h + iy) * w + ix) * c + ci]);
}

TEST(Conv2dReference, MatchesDoublePrecisionOnOihwWeights) {
  for (const cases::Conv2dShape& s : {cases::Conv2dShape{2, 7, 6, 3, 5, 3, 2, 1},
                                      cases::Conv2dShape{1, 5, 4, 4, 3, 3, 1, 0},
                                      cases::Conv2dShape{1, 6, 7, 2, 4, 5, 1, 2}}) {
    Conv2dParams p = conv2d_params(s);
    const auto oihw = representable(static_cast<std::size_t>(p.out_channels) * p.patch(), 61);
    std::vector<bf16> w(oihw.size());
    conv2d_weight_from_oihw(oihw.data(), p.out_channels, p.in_channels, p.kernel, p.kernel, w.data());
    const auto x = test::random_bf16(static_cast<std::size_t>(p.batch) * p.in_h * p.in_w * p.in_channels, 62);
    const auto bias = test::random_bf16(static_cast<std::size_t>(p.out_channels), 63);
    const int out_h = p.out_h(), out_w = p.out_w();
    std::vector<bf16> out(static_cast<std::size_t>(p.batch) * out_h * out_w * p.out_channels);
    p.x = x.data(), p.w = w.data(), p.bias = bias.data(), p.out = out.data();
    test::run_variant(conv2d_variants().front(), p, 1);
    for (int n = 0; n < p.batch; ++n)
      for (int oy = 0; oy < out_h; ++oy)
        for (int ox = 0; ox < out_w; ++ox)
          for (int o = 0; o < p.out_channels; ++o) {
            double want = to_f32(bias[o]);
            for (int i = 0; i < p.in_channels; ++i)
              for (int ky = 0; ky < p.kernel; ++ky)
                for (int kx = 0; kx < p.kernel; ++kx) {
                  const int iy = oy * p.stride - p.pad + ky, ix = ox * p.stride - p.pad + kx;
                  if (iy < 0 || iy >= p.in_h || ix < 0 || ix >= p.in_w) continue;
                  want += x_at(x, p.in_h, p.in_w, p.in_channels, n, iy, ix, i) *
                          oihw[((static_cast<std::size_t>(o) * p.in_channels + i) * p.kernel + ky) * p.kernel + kx];
                }
            const std::size_t at = ((static_cast<std::size_t>(n) * out_h + oy) * out_w + ox) * p.out_channels + o;
            const double got = to_f32(out[at]);
            EXPECT_NEAR(got, want, 0x1p-8 * std::fabs(want) + 1e-5) << n << "," << oy << "," << ox << "," << o;
          }
  }
}

TEST(DepthwiseConv2dReference, MatchesDoublePrecisionOnOihwWeights) {
  for (const cases::DepthwiseConv2dShape& s : {cases::DepthwiseConv2dShape{2, 7, 6, 5, 3, 2, 1},
                                               cases::DepthwiseConv2dShape{1, 5, 8, 3, 3, 1, 0},
                                               cases::DepthwiseConv2dShape{1, 6, 5, 4, 5, 1, 2}}) {
    DepthwiseConv2dParams p = depthwise_params(s);
    const auto oihw = representable(static_cast<std::size_t>(p.channels) * p.kernel * p.kernel, 71);
    std::vector<bf16> w(oihw.size());
    depthwise_weight_from_oihw(oihw.data(), p.channels, p.kernel, p.kernel, w.data());
    const auto x = test::random_bf16(static_cast<std::size_t>(p.batch) * p.in_h * p.in_w * p.channels, 72);
    const auto bias = test::random_bf16(static_cast<std::size_t>(p.channels), 73);
    const int out_h = p.out_h(), out_w = p.out_w();
    std::vector<bf16> out(static_cast<std::size_t>(p.batch) * out_h * out_w * p.channels);
    p.x = x.data(), p.w = w.data(), p.bias = bias.data(), p.out = out.data();
    test::run_variant(depthwise_conv2d_variants().front(), p, 1);
    for (int n = 0; n < p.batch; ++n)
      for (int oy = 0; oy < out_h; ++oy)
        for (int ox = 0; ox < out_w; ++ox)
          for (int c = 0; c < p.channels; ++c) {
            double want = to_f32(bias[c]);
            for (int ky = 0; ky < p.kernel; ++ky)
              for (int kx = 0; kx < p.kernel; ++kx) {
                const int iy = oy * p.stride - p.pad + ky, ix = ox * p.stride - p.pad + kx;
                if (iy < 0 || iy >= p.in_h || ix < 0 || ix >= p.in_w) continue;
                want += x_at(x, p.in_h, p.in_w, p.channels, n, iy, ix, c) *
                        oihw[(static_cast<std::size_t>(c) * p.kernel + ky) * p.kernel + kx];
              }
            const double got = to_f32(out[((static_cast<std::size_t>(n) * out_h + oy) * out_w + ox) * p.channels + c]);
            EXPECT_NEAR(got, want, 0x1p-8 * std::fabs(want) + 1e-5) << n << "," << oy << "," << ox << "," << c;
          }
  }
}

// ---- layout helpers -------------------------------------------------------------------------------

TEST(ConvWeightLayout, Conv2dFromOihwMovesEveryElement) {
  const int o_count = 3, i_count = 2, kh = 3, kw = 2;
  std::vector<float> oihw(o_count * i_count * kh * kw);
  for (std::size_t i = 0; i < oihw.size(); ++i) oihw[i] = static_cast<float>(i) + 0.5f;
  std::vector<float> ohwi(oihw.size(), -1.0f);
  conv2d_weight_from_oihw(oihw.data(), o_count, i_count, kh, kw, ohwi.data());
  for (int o = 0; o < o_count; ++o)
    for (int i = 0; i < i_count; ++i)
      for (int ky = 0; ky < kh; ++ky)
        for (int kx = 0; kx < kw; ++kx) {
          EXPECT_EQ(ohwi[((o * kh + ky) * kw + kx) * i_count + i], oihw[((o * i_count + i) * kh + ky) * kw + kx]);
        }
  std::vector<bf16> rounded(oihw.size());
  const float one_third = 1.0f / 3.0f;
  conv2d_weight_from_oihw(&one_third, 1, 1, 1, 1, rounded.data());
  EXPECT_EQ(rounded[0], to_bf16(one_third));  // BF16 out: rounded once, to nearest even
}

TEST(ConvWeightLayout, DepthwiseFromOihwIsTapMajor) {
  const int channels = 5, kh = 3, kw = 3;
  std::vector<float> oihw(channels * kh * kw);
  for (std::size_t i = 0; i < oihw.size(); ++i) oihw[i] = static_cast<float>(i);
  std::vector<bf16> taps(oihw.size());
  depthwise_weight_from_oihw(oihw.data(), channels, kh, kw, taps.data());
  for (int c = 0; c < channels; ++c)
    for (int ky = 0; ky < kh; ++ky)
      for (int kx = 0; kx < kw; ++kx) {
        EXPECT_EQ(to_f32(taps[(ky * kw + kx) * channels + c]), oihw[(c * kh + ky) * kw + kx]);
      }
}

TEST(ConvOutputSize, FloorOfPaddedSpanOverStride) {
  EXPECT_EQ(conv_output_size(224, 3, 2, 1), 112);
  EXPECT_EQ(conv_output_size(112, 3, 2, 1), 56);
  EXPECT_EQ(conv_output_size(7, 3, 2, 1), 4);
  EXPECT_EQ(conv_output_size(8, 3, 1, 0), 6);
  EXPECT_EQ(conv_output_size(1, 3, 1, 1), 1);
  EXPECT_EQ(conv_output_size(1, 3, 2, 1), 1);
  EXPECT_EQ(conv_output_size(2, 2, 2, 0), 1);
  EXPECT_EQ(conv_output_size(2, 3, 1, 0), 0);
}

}  // namespace
}  // namespace bfedge::kernels
