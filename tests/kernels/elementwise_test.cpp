// Norms, activations, softmax and data-movement ops: every variant against its op's reference
// at vector edges (n = 1, below/at/above 16, odd, model widths), 1 and 3 cores, with canaries.
// Tolerances (docs/kernels.md): exact for add, rope, embedding, transpose; norms
// 2^-8 |ref| + 2^-14 max|ref|; activations 2^-8 |ref| + 1e-5 max(1, |x|); softmax 1e-5.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "bfedge/kernels/variants.hpp"
#include "kernels/kernel_cases.hpp"
#include "kernels/kernel_test_support.hpp"

namespace bfedge::kernels {
namespace {


template <class Params>
struct Case {
  const Variant<Params>* variant;
  const Variant<Params>* reference;
  int n;
  int cores;
};

template <class Params>
std::vector<Case<Params>> cases(std::span<const Variant<Params>> list) {
  std::vector<Case<Params>> out;
  for (const auto& v : list) {
    if (v.key.tier == Tier::reference) continue;
    for (int n : cases::kVectorSizes) out.push_back({&v, &list.front(), n, n % 2 == 0 ? 3 : 1});
  }
  return out;
}

template <class Params>
std::string case_name(const ::testing::TestParamInfo<Case<Params>>& param) {
  const auto& c = param.param;
  return test::param_name(std::string(c.variant->name) + "_vs_" + c.reference->name + "_n" +
                          std::to_string(c.n) + "_c" + std::to_string(c.cores));
}

// ---- norms ------------------------------------------------------------------------------------

class NormVariants : public ::testing::TestWithParam<Case<NormParams>> {};

TEST_P(NormVariants, MatchesReference) {
  const auto& c = GetParam();
  BFEDGE_SKIP_UNLESS_RUNNABLE(*c.variant);
  const int rows = 3;
  const auto x = test::random_bf16(static_cast<std::size_t>(rows) * c.n, 1, 2.0f);
  const auto gamma = test::random_bf16(c.n, 2);
  const auto affine_scale = test::random_f32(c.n, 3), affine_shift = test::random_f32(c.n, 4);
  const auto residual = test::random_bf16(static_cast<std::size_t>(rows) * c.n, 19, 2.0f);
  test::CanaryMatrix<bf16> got(rows, c.n, c.n), want(rows, c.n, c.n);
  NormParams p;
  p.rows = rows, p.n = c.n, p.x = x.data(), p.gamma = gamma.data();  // rmsnorm's
  p.scale = affine_scale.data(), p.shift = affine_shift.data();      // the affine norms'
  p.residual = residual.data();  // read by the add_* norms only
  p.out = got.data();
  test::run_variant(*c.variant, p, c.cores);
  p.out = want.data();
  test::run_variant(*c.reference, p, 1);
  EXPECT_EQ(got.damaged_canaries(), 0);
  float scale = 0.0f;
  for (int r = 0; r < rows; ++r)
    for (int j = 0; j < c.n; ++j) scale = std::max(scale, std::fabs(to_f32(want.at(r, j))));
  for (int r = 0; r < rows; ++r)
    for (int j = 0; j < c.n; ++j) {
      const float g = to_f32(got.at(r, j)), w = to_f32(want.at(r, j));
      ASSERT_TRUE(cases::within(cases::kNorm, g, w, scale)) << r << "," << j << ": " << g << " vs " << w;
    }
}

std::vector<Case<NormParams>> norm_cases() {
  std::vector<Case<NormParams>> out;
  for (auto list : {rmsnorm_variants(), layernorm_variants(), nonorm_variants(), add_layernorm_variants(),
                    add_nonorm_variants()}) {
    const auto c = cases(list);
    out.insert(out.end(), c.begin(), c.end());
  }
  return out;
}
INSTANTIATE_TEST_SUITE_P(Sizes, NormVariants, ::testing::ValuesIn(norm_cases()), case_name<NormParams>);

// ---- unary activations and SwiGLU -------------------------------------------------------------

class UnaryVariants : public ::testing::TestWithParam<Case<UnaryParams>> {};

TEST_P(UnaryVariants, MatchesReference) {
  const auto& c = GetParam();
  BFEDGE_SKIP_UNLESS_RUNNABLE(*c.variant);
  auto x = test::random_bf16(c.n, 4, 3.0f);
  if (c.n > 4) x[0] = to_bf16(-12.0f), x[1] = to_bf16(12.0f), x[2] = bf16{}, x[3] = to_bf16(-0.0f);
  test::CanaryMatrix<bf16> got(1, c.n, c.n), want(1, c.n, c.n);
  UnaryParams p;
  p.n = c.n, p.x = x.data(), p.out = got.data();
  test::run_variant(*c.variant, p, c.cores);
  p.out = want.data();
  test::run_variant(*c.reference, p, 1);
  EXPECT_EQ(got.damaged_canaries(), 0);
  for (int i = 0; i < c.n; ++i) {
    const float g = to_f32(got.at(0, i)), w = to_f32(want.at(0, i));
    ASSERT_TRUE(cases::within(cases::kActivation, g, w, std::max(1.0f, std::fabs(to_f32(x[i])))))
        << "x = " << to_f32(x[i]) << ": " << g << " vs " << w;
  }
}

std::vector<Case<UnaryParams>> unary_cases() {
  std::vector<Case<UnaryParams>> out;
  for (auto list : {silu_variants(), relu_variants(), gelu_erf_variants(), gelu_tanh_variants(), tanh_variants()}) {
    const auto c = cases(list);
    out.insert(out.end(), c.begin(), c.end());
  }
  return out;
}
INSTANTIATE_TEST_SUITE_P(Sizes, UnaryVariants, ::testing::ValuesIn(unary_cases()), case_name<UnaryParams>);

class SwigluVariants : public ::testing::TestWithParam<Case<SwigluParams>> {};

TEST_P(SwigluVariants, MatchesReference) {
  const auto& c = GetParam();
  BFEDGE_SKIP_UNLESS_RUNNABLE(*c.variant);
  const auto gate = test::random_bf16(c.n, 5, 3.0f), up = test::random_bf16(c.n, 6);
  test::CanaryMatrix<bf16> got(1, c.n, c.n), want(1, c.n, c.n);
  std::copy(gate.begin(), gate.end(), got.data());
  std::copy(gate.begin(), gate.end(), want.data());
  SwigluParams p;
  p.n = c.n, p.up = up.data(), p.gate = got.data();
  test::run_variant(*c.variant, p, c.cores);
  p.gate = want.data();
  test::run_variant(*c.reference, p, 1);
  EXPECT_EQ(got.damaged_canaries(), 0);
  for (int i = 0; i < c.n; ++i) {
    const float g = to_f32(got.at(0, i)), w = to_f32(want.at(0, i));
    ASSERT_TRUE(cases::within(cases::kActivation, g, w, std::max(1.0f, std::fabs(to_f32(gate[i])))));
  }
}
INSTANTIATE_TEST_SUITE_P(Sizes, SwigluVariants, ::testing::ValuesIn(cases(swiglu_variants())),
                         case_name<SwigluParams>);

// ---- softmax ---------------------------------------------------------------------------------

class SoftmaxVariants : public ::testing::TestWithParam<Case<SoftmaxParams>> {};

TEST_P(SoftmaxVariants, MatchesReferenceWithHugeLogitsAndMasks) {
  const auto& c = GetParam();
  BFEDGE_SKIP_UNLESS_RUNNABLE(*c.variant);
  const int rows = 4, ld = c.n + 3;
  auto base = test::random_f32(static_cast<std::size_t>(rows) * ld, 7, 3.0f);
  for (int j = 0; j < c.n; ++j) {
    base[static_cast<std::size_t>(ld) + j] *= 3000.0f;                   // row 1: logits ~ ±1e4
    if (j % 3 == 1) base[2 * static_cast<std::size_t>(ld) + j] = -INFINITY;  // row 2: masks
    base[3 * static_cast<std::size_t>(ld) + j] = -INFINITY;              // row 3: fully masked
  }
  auto got = base, want = base;
  SoftmaxParams p;
  p.rows = rows, p.cols = c.n, p.ld = ld, p.scale = 0.7f, p.x = got.data();
  test::run_variant(*c.variant, p, c.cores);
  p.x = want.data();
  test::run_variant(*c.reference, p, 1);
  for (int r = 0; r < rows; ++r) {
    for (int j = 0; j < ld; ++j) {
      const std::size_t at = static_cast<std::size_t>(r) * ld + j;
      if (j >= c.n) {  // the row stride's gap is not touched
        EXPECT_EQ(std::bit_cast<std::uint32_t>(got[at]), std::bit_cast<std::uint32_t>(base[at]));
        continue;
      }
      ASSERT_TRUE(std::isfinite(got[at])) << r << "," << j;
      ASSERT_TRUE(cases::within(cases::kSoftmax, got[at], want[at], 1.0f)) << r << "," << j;
    }
  }
}
INSTANTIATE_TEST_SUITE_P(Sizes, SoftmaxVariants, ::testing::ValuesIn(cases(softmax_variants())),
                         case_name<SoftmaxParams>);

// ---- add, rope, embedding, transpose: exact -------------------------------------------------------

class AddVariants : public ::testing::TestWithParam<Case<AddParams>> {};

TEST_P(AddVariants, MatchesReferenceExactly) {
  const auto& c = GetParam();
  BFEDGE_SKIP_UNLESS_RUNNABLE(*c.variant);
  const auto a = test::random_bf16(c.n, 8), b = test::random_bf16(c.n, 9, 0.01f);
  test::CanaryMatrix<bf16> got(1, c.n, c.n), want(1, c.n, c.n);
  AddParams p;
  p.n = c.n, p.a = a.data(), p.b = b.data(), p.out = got.data();
  test::run_variant(*c.variant, p, c.cores);
  p.out = want.data();
  test::run_variant(*c.reference, p, 1);
  EXPECT_EQ(got.damaged_canaries(), 0);
  for (int i = 0; i < c.n; ++i) ASSERT_EQ(got.at(0, i).bits, want.at(0, i).bits) << i;
}
INSTANTIATE_TEST_SUITE_P(Sizes, AddVariants, ::testing::ValuesIn(cases(add_variants())), case_name<AddParams>);

// With a fused GELU (MBConv's residual): the sum is exact in FP32, so the variants differ only by
// their GELU (a vector polynomial against std::erf): within the activations' tolerance.
TEST_P(AddVariants, GeluEpilogueMatchesReference) {
  const auto& c = GetParam();
  BFEDGE_SKIP_UNLESS_RUNNABLE(*c.variant);
  const auto a = test::random_bf16(c.n, 10, 2.0f), b = test::random_bf16(c.n, 11);
  test::CanaryMatrix<bf16> got(1, c.n, c.n), want(1, c.n, c.n);
  AddParams p;
  p.n = c.n, p.a = a.data(), p.b = b.data(), p.out = got.data(), p.epilogue = Epilogue::gelu_erf;
  test::run_variant(*c.variant, p, c.cores);
  p.out = want.data();
  test::run_variant(*c.reference, p, 1);
  EXPECT_EQ(got.damaged_canaries(), 0);
  for (int i = 0; i < c.n; ++i) {
    const float x = to_f32(a[i]) + to_f32(b[i]), g = to_f32(got.at(0, i)), r = to_f32(want.at(0, i));
    ASSERT_EQ(want.at(0, i).bits, to_bf16(gelu_erf_value(x)).bits) << i;  // the reference: GELU, one rounding
    ASSERT_TRUE(cases::within_bf16(cases::kActivation, g, r, std::max(1.0f, std::fabs(x))))
        << i << ": got " << g << ", want " << r;
  }
}

class RopeVariants : public ::testing::TestWithParam<Case<RopeParams>> {};

TEST_P(RopeVariants, MatchesReferenceExactly) {
  const auto& c = GetParam();
  BFEDGE_SKIP_UNLESS_RUNNABLE(*c.variant);
  const int head_size = 2 * (c.n % 8 + 1), heads = 1 + c.n % 5, dim = head_size * heads;
  const int kv_dim = head_size * (heads > 1 ? heads / 2 : 1);
  const auto q = test::random_bf16(dim, 10), k = test::random_bf16(kv_dim, 11);
  const auto cs = test::random_f32(head_size / 2, 12), sn = test::random_f32(head_size / 2, 13);
  test::CanaryMatrix<bf16> q1(1, dim, dim), k1(1, kv_dim, kv_dim), q2(1, dim, dim), k2(1, kv_dim, kv_dim);
  std::copy(q.begin(), q.end(), q1.data()), std::copy(q.begin(), q.end(), q2.data());
  std::copy(k.begin(), k.end(), k1.data()), std::copy(k.begin(), k.end(), k2.data());
  RopeParams p;
  p.dim = dim, p.kv_dim = kv_dim, p.head_size = head_size, p.cos = cs.data(), p.sin = sn.data();
  p.q = q1.data(), p.k = k1.data();
  test::run_variant(*c.variant, p, c.cores);
  p.q = q2.data(), p.k = k2.data();
  test::run_variant(*c.reference, p, 1);
  EXPECT_EQ(q1.damaged_canaries() + k1.damaged_canaries(), 0);
  for (int i = 0; i < dim; ++i) ASSERT_EQ(q1.at(0, i).bits, q2.at(0, i).bits) << i;
  for (int i = 0; i < kv_dim; ++i) ASSERT_EQ(k1.at(0, i).bits, k2.at(0, i).bits) << i;
}
INSTANTIATE_TEST_SUITE_P(Sizes, RopeVariants, ::testing::ValuesIn(cases(rope_variants())), case_name<RopeParams>);

class EmbeddingVariants : public ::testing::TestWithParam<Case<EmbeddingParams>> {};

TEST_P(EmbeddingVariants, MatchesReferenceExactly) {
  const auto& c = GetParam();
  BFEDGE_SKIP_UNLESS_RUNNABLE(*c.variant);
  const int vocab = 37, dim = c.n, count = 9;
  const auto table = test::random_bf16(static_cast<std::size_t>(vocab) * dim, 14);
  const std::vector<int> ids = {0, 36, 5, -1, 37, 5, 12, 1000, 3};  // out-of-range ids: zero rows
  test::CanaryMatrix<bf16> got(count, dim, dim), want(count, dim, dim);
  EmbeddingParams p;
  p.count = count, p.vocab = vocab, p.dim = dim, p.ids = ids.data(), p.table = table.data();
  p.out = got.data();
  test::run_variant(*c.variant, p, c.cores);
  p.out = want.data();
  test::run_variant(*c.reference, p, 1);
  EXPECT_EQ(got.damaged_canaries(), 0);
  for (int r = 0; r < count; ++r)
    for (int j = 0; j < dim; ++j) ASSERT_EQ(got.at(r, j).bits, want.at(r, j).bits);
  EXPECT_EQ(to_f32(want.at(3, 0)), 0.0f);
}
INSTANTIATE_TEST_SUITE_P(Sizes, EmbeddingVariants, ::testing::ValuesIn(cases(embedding_variants())),
                         case_name<EmbeddingParams>);

class TransposeVariants : public ::testing::TestWithParam<Case<TransposeParams>> {};

TEST_P(TransposeVariants, MatchesReferenceExactly) {
  const auto& c = GetParam();
  BFEDGE_SKIP_UNLESS_RUNNABLE(*c.variant);
  const int rows = c.n, cols = 1 + (c.n * 7) % 23, ld_in = cols + 2, ld_out = rows + 1;
  const auto in = test::random_bf16(static_cast<std::size_t>(rows) * ld_in, 15);
  test::CanaryMatrix<bf16> got(cols, rows, ld_out), want(cols, rows, ld_out);
  TransposeParams p;
  p.rows = rows, p.cols = cols, p.in = in.data(), p.ld_in = ld_in, p.ld_out = ld_out;
  p.out = got.data();
  test::run_variant(*c.variant, p, c.cores);
  p.out = want.data();
  test::run_variant(*c.reference, p, 1);
  EXPECT_EQ(got.damaged_canaries(), 0);
  for (int r = 0; r < cols; ++r)
    for (int j = 0; j < rows; ++j) ASSERT_EQ(got.at(r, j).bits, want.at(r, j).bits);
  EXPECT_EQ(want.at(0, rows - 1).bits, in[static_cast<std::size_t>(rows - 1) * ld_in].bits);
}
INSTANTIATE_TEST_SUITE_P(Sizes, TransposeVariants, ::testing::ValuesIn(cases(transpose_variants())),
                         case_name<TransposeParams>);

// Tokens of 3 sequences of n % 5 + 1 ids (out-of-range ids give zero parts), width n.
class TrigramEmbeddingVariants : public ::testing::TestWithParam<Case<TrigramEmbeddingParams>> {};

TEST_P(TrigramEmbeddingVariants, MatchesReferenceExactly) {
  const auto& c = GetParam();
  BFEDGE_SKIP_UNLESS_RUNNABLE(*c.variant);
  const int vocab = 37, dim = c.n, batch = 3, seq = c.n % 5 + 1, rows = batch * seq;
  const auto table = test::random_bf16(static_cast<std::size_t>(vocab) * dim, 20);
  std::vector<int> ids(static_cast<std::size_t>(rows));
  for (int i = 0; i < rows; ++i) ids[static_cast<std::size_t>(i)] = i % 7 == 3 ? -1 : (i * 11) % (vocab + 2);
  test::CanaryMatrix<bf16> got(rows, 3 * dim, 3 * dim), want(rows, 3 * dim, 3 * dim);
  TrigramEmbeddingParams p;
  p.batch = batch, p.seq = seq, p.vocab = vocab, p.dim = dim, p.ids = ids.data(), p.table = table.data();
  p.out = got.data();
  test::run_variant(*c.variant, p, c.cores);
  p.out = want.data();
  test::run_variant(*c.reference, p, 1);
  EXPECT_EQ(got.damaged_canaries(), 0);
  for (int r = 0; r < rows; ++r)
    for (int j = 0; j < 3 * dim; ++j) ASSERT_EQ(got.at(r, j).bits, want.at(r, j).bits) << r << "," << j;
  // The reference's layout: [next, this, previous], zeros past the ends of each sequence.
  for (int r = 0; r < rows; ++r) {
    const int t = r % seq, id = ids[static_cast<std::size_t>(r)];
    const bool valid = id >= 0 && id < vocab;
    EXPECT_EQ(want.at(r, dim).bits, valid ? table[static_cast<std::size_t>(id) * dim].bits : bf16{}.bits);
    if (t == 0) {
      EXPECT_EQ(to_f32(want.at(r, 2 * dim)), 0.0f);
    }
    if (t == seq - 1) {
      EXPECT_EQ(to_f32(want.at(r, 0)), 0.0f);
    }
  }
}
INSTANTIATE_TEST_SUITE_P(Sizes, TrigramEmbeddingVariants, ::testing::ValuesIn(cases(trigram_embedding_variants())),
                         case_name<TrigramEmbeddingParams>);

class FirstTokenVariants : public ::testing::TestWithParam<Case<FirstTokenParams>> {};

TEST_P(FirstTokenVariants, MatchesReferenceExactly) {
  const auto& c = GetParam();
  BFEDGE_SKIP_UNLESS_RUNNABLE(*c.variant);
  const int dim = c.n, batch = c.n % 4 + 1, seq = c.n % 3 + 1;
  const auto in = test::random_bf16(static_cast<std::size_t>(batch) * seq * dim, 21);
  test::CanaryMatrix<bf16> got(batch, dim, dim), want(batch, dim, dim);
  FirstTokenParams p;
  p.batch = batch, p.seq = seq, p.dim = dim, p.in = in.data(), p.out = got.data();
  test::run_variant(*c.variant, p, c.cores);
  p.out = want.data();
  test::run_variant(*c.reference, p, 1);
  EXPECT_EQ(got.damaged_canaries(), 0);
  for (int b = 0; b < batch; ++b)
    for (int j = 0; j < dim; ++j) {
      ASSERT_EQ(got.at(b, j).bits, want.at(b, j).bits);
      ASSERT_EQ(want.at(b, j).bits, in[static_cast<std::size_t>(b) * seq * dim + j].bits);
    }
}
INSTANTIATE_TEST_SUITE_P(Sizes, FirstTokenVariants, ::testing::ValuesIn(cases(first_token_variants())),
                         case_name<FirstTokenParams>);

// ---- the references against independent formulas ----------------------------------------------

TEST(ReferenceOracles, NormsSoftmaxAndActivationsAgainstDoublePrecision) {
  const int n = 33;
  const auto x = test::random_bf16(n, 16, 2.0f);
  const auto g = test::random_f32(n, 17), b = test::random_f32(n, 18);
  std::vector<bf16> out(n);
  NormParams p;
  p.n = n, p.x = x.data(), p.scale = g.data(), p.shift = b.data(), p.out = out.data();
  test::run_variant(layernorm_variants().front(), p, 1);
  double mean = 0, var = 0;
  for (bf16 v : x) mean += to_f32(v);
  mean /= n;
  for (bf16 v : x) var += (to_f32(v) - mean) * (to_f32(v) - mean);
  var /= n;
  for (int j = 0; j < n; ++j) {
    const double want = (to_f32(x[j]) - mean) / std::sqrt(var + 1e-5) * g[j] + b[j];
    EXPECT_NEAR(to_f32(out[j]), want, 0.01 * std::fabs(want) + 1e-3);
  }
  std::vector<float> s = {1.0f, 2.0f, -INFINITY, 3.0f};
  SoftmaxParams sp;
  sp.cols = 4, sp.ld = 4, sp.x = s.data();
  test::run_variant(softmax_variants().front(), sp, 1);
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_NEAR(s[0], std::exp(1.0) / z, 1e-6);
  EXPECT_EQ(s[2], 0.0f);
  const std::vector<bf16> xs = {to_bf16(1.0f), to_bf16(-1.0f)};
  std::vector<bf16> ys(2);
  UnaryParams up;
  up.n = 2, up.x = xs.data(), up.out = ys.data();
  test::run_variant(gelu_erf_variants().front(), up, 1);
  EXPECT_NEAR(to_f32(ys[0]), 0.8413447, 4e-3);  // GELU(1) = Φ(1)
  test::run_variant(gelu_tanh_variants().front(), up, 1);
  EXPECT_NEAR(to_f32(ys[1]), -0.1588080, 4e-3);
}

}  // namespace
}  // namespace bfedge::kernels
