// Every matmul variant against matmul__ref at tile edges (1; below, at and above multiples of
// every variant's MR/NR; odd K; N smaller than the core count; real model shapes), with strided
// outputs and canaries. Tolerance (docs/kernels.md): |got - ref| <= 2^-8 |ref| + 2^-14 Σ|a·b|.
#include "bfedge/kernels/matmul.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/kernel_cases.hpp"
#include "kernels/kernel_test_support.hpp"

namespace bfedge::kernels {
namespace {

struct Shape {
  int m, n, k;
};

struct Case {
  const MatmulVariant* variant;
  Shape shape;
  bool b_transposed;
  bool bias;
  OutType out;
  int cores;
  PackWeights pack = PackWeights::no;
  // -1: strided operands (lda, ldb, ldc past every width). Otherwise dense rows (lda = k,
  // ldc = n), A on a 64-byte boundary and C starting c_line_shift elements past one: the
  // in-place A tiles, direct C tile stores and line-aligned C row stores of the AMX variant.
  int c_line_shift = -1;
  Epilogue epilogue = Epilogue::none;
};

std::vector<Shape> shapes() {  // kernels/kernel_cases.hpp, shared with the on-target tests
  std::vector<Shape> s;
  for (cases::MatmulShape sh : cases::kMatmulSmallShapes) s.push_back({sh.m, sh.n, sh.k});
  for (int m : cases::kMatmulM)
    for (int n : cases::kMatmulN)
      for (int k : cases::kMatmulK) s.push_back({m, n, k});
  for (cases::MatmulShape sh : cases::kMatmulModelShapes) s.push_back({sh.m, sh.n, sh.k});
  return s;
}

std::vector<Case> cases() {
  std::vector<Case> out;
  for (const MatmulVariant& v : matmul_variants()) {
    if (v.key.tier == Tier::reference) continue;
    int index = 0;
    for (const Shape& sh : shapes()) {
      ++index;
      // Rotate the options over shapes so every combination appears without a full product.
      out.push_back({&v, sh, index % 2 == 0, index % 3 != 0,
                     index % 4 == 1 ? OutType::f32 : OutType::bf16, index % 5 == 2 ? 1 : 3});
      if (index % 7 == 3) out.back().epilogue = Epilogue::gelu_erf;
    }
    // Full panels with long K in both B layouts (the vectorized packing paths).
    for (Shape sh : {Shape{9, 64, 48}, Shape{8, 96, 34}, Shape{3, 33, 19}}) {
      for (bool transposed : {false, true}) out.push_back({&v, sh, transposed, true, OutType::f32, 2});
    }
    // The GELU epilogue over whole and partial panels, BF16 and FP32 out.
    for (Shape sh : {Shape{9, 64, 48}, Shape{8, 33, 19}}) {
      for (OutType type : {OutType::bf16, OutType::f32}) {
        out.push_back({&v, sh, true, true, type, 2});
        out.back().epilogue = Epilogue::gelu_erf;
      }
    }
  }
  return out;
}

// Runs the case's variant (packing B first when the case says so) and the reference on the same
// operands (strides past every width) and compares every output, and the canaries past them.
void check_case(const Case& c) {
  const auto [m, n, k] = c.shape;
  const bool dense = c.c_line_shift >= 0;
  const int lda = dense ? k : k + 3, ldb = (c.b_transposed ? k : n) + (dense ? 0 : 1), ldc = dense ? n : n + 2;
  const auto a_storage = test::random_bf16(static_cast<std::size_t>(m) * lda + 32, 1);
  const bf16* a = a_storage.data() + (dense ? test::line_offset(a_storage, 0) : 0);
  const auto b = test::random_bf16(static_cast<std::size_t>(c.b_transposed ? n : k) * ldb, 2);
  const auto bias = test::random_bf16(static_cast<std::size_t>(n), 3);

  MatmulParams p;
  p.m = m, p.n = n, p.k = k;
  p.a = a, p.lda = lda;
  p.b = b.data(), p.ldb = ldb, p.b_transposed = c.b_transposed;
  p.bias = c.bias ? bias.data() : nullptr;
  p.ldc = ldc;
  p.c_type = c.out;
  p.epilogue = c.epilogue;

  auto check = [&](auto tag) {
    using Out = decltype(tag);
    test::CanaryMatrix<Out> got(m, n, ldc, 37, c.c_line_shift), want(m, n, ldc);
    p.c = got.data();
    test::run_variant(*c.variant, p, c.cores, c.pack);
    p.c = want.data();
    test::run_variant(matmul_variants().front(), p, 1);
    EXPECT_EQ(got.damaged_canaries(), 0);
    for (int i = 0; i < m; ++i) {
      for (int j = 0; j < n; ++j) {
        double scale = c.bias ? std::fabs(to_f32(bias[j])) : 0.0;
        for (int kk = 0; kk < k; ++kk) {
          scale += std::fabs(to_f32(a[i * lda + kk]) * to_f32(matmul_b_at(p, kk, j)));
        }
        if (c.epilogue == Epilogue::gelu_erf) scale = cases::gelu_epilogue_scale(static_cast<float>(scale));
        const double g = to_f32(got.at(i, j)), w = to_f32(want.at(i, j));
        const bool within = c.out == OutType::f32
                                ? cases::within(cases::kMatmul, static_cast<float>(g), static_cast<float>(w), static_cast<float>(scale))
                                : cases::within_bf16(cases::kMatmul, static_cast<float>(g), static_cast<float>(w), static_cast<float>(scale));
        ASSERT_TRUE(within) << "got " << g << ", want " << w
            << "at (" << i << ", " << j << ")";
      }
    }
  };
  if (c.out == OutType::f32) {
    check(float{});
  } else {
    check(bf16{});
  }
}

class MatmulVariants : public ::testing::TestWithParam<Case> {};

TEST_P(MatmulVariants, MatchesReference) {
  BFEDGE_SKIP_UNLESS_RUNNABLE(*GetParam().variant);
  check_case(GetParam());
}

std::string case_name(const ::testing::TestParamInfo<Case>& param) {
  const Case& c = param.param;
  return test::param_name(std::string(c.variant->name) + (c.pack == PackWeights::yes ? "_packed" : "") +
                          "_vs_matmul__ref_" + std::to_string(c.shape.m) + "x" + std::to_string(c.shape.n) + "x" +
                          std::to_string(c.shape.k) + (c.b_transposed ? "_bt" : "_bn") + (c.bias ? "_bias" : "") +
                          (c.out == OutType::f32 ? "_f32" : "_bf16") + "_c" + std::to_string(c.cores) +
                          (c.c_line_shift >= 0 ? "_dense_cshift" + std::to_string(c.c_line_shift) : "") +
                          (c.epilogue == Epilogue::none ? "" : std::string("_") + epilogue_name(c.epilogue)) + "_" +
                          std::to_string(param.index));
}

INSTANTIATE_TEST_SUITE_P(TileEdges, MatmulVariants, ::testing::ValuesIn(cases()), case_name);

// Every variant, the reference included, applies the GELU epilogue to the finished sum before
// its one rounding: with one-term sums (k = 1, a = 1) output (i, j) is gelu(b[j] + bias[j]),
// both halves exact in FP32. (The tile-edge cases above compare variants with the reference.)
TEST(MatmulEpilogue, EveryVariantAppliesGeluToTheSumWithBias) {
  const int m = 9, n = 33;
  const std::vector<bf16> a(m, to_bf16(1.0f));
  const auto b = test::random_bf16(n, 5, 2.0f), bias = test::random_bf16(n, 6);
  MatmulParams p;
  p.m = m, p.n = n, p.k = 1, p.a = a.data(), p.lda = 1, p.b = b.data(), p.ldb = n, p.bias = bias.data();
  p.ldc = n, p.epilogue = Epilogue::gelu_erf;
  for (const MatmulVariant& v : matmul_variants()) {
    if (!runs_on_host(v.key)) continue;
    test::CanaryMatrix<bf16> got(m, n, n);
    p.c = got.data();
    test::run_variant(v, p, 2);
    EXPECT_EQ(got.damaged_canaries(), 0) << v.name;
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < n; ++j) {
        const float x = to_f32(b[j]) + to_f32(bias[j]), want = to_f32(to_bf16(gelu_erf_value(x)));
        ASSERT_TRUE(cases::within_bf16(cases::kActivation, to_f32(got.at(i, j)), want, std::max(1.0f, std::fabs(x))))
            << v.name << " (" << i << ", " << j << "): got " << to_f32(got.at(i, j)) << ", want " << want;
      }
  }
}

// The packed path (B packed once by the variant's pack_weights, then run from the packed
// panels) of every variant that has one, at the edges of its tiles: m around 1, 8 (AVX-512 rows)
// and 16/32 (AMX tile rows, block rows), n around 16/32 (tile and panel columns), k around 2
// (pairs) and 32 (AMX tile depth), plus the model shapes bench gemm times.
std::vector<Case> packed_cases() {
  std::vector<Case> out;
  std::vector<Shape> s;
  for (int m : {1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 49})
    for (int n : {1, 15, 16, 17, 31, 32, 33, 63})
      for (int k : {1, 2, 31, 32, 33, 64}) s.push_back({m, n, k});
  for (Shape model : {Shape{64, 1536, 512}, Shape{16, 172, 64}, Shape{128, 512, 128}, Shape{49, 192, 64},
                      Shape{196, 480, 160}}) {
    s.push_back(model);
  }
  for (const MatmulVariant& v : matmul_variants()) {
    if (v.pack_weights == nullptr) continue;
    int index = 0;
    for (const Shape& sh : s) {
      ++index;
      out.push_back({&v, sh, index % 2 == 1, index % 3 == 0, index % 4 < 2 ? OutType::f32 : OutType::bf16,
                     1 + index % 3, PackWeights::yes});
      if (index % 5 == 1) out.back().epilogue = Epilogue::gelu_erf;
    }
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(PackedTileEdges, MatmulVariants, ::testing::ValuesIn(packed_cases()), case_name);

// Dense, line-aligned operands (the layout of bench gemm and of a model's arena) through the
// packed path: whole A tiles read in place (m a multiple of 16, k of 32) or copied (the other
// shapes), C aligned (direct tile stores) or 1, 4 or 8 elements past a line (shifted row
// stores), several row blocks and panels (both loop orders, the serpentine walk).
std::vector<Case> dense_cases() {
  std::vector<Case> out;
  const Shape shapes[] = {{16, 16, 32},  {32, 32, 32},   {32, 64, 64},    {48, 96, 64},   {64, 160, 128},
                          {96, 64, 32},  {128, 512, 128}, {64, 1536, 512}, {33, 64, 64},  {49, 192, 64},
                          {196, 480, 160}, {16, 172, 64}, {64, 48, 33}};
  for (const MatmulVariant& v : matmul_variants()) {
    if (v.pack_weights == nullptr) continue;
    int index = 0;
    for (const Shape& sh : shapes) {
      for (int shift : {0, 1, 4, 8}) {
        ++index;
        out.push_back({&v, sh, index % 2 == 1, index % 3 == 0, index % 5 == 4 ? OutType::bf16 : OutType::f32,
                       1 + index % 2, PackWeights::yes, shift});
        if (index % 7 == 2) out.back().epilogue = Epilogue::gelu_erf;
      }
    }
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(PackedDenseAligned, MatmulVariants, ::testing::ValuesIn(dense_cases()), case_name);

// Packing is a layout change only: the packed and unpacked calls of a variant give the same bits.
TEST(MatmulPacked, SameBitsAsUnpackedCall) {
  for (const MatmulVariant& v : matmul_variants()) {
    if (v.pack_weights == nullptr || !runs_on_host(v.key)) continue;
    for (bool transposed : {false, true}) {
      const int m = 37, n = 70, k = 96;
      const auto a = test::random_bf16(static_cast<std::size_t>(m) * k, 7);
      const auto b = test::random_bf16(static_cast<std::size_t>(n) * k, 8);
      const auto bias = test::random_bf16(static_cast<std::size_t>(n), 9);
      std::vector<float> packed(static_cast<std::size_t>(m) * n), unpacked(packed.size());
      MatmulParams p;
      p.m = m, p.n = n, p.k = k, p.a = a.data(), p.lda = k, p.b = b.data(), p.ldb = transposed ? k : n;
      p.b_transposed = transposed, p.bias = bias.data(), p.ldc = n, p.c_type = OutType::f32;
      p.c = packed.data();
      test::run_variant(v, p, 2, PackWeights::yes);
      p.c = unpacked.data();
      test::run_variant(v, p, 2, PackWeights::no);
      EXPECT_EQ(packed, unpacked) << v.name << (transposed ? " b_transposed" : "");
    }
  }
}

// The oracle itself against double precision on a small case.
TEST(MatmulReference, MatchesDoublePrecision) {
  const int m = 5, n = 7, k = 9;
  const auto a = test::random_bf16(m * k, 4), b = test::random_bf16(k * n, 5);
  std::vector<float> c(m * n);
  MatmulParams p;
  p.m = m, p.n = n, p.k = k, p.a = a.data(), p.lda = k, p.b = b.data(), p.ldb = n;
  p.c = c.data(), p.ldc = n, p.c_type = OutType::f32;
  test::run_variant(matmul_variants().front(), p, 1);
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      double want = 0.0;
      for (int kk = 0; kk < k; ++kk) want += double{to_f32(a[i * k + kk])} * to_f32(b[kk * n + j]);
      EXPECT_NEAR(c[i * n + j], want, 1e-5);
    }
  }
}

}  // namespace
}  // namespace bfedge::kernels
