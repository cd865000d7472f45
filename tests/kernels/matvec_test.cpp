// matvec variants against matvec__ref on the packed layout at row-block and k-pair edges, and the
// reference (through matvec_pack) against a plain double-precision W·x.
#include "bfedge/kernels/matvec.hpp"

#include <gtest/gtest.h>

#include "kernels/kernel_cases.hpp"
#include "kernels/kernel_test_support.hpp"

namespace bfedge::kernels {
namespace {

struct Case {
  const MatvecVariant* variant;
  int rows, cols, cores;
  OutType out;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  for (const MatvecVariant& v : matvec_variants()) {
    if (v.key.tier == Tier::reference) continue;
    int index = 0;
    for (int rows : cases::kMatvecRows) {
      for (int cols : cases::kMatvecCols) {
        ++index;
        out.push_back({&v, rows, cols, index % 3 == 0 ? 1 : (index % 3 == 1 ? 3 : 8),
                       index % 2 == 0 ? OutType::f32 : OutType::bf16});
      }
    }
  }
  return out;
}

struct Packed {
  std::vector<bf16> w, packed, x;
};

Packed make(int rows, int cols, std::uint32_t seed) {
  const int ld = cols + 5;
  Packed m{test::random_bf16(static_cast<std::size_t>(rows) * ld, seed),
           std::vector<bf16>(matvec_packed_elements(rows, cols)), test::random_bf16(cols, seed + 1)};
  matvec_pack(m.w.data(), rows, cols, ld, m.packed.data());
  return m;
}

class MatvecVariants : public ::testing::TestWithParam<Case> {};

TEST_P(MatvecVariants, MatchesReference) {
  const Case& c = GetParam();
  BFEDGE_SKIP_UNLESS_RUNNABLE(*c.variant);
  const Packed m = make(c.rows, c.cols, 7);
  MatvecParams p;
  p.rows = c.rows, p.cols = c.cols, p.w_packed = m.packed.data(), p.x = m.x.data();
  p.y_type = c.out;
  auto check = [&](auto tag) {
    using Out = decltype(tag);
    test::CanaryMatrix<Out> got(1, c.rows, c.rows), want(1, c.rows, c.rows);
    p.y = got.data();
    test::run_variant(*c.variant, p, c.cores);
    p.y = want.data();
    test::run_variant(matvec_variants().front(), p, 1);
    EXPECT_EQ(got.damaged_canaries(), 0);
    for (int r = 0; r < c.rows; ++r) {
      double scale = 0.0;
      for (int k = 0; k < c.cols; ++k) {
        scale += std::fabs(to_f32(m.packed[matvec_packed_index(c.cols, r, k)]) * to_f32(m.x[k]));
      }
      const double g = to_f32(got.at(0, r)), w = to_f32(want.at(0, r));
      ASSERT_TRUE(cases::within(cases::kMatvec, static_cast<float>(g), static_cast<float>(w), static_cast<float>(scale)))
          << "row " << r << ": " << g << " vs " << w;
    }
  };
  if (c.out == OutType::f32) {
    check(float{});
  } else {
    check(bf16{});
  }
}

INSTANTIATE_TEST_SUITE_P(TileEdges, MatvecVariants, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& param) {
                           const Case& c = param.param;
                           return test::param_name(std::string(c.variant->name) + "_vs_matvec__ref_" +
                                                   std::to_string(c.rows) + "x" +
                                                   std::to_string(c.cols) + "_c" +
                                                   std::to_string(c.cores) +
                                                   (c.out == OutType::f32 ? "_f32" : "_bf16"));
                         });

TEST(MatvecReference, PackedProductMatchesPlainDoublePrecision) {
  for (auto [rows, cols] : {std::pair{17, 9}, std::pair{64, 64}, std::pair{3, 1}}) {
    const Packed m = make(rows, cols, 11);
    std::vector<float> y(rows);
    MatvecParams p;
    p.rows = rows, p.cols = cols, p.w_packed = m.packed.data(), p.x = m.x.data();
    p.y = y.data(), p.y_type = OutType::f32;
    test::run_variant(matvec_variants().front(), p, 1);
    for (int r = 0; r < rows; ++r) {
      double want = 0.0;
      for (int k = 0; k < cols; ++k) {
        want += double{to_f32(m.w[static_cast<std::size_t>(r) * (cols + 5) + k])} * to_f32(m.x[k]);
      }
      EXPECT_NEAR(y[r], want, 1e-5) << rows << "x" << cols << " row " << r;
    }
  }
}

}  // namespace
}  // namespace bfedge::kernels
