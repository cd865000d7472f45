// MHSA variants against mhsa__ref (BF16 oracle), and mhsa__naive_port (FP32 baseline) against
// the same oracle on the same (BF16-representable) inputs. Tolerance: normalized MSE of y.
#include "bfedge/kernels/mhsa.hpp"

#include <gtest/gtest.h>

#include "bfedge/core/nmse.hpp"
#include "kernels/kernel_cases.hpp"
#include "kernels/kernel_test_support.hpp"

namespace bfedge::kernels {
namespace {

struct Shape {
  int seq, embed, heads;
};

struct Case {
  const MhsaVariant* variant;
  Shape shape;
  bool causal;
  int cores;
  std::size_t budget;
};

std::vector<Shape> shapes() {
  std::vector<Shape> out;
  for (const cases::MhsaShape& s : cases::kMhsaShapes) out.push_back({s.seq, s.embed, s.heads});
  return out;
}

std::vector<Case> cases() {
  std::vector<Case> out;
  for (const MhsaVariant& v : mhsa_variants()) {
    if (v.key.tier == Tier::reference) continue;
    int index = 0;
    for (const Shape& s : shapes()) {
      ++index;
      out.push_back({&v, s, index % 2 == 0, index % 3 == 0 ? 1 : 3, 64 * 1024});
    }
    out.push_back({&v, {40, 64, 2}, true, 3, 4 * 1024});   // tiny L1 budget: small tiles
    out.push_back({&v, {40, 64, 2}, false, 2, 2 * 1024});
  }
  return out;
}

struct Inputs {
  std::vector<bf16> x, w_in, b_in, w_out, b_out;
  explicit Inputs(const Shape& s)
      : x(test::random_bf16(static_cast<std::size_t>(s.seq) * s.embed, 1)),
        w_in(test::random_bf16(3 * static_cast<std::size_t>(s.embed) * s.embed, 2,
                               1.0f / std::sqrt(static_cast<float>(s.embed)))),
        b_in(test::random_bf16(3 * static_cast<std::size_t>(s.embed), 3, 0.1f)),
        w_out(test::random_bf16(static_cast<std::size_t>(s.embed) * s.embed, 4,
                                1.0f / std::sqrt(static_cast<float>(s.embed)))),
        b_out(test::random_bf16(static_cast<std::size_t>(s.embed), 5, 0.1f)) {}

  template <class T>
  MhsaArgs<T> args(const Shape& s, bool causal, const T* xx, const T* wi, const T* bi,
                   const T* wo, const T* bo, T* y) const {
    MhsaArgs<T> p;
    p.seq = s.seq, p.embed = s.embed, p.heads = s.heads, p.causal = causal;
    p.x = xx, p.in_proj_weight = wi, p.in_proj_bias = bi, p.out_proj_weight = wo;
    p.out_proj_bias = bo, p.y = y;
    return p;
  }
};

std::vector<float> widen(const bf16* v, std::size_t n) {
  std::vector<float> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = to_f32(v[i]);
  return out;
}

std::vector<float> reference_output(const Shape& s, bool causal, const Inputs& in) {
  test::CanaryMatrix<bf16> y(s.seq, s.embed, s.embed);
  test::run_variant(mhsa_variants().front(),
                    in.args<bf16>(s, causal, in.x.data(), in.w_in.data(), in.b_in.data(),
                                  in.w_out.data(), in.b_out.data(), y.data()),
                    1);
  return widen(y.data(), static_cast<std::size_t>(s.seq) * s.embed);
}

class MhsaVariants : public ::testing::TestWithParam<Case> {};

TEST_P(MhsaVariants, MatchesReference) {
  const Case& c = GetParam();
  BFEDGE_SKIP_UNLESS_RUNNABLE(*c.variant);
  const Inputs in(c.shape);
  test::CanaryMatrix<bf16> y(c.shape.seq, c.shape.embed, c.shape.embed);
  MhsaParams p = in.args<bf16>(c.shape, c.causal, in.x.data(), in.w_in.data(), in.b_in.data(),
                               in.w_out.data(), in.b_out.data(), y.data());
  p.l1_budget_bytes = c.budget;
  test::run_variant(*c.variant, p, c.cores);
  EXPECT_EQ(y.damaged_canaries(), 0);
  const auto got = widen(y.data(), static_cast<std::size_t>(c.shape.seq) * c.shape.embed);
  for (float v : got) ASSERT_TRUE(std::isfinite(v));
  EXPECT_LT(nmse(got, reference_output(c.shape, c.causal, in)), cases::kMhsaNmse);
}

INSTANTIATE_TEST_SUITE_P(Shapes, MhsaVariants, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& param) {
                           const Case& c = param.param;
                           return test::param_name(
                               std::string(c.variant->name) + "_vs_mhsa__ref_L" + std::to_string(c.shape.seq) +
                               "_E" + std::to_string(c.shape.embed) + "_H" +
                               std::to_string(c.shape.heads) + (c.causal ? "_causal" : "") + "_c" +
                               std::to_string(c.cores) + "_" + std::to_string(param.index));
                         });

std::string naive_port_name(const ::testing::TestParamInfo<std::tuple<Shape, bool>>& param) {
  const Shape s = std::get<0>(param.param);
  return "mhsa__naive_port_vs_mhsa__ref_L" + std::to_string(s.seq) + "_E" + std::to_string(s.embed) +
         (std::get<1>(param.param) ? "_causal" : "");
}

class MhsaNaivePort : public ::testing::TestWithParam<std::tuple<Shape, bool>> {};

TEST_P(MhsaNaivePort, MatchesReference) {
  const auto [s, causal] = GetParam();
  const Inputs in(s);
  auto f = [](const std::vector<bf16>& v) { return widen(v.data(), v.size()); };
  const auto x = f(in.x), wi = f(in.w_in), bi = f(in.b_in), wo = f(in.w_out), bo = f(in.b_out);
  test::CanaryMatrix<float> y(s.seq, s.embed, s.embed);
  test::run_variant(mhsa_f32_variants().front(),
                    in.args<float>(s, causal, x.data(), wi.data(), bi.data(), wo.data(), bo.data(),
                                   y.data()),
                    2);
  EXPECT_EQ(y.damaged_canaries(), 0);
  const std::vector<float> got(y.data(), y.data() + static_cast<std::size_t>(s.seq) * s.embed);
  EXPECT_LT(nmse(got, reference_output(s, causal, in)), cases::kMhsaNaivePortNmse);
}

INSTANTIATE_TEST_SUITE_P(Shapes, MhsaNaivePort,
                         ::testing::Combine(::testing::Values(Shape{1, 8, 1}, Shape{17, 32, 4},
                                                              Shape{64, 512, 4}),
                                            ::testing::Bool()),
                         naive_port_name);

TEST(MhsaFusedTiles, FitTheBudget) {
  for (std::size_t budget : {2048u, 16384u, 65536u, 131072u}) {
    const FusedTiles t = mhsa_fused_tiles(64, 128, budget);
    EXPECT_GE(t.query_rows, 1);
    if (t.query_rows > 1) {
      EXPECT_LE(t.bytes, budget);
    }
  }
  EXPECT_GT(mhsa_fused_tiles(64, 128, 131072).query_rows, mhsa_fused_tiles(64, 128, 8192).query_rows);
}

}  // namespace
}  // namespace bfedge::kernels
