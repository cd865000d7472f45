#include "bfedge/kernels/fast_math.hpp"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace bfedge::kernels {
namespace {

TEST(FastMath, ExpRelativeError) {
  double worst = 0.0, worst_schraudolph = 0.0;
  for (double x = -87.33; x < 88.3762; x += 1.7e-4) {
    const float f = static_cast<float>(x);
    const double want = std::exp(static_cast<double>(f));
    worst = std::max(worst, std::fabs(fast_exp(f) - want) / want);
    worst_schraudolph = std::max(worst_schraudolph, std::fabs(schraudolph_exp(f) - want) / want);
  }
  std::printf("[ fast_exp ] max relative error %.3g (Schraudolph %.3g)\n", worst, worst_schraudolph);
  EXPECT_LT(worst, 3e-7);  // documented: 2.6e-7
  EXPECT_LT(worst_schraudolph, 0.06);
}

TEST(FastMath, ExpSpecialValues) {
  EXPECT_EQ(fast_exp(0.0f), 1.0f);
  EXPECT_EQ(fast_exp(-std::numeric_limits<float>::infinity()), 0.0f);
  EXPECT_EQ(fast_exp(-1e4f), 0.0f);
  EXPECT_TRUE(std::isfinite(fast_exp(1e4f)));
  EXPECT_GT(fast_exp(1e4f), 1e38f);
}

}  // namespace
}  // namespace bfedge::kernels
