// attention_encoder: every variant against attention_encoder__ref at the case table's shapes
// (length 1, below/at/above 16 and 32 keys, odd head sizes, batches with padded and fully masked
// sequences), 1 and 3 cores, with canaries; and the reference against a double-precision formula.
// Tolerance (docs/kernels.md): 2^-8 |ref| + 2^-12 max |v|.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "bfedge/kernels/attention_encoder.hpp"
#include "kernels/kernel_cases.hpp"
#include "kernels/kernel_test_support.hpp"

namespace bfedge::kernels {
namespace {

struct Case {
  const AttentionEncoderVariant* variant;
  cases::AttentionEncoderShape shape;
  int cores;
};

std::vector<int> key_mask(const cases::AttentionEncoderShape& s) {
  std::vector<int> mask(static_cast<std::size_t>(s.batch) * s.seq, 1);
  for (int b = 1; b < s.batch; ++b) {
    const int padded = (b == s.batch - 1 && s.masked_all) ? s.seq : (s.seq * b) % 4;
    for (int j = s.seq - padded; j < s.seq; ++j) mask[static_cast<std::size_t>(b) * s.seq + j] = 0;
  }
  return mask;
}

struct Operands {
  std::vector<bf16> q, k, v;
  std::vector<int> mask;
};
Operands operands(const cases::AttentionEncoderShape& s) {
  const std::size_t count = static_cast<std::size_t>(s.batch) * s.seq * s.heads * s.head_size;
  return {test::random_bf16(count, 31, 2.0f), test::random_bf16(count, 32, 2.0f), test::random_bf16(count, 33),
          key_mask(s)};
}

AttentionEncoderParams params(const cases::AttentionEncoderShape& s, const Operands& o) {
  AttentionEncoderParams p;
  p.batch = s.batch, p.seq = s.seq, p.heads = s.heads, p.head_size = s.head_size;
  p.q = o.q.data(), p.k = o.k.data(), p.v = o.v.data(), p.key_mask = o.mask.data();
  return p;
}

class AttentionEncoderVariants : public ::testing::TestWithParam<Case> {};

TEST_P(AttentionEncoderVariants, MatchesReference) {
  const Case& c = GetParam();
  BFEDGE_SKIP_UNLESS_RUNNABLE(*c.variant);
  const cases::AttentionEncoderShape& s = c.shape;
  const int rows = s.batch * s.seq, width = s.heads * s.head_size;
  const Operands o = operands(s);
  test::CanaryMatrix<bf16> got(rows, width, width), want(rows, width, width);
  AttentionEncoderParams p = params(s, o);
  p.out = got.data();
  test::run_variant(*c.variant, p, c.cores);
  p.out = want.data();
  test::run_variant(attention_encoder_variants().front(), p, 1);
  EXPECT_EQ(got.damaged_canaries(), 0);
  float scale = 0.0f;
  for (bf16 x : o.v) scale = std::max(scale, std::fabs(to_f32(x)));
  for (int r = 0; r < rows; ++r)
    for (int j = 0; j < width; ++j) {
      const float g = to_f32(got.at(r, j)), w = to_f32(want.at(r, j));
      ASSERT_TRUE(cases::within_bf16(cases::kAttentionEncoder, g, w, scale)) << r << "," << j << ": " << g << " vs " << w;
    }
}

std::vector<Case> all_cases() {
  std::vector<Case> out;
  for (const auto& v : attention_encoder_variants()) {
    if (v.key.tier == Tier::reference) continue;
    for (const auto& s : cases::kAttentionEncoderShapes) out.push_back({&v, s, s.seq % 2 == 0 ? 3 : 1});
  }
  return out;
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  const Case& c = info.param;
  return test::param_name(std::string(c.variant->name) + "_vs_attention_encoder__ref_b" + std::to_string(c.shape.batch) +
                          "_l" + std::to_string(c.shape.seq) + "_h" + std::to_string(c.shape.heads) + "_d" +
                          std::to_string(c.shape.head_size) + (c.shape.masked_all ? "_maskedall" : "") + "_c" +
                          std::to_string(c.cores));
}

INSTANTIATE_TEST_SUITE_P(Shapes, AttentionEncoderVariants, ::testing::ValuesIn(all_cases()), case_name);

// The reference against softmax(q·kᵀ/√d + (1 − mask)·lowest)·v in double, HF's formula, including a
// fully masked sequence (uniform weights).
TEST(AttentionEncoderReference, MatchesDoublePrecisionFormulaWithMasks) {
  const cases::AttentionEncoderShape s{3, 9, 2, 8, true};
  const Operands o = operands(s);
  const int width = s.heads * s.head_size, rows = s.batch * s.seq;
  std::vector<bf16> out(static_cast<std::size_t>(rows) * width);
  AttentionEncoderParams p = params(s, o);
  p.out = out.data();
  test::run_variant(attention_encoder_variants().front(), p, 1);
  const auto at = [&](const std::vector<bf16>& m, int row, int col) {
    return static_cast<double>(to_f32(m[static_cast<std::size_t>(row) * width + col]));
  };
  for (int b = 0; b < s.batch; ++b)
    for (int h = 0; h < s.heads; ++h)
      for (int i = 0; i < s.seq; ++i) {
        std::vector<double> w(static_cast<std::size_t>(s.seq));
        double max_w = -std::numeric_limits<double>::infinity(), sum = 0.0;
        for (int j = 0; j < s.seq; ++j) {
          double dot = 0.0;
          for (int d = 0; d < s.head_size; ++d) dot += at(o.q, b * s.seq + i, h * s.head_size + d) * at(o.k, b * s.seq + j, h * s.head_size + d);
          const double bias = o.mask[static_cast<std::size_t>(b * s.seq + j)] ? 0.0 : std::numeric_limits<float>::lowest();
          w[static_cast<std::size_t>(j)] = static_cast<float>(static_cast<float>(dot / std::sqrt(double(s.head_size))) + static_cast<float>(bias));
          max_w = std::max(max_w, w[static_cast<std::size_t>(j)]);
        }
        for (double& x : w) sum += (x = std::exp(x - max_w));
        for (int d = 0; d < s.head_size; ++d) {
          double want = 0.0;
          for (int j = 0; j < s.seq; ++j) want += w[static_cast<std::size_t>(j)] / sum * at(o.v, b * s.seq + j, h * s.head_size + d);
          EXPECT_NEAR(at(out, b * s.seq + i, h * s.head_size + d), want, 0.01 * std::fabs(want) + 2e-3)
              << b << "," << h << "," << i << "," << d;
        }
      }
}

}  // namespace
}  // namespace bfedge::kernels
