// BF16 accuracy on stories260K, teacher-forced on the golden greedy ids: top-1 agreement with the
// f32 path >= 98 % and perplexity within 1 % (issue acceptance), with the numbers printed.
#include <gtest/gtest.h>

#include <cmath>

#include "models/stories_fixture.hpp"

namespace bfedge::models {
namespace {

TEST(Bf16Accuracy, TeacherForcedAgreementAndPerplexity) {
  BFEDGE_REQUIRE_SHARED(shared);
  BFEDGE_REQUIRE_ISA_CAP();
  const auto stories = test::load_stories(shared);
  const std::vector<int> ids = test::golden_ids(stories, "greedy_once_upon_a_time_n256");
  LlamaRunner bf16_model = test::load_runner(stories, Dtype::bf16);
  LlamaRunner f32_model = test::load_runner(stories, Dtype::f32);
  ASSERT_TRUE(validate_scoring_ids(bf16_model.config(), ids, "golden").is_ok());
  runtime::HostCluster cluster(1);
  const Result<LogitAgreement> compared = compare_on_sequence(bf16_model, f32_model, ids, cluster);
  ASSERT_TRUE(compared.is_ok()) << compared.status().message();
  const LogitAgreement& a = compared.value();
  std::printf(
      "[ bf16     ] %d tokens: perplexity bf16 %.6f f32 %.6f (%+.4f %%), top-1 agreement "
      "%.2f %%, |dlogit| mean %.5f max %.5f\n",
      a.score_a.scored_tokens, a.score_a.perplexity, a.score_b.perplexity,
      100.0 * (a.score_a.perplexity / a.score_b.perplexity - 1.0), 100.0 * a.top1_agreement,
      a.mean_abs_delta, a.max_abs_delta);
  EXPECT_GE(a.top1_agreement, 0.98);
  EXPECT_LT(std::fabs(a.score_a.perplexity / a.score_b.perplexity - 1.0), 0.01);
  // Scoring the f32 model alone gives the same perplexity as in the comparison.
  LlamaRunner f32_again = test::load_runner(stories, Dtype::f32);
  const Result<SequenceScore> alone = score_sequence(f32_again, ids, cluster);
  ASSERT_TRUE(alone.is_ok()) << alone.status().message();
  EXPECT_DOUBLE_EQ(alone.value().perplexity, a.score_b.perplexity);
}

}  // namespace
}  // namespace bfedge::models
