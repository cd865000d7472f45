// TinyViT's window ops: every variant against its reference at the case table's shapes (maps the
// windows divide and do not, a window larger than the map, 1×1 windows), 1 and 3 cores, with
// canaries; and the references against independent formulas: partition then reverse is the
// identity with zero padding rows, window attention against softmax(q·kᵀ/√d + bias)·v in double
// with timm's bias index (models::tinyvit_attention_bias_index), mean_tokens against a double sum.
// Tolerances (docs/kernels.md): partition/reverse bit-identical; window_attention 2^-8 |ref| +
// 2^-12 max |v|; mean_tokens 2^-8 |ref| + 2^-14 max |x|.
#include <gtest/gtest.h>

#include <cmath>

#include "bfedge/kernels/window.hpp"
#include "bfedge/models/tinyvit.hpp"
#include "kernels/kernel_cases.hpp"
#include "kernels/kernel_test_support.hpp"

namespace bfedge::kernels {
namespace {

WindowParams window_params(const cases::WindowShape& s) {
  WindowParams p;
  p.batch = s.batch, p.height = s.height, p.width = s.width, p.channels = s.channels, p.window = s.window;
  return p;
}

std::size_t window_rows(const WindowParams& p) {
  return static_cast<std::size_t>(p.window_count()) * p.window * p.window;
}

template <class V>
struct ShapeCase {
  const V* variant;
  cases::WindowShape shape;
  int cores;
};

template <class V>
std::vector<ShapeCase<V>> shape_cases(std::span<const V> list) {
  std::vector<ShapeCase<V>> out;
  for (const auto& v : list) {
    if (v.key.tier == Tier::reference) continue;
    for (const auto& s : cases::kWindowShapes) out.push_back({&v, s, s.height % 2 == 0 ? 3 : 1});
  }
  return out;
}

template <class V>
std::string shape_case_name(const ::testing::TestParamInfo<ShapeCase<V>>& info, const char* reference) {
  const auto& c = info.param;
  const cases::WindowShape& s = c.shape;
  return test::param_name(std::string(c.variant->name) + "_vs_" + reference + "_b" + std::to_string(s.batch) + "_" +
                          std::to_string(s.height) + "x" + std::to_string(s.width) + "_c" + std::to_string(s.channels) +
                          "_w" + std::to_string(s.window) + "_h" + std::to_string(s.heads) + "_cores" +
                          std::to_string(c.cores));
}

// ---- partition and reverse ----------------------------------------------------------------------

using MoveCase = ShapeCase<WindowVariant>;
class WindowMoveVariants : public ::testing::TestWithParam<MoveCase> {};

TEST_P(WindowMoveVariants, MatchesReferenceExactly) {
  const MoveCase& c = GetParam();
  BFEDGE_SKIP_UNLESS_RUNNABLE(*c.variant);
  WindowParams p = window_params(c.shape);
  const bool partition = std::string(c.variant->name).starts_with("window_partition");
  const std::size_t map_rows = static_cast<std::size_t>(p.batch) * p.height * p.width;
  const std::size_t in_rows = partition ? map_rows : window_rows(p), out_rows = partition ? window_rows(p) : map_rows;
  const auto in = test::random_bf16(in_rows * p.channels, 41);
  const int rows = static_cast<int>(out_rows);
  test::CanaryMatrix<bf16> got(rows, p.channels, p.channels), want(rows, p.channels, p.channels);
  p.in = in.data(), p.out = got.data();
  test::run_variant(*c.variant, p, c.cores);
  p.out = want.data();
  test::run_variant(partition ? window_partition_variants().front() : window_reverse_variants().front(), p, 1);
  EXPECT_EQ(got.damaged_canaries(), 0);
  for (int r = 0; r < rows; ++r)
    for (int j = 0; j < p.channels; ++j) ASSERT_EQ(got.at(r, j).bits, want.at(r, j).bits) << r << "," << j;
}

std::vector<MoveCase> move_cases() {
  std::vector<MoveCase> out = shape_cases(window_partition_variants());
  for (const MoveCase& c : shape_cases(window_reverse_variants())) out.push_back(c);
  return out;
}
std::string move_case_name(const ::testing::TestParamInfo<MoveCase>& info) {
  const bool partition = std::string(info.param.variant->name).starts_with("window_partition");
  return shape_case_name(info, partition ? "window_partition__ref" : "window_reverse__ref");
}
INSTANTIATE_TEST_SUITE_P(Shapes, WindowMoveVariants, ::testing::ValuesIn(move_cases()), move_case_name);

// Partition then reverse gives the map back; the padding rows of the windows are zero.
TEST(WindowReference, PartitionThenReverseIsTheIdentityWithZeroPadding) {
  for (const cases::WindowShape& s : cases::kWindowShapes) {
    WindowParams p = window_params(s);
    const std::size_t map_size = static_cast<std::size_t>(s.batch) * s.height * s.width * s.channels;
    const auto map = test::random_bf16(map_size, 42);
    std::vector<bf16> windows(window_rows(p) * s.channels, bf16_from_bits(0x7fa5)), back(map_size);
    p.in = map.data(), p.out = windows.data();
    test::run_variant(window_partition_variants().front(), p, 1);
    std::size_t zeros = 0;
    for (bf16 v : windows) zeros += v.bits == 0;
    const std::size_t padded_rows = window_rows(p) - static_cast<std::size_t>(s.batch) * s.height * s.width;
    EXPECT_GE(zeros, padded_rows * s.channels);
    p.in = windows.data(), p.out = back.data();
    test::run_variant(window_reverse_variants().front(), p, 1);
    for (std::size_t i = 0; i < map_size; ++i) ASSERT_EQ(back[i].bits, map[i].bits) << i;
  }
}

// ---- window attention ---------------------------------------------------------------------------

struct AttentionOperands {
  std::vector<bf16> qkv;
  std::vector<float> bias;
};
AttentionOperands attention_operands(const cases::WindowShape& s, int windows) {
  const int tokens = s.window * s.window;
  return {test::random_bf16(static_cast<std::size_t>(windows) * tokens * 3 * s.channels, 43, 2.0f),
          test::random_f32(static_cast<std::size_t>(s.heads) * tokens, 44)};
}
WindowAttentionParams attention_params(const cases::WindowShape& s, const AttentionOperands& o, int windows) {
  WindowAttentionParams p;
  p.windows = windows, p.window = s.window, p.heads = s.heads, p.head_size = s.channels / s.heads;
  p.qkv = o.qkv.data(), p.bias = o.bias.data();
  return p;
}

using AttentionCase = ShapeCase<WindowAttentionVariant>;
class WindowAttentionVariants : public ::testing::TestWithParam<AttentionCase> {};

TEST_P(WindowAttentionVariants, MatchesReference) {
  const AttentionCase& c = GetParam();
  BFEDGE_SKIP_UNLESS_RUNNABLE(*c.variant);
  const cases::WindowShape& s = c.shape;
  const int windows = window_params(s).window_count(), rows = windows * s.window * s.window;
  const AttentionOperands o = attention_operands(s, windows);
  test::CanaryMatrix<bf16> got(rows, s.channels, s.channels), want(rows, s.channels, s.channels);
  WindowAttentionParams p = attention_params(s, o, windows);
  p.out = got.data();
  test::run_variant(*c.variant, p, c.cores);
  p.out = want.data();
  test::run_variant(window_attention_variants().front(), p, 1);
  EXPECT_EQ(got.damaged_canaries(), 0);
  float scale = 0.0f;
  for (bf16 x : o.qkv) scale = std::max(scale, std::fabs(to_f32(x)));
  for (int r = 0; r < rows; ++r)
    for (int j = 0; j < s.channels; ++j) {
      const float g = to_f32(got.at(r, j)), w = to_f32(want.at(r, j));
      ASSERT_TRUE(cases::within_bf16(cases::kWindowAttention, g, w, scale)) << r << "," << j << ": " << g << " vs " << w;
    }
}
std::string attention_case_name(const ::testing::TestParamInfo<AttentionCase>& info) {
  return shape_case_name(info, "window_attention__ref");
}
INSTANTIATE_TEST_SUITE_P(Shapes, WindowAttentionVariants, ::testing::ValuesIn(shape_cases(window_attention_variants())),
                         attention_case_name);

// The reference against softmax(q·kᵀ/√d + bias[h, idx(i, j)])·v in double, with timm's index table
// (offsets numbered by first appearance), not the kernel's |Δy|·w + |Δx|.
TEST(WindowAttentionReference, MatchesDoublePrecisionFormulaWithTimmsBiasIndex) {
  const cases::WindowShape s{1, 6, 6, 12, 3, 2};
  const int windows = window_params(s).window_count(), n = s.window * s.window, d = s.channels / s.heads;
  const AttentionOperands o = attention_operands(s, windows);
  std::vector<bf16> out(static_cast<std::size_t>(windows) * n * s.channels);
  WindowAttentionParams p = attention_params(s, o, windows);
  p.out = out.data();
  test::run_variant(window_attention_variants().front(), p, 1);
  const std::vector<int> index = models::tinyvit_attention_bias_index(s.window);
  const auto qkv = [&](int w, int token, int col) {
    return static_cast<double>(to_f32(o.qkv[(static_cast<std::size_t>(w) * n + token) * 3 * s.channels + col]));
  };
  for (int w = 0; w < windows; ++w)
    for (int h = 0; h < s.heads; ++h)
      for (int i = 0; i < n; ++i) {
        std::vector<double> e(static_cast<std::size_t>(n));
        double top = -INFINITY, sum = 0.0;
        for (int j = 0; j < n; ++j) {
          double dot = 0.0;
          for (int k = 0; k < d; ++k) dot += qkv(w, i, h * 3 * d + k) * qkv(w, j, h * 3 * d + d + k);
          e[static_cast<std::size_t>(j)] = dot / std::sqrt(double(d)) + o.bias[static_cast<std::size_t>(h) * n + index[static_cast<std::size_t>(i) * n + j]];
          top = std::max(top, e[static_cast<std::size_t>(j)]);
        }
        for (double& x : e) sum += (x = std::exp(x - top));
        for (int k = 0; k < d; ++k) {
          double want = 0.0;
          for (int j = 0; j < n; ++j) want += e[static_cast<std::size_t>(j)] / sum * qkv(w, j, h * 3 * d + 2 * d + k);
          const double got = to_f32(out[(static_cast<std::size_t>(w) * n + i) * s.channels + static_cast<std::size_t>(h) * d + k]);
          EXPECT_NEAR(got, want, 0.01 * std::fabs(want) + 2e-3) << w << "," << h << "," << i << "," << k;
        }
      }
}

// ---- mean over tokens ---------------------------------------------------------------------------

struct MeanCase {
  const MeanTokensVariant* variant;
  cases::MeanTokensShape shape;
  int cores;
};
class MeanTokensVariants : public ::testing::TestWithParam<MeanCase> {};

TEST_P(MeanTokensVariants, MatchesReference) {
  const MeanCase& c = GetParam();
  BFEDGE_SKIP_UNLESS_RUNNABLE(*c.variant);
  const cases::MeanTokensShape& s = c.shape;
  const auto in = test::random_bf16(static_cast<std::size_t>(s.batch) * s.tokens * s.channels, 45, 3.0f);
  test::CanaryMatrix<bf16> got(s.batch, s.channels, s.channels), want(s.batch, s.channels, s.channels);
  MeanTokensParams p;
  p.batch = s.batch, p.tokens = s.tokens, p.channels = s.channels, p.in = in.data(), p.out = got.data();
  test::run_variant(*c.variant, p, c.cores);
  p.out = want.data();
  test::run_variant(mean_tokens_variants().front(), p, 1);
  EXPECT_EQ(got.damaged_canaries(), 0);
  float scale = 0.0f;
  for (bf16 x : in) scale = std::max(scale, std::fabs(to_f32(x)));
  for (int b = 0; b < s.batch; ++b)
    for (int j = 0; j < s.channels; ++j) {
      ASSERT_TRUE(cases::within_bf16(cases::kMeanTokens, to_f32(got.at(b, j)), to_f32(want.at(b, j)), scale)) << b << "," << j;
      double sum = 0.0;  // the reference against a double mean
      for (int t = 0; t < s.tokens; ++t) sum += to_f32(in[(static_cast<std::size_t>(b) * s.tokens + t) * s.channels + j]);
      EXPECT_NEAR(to_f32(want.at(b, j)), sum / s.tokens, 0.005 * std::fabs(sum / s.tokens) + 1e-4 * scale);
    }
}

std::vector<MeanCase> mean_cases() {
  std::vector<MeanCase> out;
  for (const auto& v : mean_tokens_variants()) {
    if (v.key.tier == Tier::reference) continue;
    for (const auto& s : cases::kMeanTokensShapes) out.push_back({&v, s, s.channels % 2 == 0 ? 3 : 1});
  }
  return out;
}
std::string mean_case_name(const ::testing::TestParamInfo<MeanCase>& info) {
  const cases::MeanTokensShape& s = info.param.shape;
  return test::param_name(std::string(info.param.variant->name) + "_vs_mean_tokens__ref_b" + std::to_string(s.batch) +
                          "_t" + std::to_string(s.tokens) + "_c" + std::to_string(s.channels) + "_cores" +
                          std::to_string(info.param.cores));
}
INSTANTIATE_TEST_SUITE_P(Shapes, MeanTokensVariants, ::testing::ValuesIn(mean_cases()), mean_case_name);

}  // namespace
}  // namespace bfedge::kernels
