// Every variant in the variant lists has at least one test whose name carries it: the tile-edge
// tests are named "<variant>_vs_<reference>_...", so a variant added to a list without a test
// (or a reference never used as an oracle) fails here. The on-target half of the check is in the
// firmware (src/targets/rv32/kernel_tests.cpp): it fails when a variant runnable on rv32 has no
// on-target case. Dispatch by (target, features) is checked here too.
#include <gtest/gtest.h>

#include <string>

#include "bfedge/kernels/isa.hpp"
#include "bfedge/kernels/variants.hpp"

namespace bfedge::kernels {
namespace {

TEST(VariantCoverage, EveryListedVariantHasATest) {
  const ::testing::UnitTest& unit = *::testing::UnitTest::GetInstance();
  std::vector<std::string> names;
  for (int s = 0; s < unit.total_test_suite_count(); ++s) {
    const ::testing::TestSuite& suite = *unit.GetTestSuite(s);
    for (int t = 0; t < suite.total_test_count(); ++t) {
      names.push_back(std::string(suite.name()) + "." + suite.GetTestInfo(t)->name());
    }
  }
  int checked = 0, mcu = 0;
  for (const VariantInfo& v : all_variants()) {
    const std::string key = std::string(v.name) + "_";
    bool found = false;
    for (const std::string& n : names) found |= n.find(key) != std::string::npos;
    EXPECT_TRUE(found) << v.op << " variant " << v.name << " has no test";
    ++checked;
    mcu += v.key.target == Target::rv32;
  }
  EXPECT_GT(checked, 45);
  EXPECT_EQ(mcu, 6);  // the MCU kernels are registered
}

TEST(VariantRegistry, SelectsTheMostSpecializedVariantOfTheTarget) {
  EXPECT_STREQ(select_variant(matvec_variants(), x86_spec(Isa::reference)).name, "matvec__ref");
  EXPECT_STREQ(select_variant(matvec_variants(), x86_spec(Isa::portable)).name, "matvec__portable_16row");
  EXPECT_STREQ(select_variant(matvec_variants(), x86_spec(Isa::avx2)).name, "matvec__avx2_16row");
  EXPECT_STREQ(select_variant(matvec_variants(), x86_spec(Isa::avx512bf16)).name, "matvec__avx512bf16_16row");
  EXPECT_STREQ(select_variant(matvec_variants(), kRv32Imafc).name, "matvec__rv32_8row");
  EXPECT_STREQ(select_variant(matmul_variants(), kRv32Imafc).name, "matmul__portable_4x4");
  EXPECT_STREQ(select_variant(mhsa_variants(), kRv32Imafc).name, "mhsa__fused_portable");
  EXPECT_STREQ(select_variant(mhsa_variants(), x86_spec(Isa::avx2)).name, "mhsa__fused_avx2");
  // A future Xpulp variant would need a feature the plain rv32imafc spec lacks.
  const TargetSpec pulp{Target::rv32, feature::rv32imafc | feature::xpulp, Tier::tuned};
  EXPECT_STREQ(select_variant(rmsnorm_variants(), pulp).name, "rmsnorm__rv32_columns");
  EXPECT_FALSE(runs_on(kX86Avx2, kRv32Imafc));
  EXPECT_TRUE(runs_on(kRv32, x86_spec(Isa::portable)));  // plain C++: the host tests run it
  EXPECT_FALSE(selectable_on(kRv32, x86_spec(Isa::avx512bf16)));
}

}  // namespace
}  // namespace bfedge::kernels
