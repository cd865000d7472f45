// Every variant in the variant lists has at least one test whose name carries it: the tile-edge
// tests are named "<variant>_vs_<reference>_...", so a variant added to a list without a test
// (or a reference never used as an oracle) fails here.
#include <gtest/gtest.h>

#include <string>

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
  int checked = 0;
  for (const VariantInfo& v : all_variants()) {
    const std::string key = std::string(v.name) + "_";
    bool found = false;
    for (const std::string& n : names) found |= n.find(key) != std::string::npos;
    EXPECT_TRUE(found) << v.op << " variant " << v.name << " has no test";
    ++checked;
  }
  EXPECT_GT(checked, 40);
}

}  // namespace
}  // namespace bfedge::kernels
