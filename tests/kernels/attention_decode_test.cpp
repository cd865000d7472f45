// Decode attention variants against attention_decode__ref: head sizes below, at and above 16 and
// 128, positions at vector edges, GQA groups, fewer heads than cores, and huge logits.
// Tolerance (docs/kernels.md): |got - ref| <= 2^-8 |ref| + 2^-12 max|v|.
#include "bfedge/kernels/attention_decode.hpp"

#include <gtest/gtest.h>

#include "kernels/kernel_cases.hpp"
#include "kernels/kernel_test_support.hpp"

namespace bfedge::kernels {
namespace {

struct Case {
  const AttentionDecodeVariant* variant;
  int heads, kv_heads, head_size, positions, seq_cap, cores;
  float q_scale;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  for (const AttentionDecodeVariant& v : attention_decode_variants()) {
    if (v.key.tier == Tier::reference) continue;
    for (const cases::AttentionDecodeShape& s : cases::kAttentionDecodeShapes) {
      for (int positions : cases::kAttentionDecodePositions) {
        if (positions > s.seq_cap) continue;
        out.push_back({&v, s.heads, s.kv_heads, s.head_size, positions, s.seq_cap,
                       positions % 2 == 0 ? 3 : 1, 1.0f});
      }
      out.push_back({&v, s.heads, s.kv_heads, s.head_size, s.seq_cap, s.seq_cap, 2, 1.0f});
    }
    // Scores of magnitude ~1e4: the softmax must stay finite and pick the same winner.
    out.push_back({&v, 8, 4, 8, 100, 128, 1, 3000.0f});
    out.push_back({&v, 4, 2, 32, 50, 64, 3, 500.0f});
  }
  return out;
}

class AttentionDecodeVariants : public ::testing::TestWithParam<Case> {};

TEST_P(AttentionDecodeVariants, MatchesReference) {
  const Case& c = GetParam();
  BFEDGE_SKIP_UNLESS_RUNNABLE(*c.variant);
  const std::size_t kv = static_cast<std::size_t>(c.kv_heads) * c.head_size * c.seq_cap;
  const auto q = test::random_bf16(static_cast<std::size_t>(c.heads) * c.head_size, 1, c.q_scale);
  const auto k = test::random_bf16(kv, 2), v = test::random_bf16(kv, 3);
  AttentionDecodeParams p;
  p.n_heads = c.heads, p.n_kv_heads = c.kv_heads, p.head_size = c.head_size;
  p.n_positions = c.positions, p.seq_cap = c.seq_cap;
  p.q = q.data(), p.k_cache = k.data(), p.v_cache = v.data();
  const int width = c.heads * c.head_size;
  test::CanaryMatrix<bf16> got(1, width, width), want(1, width, width);
  p.out = got.data();
  test::run_variant(*c.variant, p, c.cores);
  p.out = want.data();
  test::run_variant(attention_decode_variants().front(), p, 1);
  EXPECT_EQ(got.damaged_canaries(), 0);
  float max_v = 0.0f;
  for (bf16 x : v) max_v = std::max(max_v, std::fabs(to_f32(x)));
  for (int i = 0; i < width; ++i) {
    const float g = to_f32(got.at(0, i)), w = to_f32(want.at(0, i));
    ASSERT_TRUE(std::isfinite(g)) << i;
    ASSERT_TRUE(cases::within(cases::kAttentionDecode, g, w, max_v)) << "at " << i << ": " << g << " vs " << w;
  }
}

INSTANTIATE_TEST_SUITE_P(Edges, AttentionDecodeVariants, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& param) {
                           const Case& c = param.param;
                           return test::param_name(
                               std::string(c.variant->name) + "_vs_attention_decode__ref_h" + std::to_string(c.heads) +
                               "_kv" + std::to_string(c.kv_heads) + "_d" +
                               std::to_string(c.head_size) + "_n" + std::to_string(c.positions) +
                               "_c" + std::to_string(c.cores) + "_" + std::to_string(param.index));
                         });

}  // namespace
}  // namespace bfedge::kernels
