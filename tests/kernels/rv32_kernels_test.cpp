// The MCU kernels (kernels/rv32.hpp) on the host, with a synchronous copy as the DMA engine,
// against the reference kernels at tile edges: partial panels and row groups, K in several
// chunks (partial sums through the workspace), one panel with several chunks, causal attention.
// The same kernels run on the RV32 firmware (bfedge mcu bench, ctest mcu_*).
#include "bfedge/kernels/rv32.hpp"

#include <bit>
#include <cstring>

#include <gtest/gtest.h>

#include "bfedge/kernels/matmul.hpp"
#include "bfedge/kernels/attention_decode.hpp"
#include "bfedge/kernels/matvec.hpp"
#include "bfedge/kernels/mhsa.hpp"
#include "bfedge/kernels/norm.hpp"
#include "bfedge/kernels/variants.hpp"
#include "bfedge/runtime/aligned_buffer.hpp"
#include "bfedge/runtime/cluster.hpp"
#include "kernels/kernel_cases.hpp"
#include "kernels/kernel_test_support.hpp"

namespace bfedge::kernels {
namespace {

std::uint32_t copy_now(void*, const void* src, void* dst, std::uint32_t row_bytes, std::uint32_t rows,
                       std::uint32_t src_stride, std::uint32_t dst_stride) {
  for (std::uint32_t r = 0; r < rows; ++r) {
    std::memcpy(static_cast<char*>(dst) + r * dst_stride, static_cast<const char*>(src) + r * src_stride, row_bytes);
  }
  return 0;
}
void no_wait(void*, std::uint32_t) {}
constexpr DmaOps kHostDma{&copy_now, &no_wait, nullptr};

struct LinearCase {
  int m, n, k;
  std::size_t budget;
  int cores;
};
std::vector<LinearCase> linear_cases() {  // kernels/kernel_cases.hpp
  std::vector<LinearCase> out;
  int index = 0;
  for (const cases::LinearMcuCase& c : cases::kLinearMcuCases) out.push_back({c.m, c.n, c.k, c.l1_budget, 1 + index++ % 4});
  return out;
}

class McuLinear : public ::testing::TestWithParam<LinearCase> {};

TEST_P(McuLinear, MatchesMatmulRef) {
  const LinearCase c = GetParam();
  const auto a = test::random_bf16(static_cast<std::size_t>(c.m) * c.k, 11);
  const auto w = test::random_bf16(static_cast<std::size_t>(c.n) * c.k, 12, 0.2f);
  const auto bias = test::random_bf16(static_cast<std::size_t>(c.n), 13, 0.1f);
  DmaLinearArgs args;
  args.m = c.m, args.n = c.n, args.k = c.k, args.a = a.data(), args.lda = c.k, args.w = w.data(), args.ldw = c.k;
  args.bias = bias.data(), args.ldc = c.n + 3, args.dma = kHostDma;
  args.plan = plan_linear_mcu(c.m, c.n, c.k, c.budget);
  ASSERT_TRUE(args.plan.ok) << args.plan.reason;
  ASSERT_LE(args.plan.l1_bytes, c.budget);
  runtime::AlignedBuffer l1(args.plan.l1_bytes + 16);
  std::vector<float> partial(linear_dma_partial_bytes(c.m, c.n, c.k, args.plan) / sizeof(float) + 1);
  args.l1 = l1.data(), args.partial = partial.data();
  test::CanaryMatrix<bf16> got(c.m, c.n, c.n + 3);
  args.c = got.data();
  runtime::HostCluster cluster(c.cores);
  const DmaLinearVariant& variant = linear_dma_variants().front();
  cluster.fork([&](const runtime::Team& team) { variant.run(args, team); });

  test::CanaryMatrix<bf16> want(c.m, c.n, c.n);
  MatmulParams ref;
  ref.m = c.m, ref.n = c.n, ref.k = c.k, ref.a = a.data(), ref.lda = c.k, ref.b = w.data(), ref.ldb = c.k;
  ref.b_transposed = true, ref.bias = bias.data(), ref.c = want.data(), ref.ldc = c.n;
  test::run_variant(matmul_variants().front(), ref, 1);
  EXPECT_EQ(got.damaged_canaries(), 0);
  for (int i = 0; i < c.m; ++i) {
    for (int j = 0; j < c.n; ++j) {
      const float g = to_f32(got.at(i, j)), x = to_f32(want.at(i, j));
      float scale = std::fabs(to_f32(bias[j]));
      for (int kk = 0; kk < c.k; ++kk) scale += std::fabs(to_f32(a[i * c.k + kk]) * to_f32(w[j * c.k + kk]));
      ASSERT_TRUE(cases::within(cases::kMatmul, g, x, scale)) << i << "," << j << ": " << g << " vs " << x;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(TileEdges, McuLinear,
                         ::testing::ValuesIn(linear_cases()),
                         [](const ::testing::TestParamInfo<LinearCase>& p) {
                           const LinearCase& c = p.param;
                           return "linear__rv32_dma_vs_matmul__ref_m" + std::to_string(c.m) + "_n" + std::to_string(c.n) + "_k" + std::to_string(c.k) +
                                  "_l1_" + std::to_string(c.budget) + "_c" + std::to_string(c.cores);
                         });

TEST(DmaLinearPlan, FailsWithAReasonWhenTheSmallestTilesExceedTheBudget) {
  const DmaLinearPlan plan = plan_linear_mcu(4096, 64, 64, 16 * 1024);  // 4096 rows × 4 of K alone is 96 KiB
  EXPECT_FALSE(plan.ok);
  EXPECT_NE(std::string(plan.reason).find("L1"), std::string::npos);
  EXPECT_GT(plan.l1_bytes, std::size_t{16 * 1024});
}

struct MhsaCase {
  int seq, embed, heads;
  bool causal;
  int cores;
};

class McuMhsa : public ::testing::TestWithParam<MhsaCase> {};

TEST_P(McuMhsa, MatchesMhsaRef) {
  const MhsaCase c = GetParam();
  const std::size_t le = static_cast<std::size_t>(c.seq) * c.embed, ee = static_cast<std::size_t>(c.embed) * c.embed;
  const float ws = 1.0f / std::sqrt(static_cast<float>(c.embed));
  const auto x = test::random_bf16(le, 1), w_in = test::random_bf16(3 * ee, 2, ws);
  const auto b_in = test::random_bf16(3 * static_cast<std::size_t>(c.embed), 3, 0.1f);
  const auto w_out = test::random_bf16(ee, 4, ws), b_out = test::random_bf16(c.embed, 5, 0.1f);
  DmaMhsaArgs args;
  args.seq = c.seq, args.embed = c.embed, args.heads = c.heads, args.causal = c.causal;
  args.x = x.data(), args.in_proj_weight = w_in.data(), args.in_proj_bias = b_in.data();
  args.out_proj_weight = w_out.data(), args.out_proj_bias = b_out.data(), args.dma = kHostDma;
  args.plan = plan_mhsa_mcu(c.seq, c.embed, c.heads, c.cores, 112 * 1024);
  ASSERT_TRUE(args.plan.ok) << args.plan.reason;
  runtime::AlignedBuffer l1(args.plan.l1_bytes + 16), workspace(args.plan.l2_bytes + 16);
  args.l1 = l1.data(), args.workspace = workspace.data();
  test::CanaryMatrix<bf16> got(c.seq, c.embed, c.embed);
  args.y = got.data();
  runtime::HostCluster cluster(c.cores);
  // Core 0 counts the barriers: the firmware logs DMA per phase, and the host plan bounds them.
  struct Counted {
    runtime::Team inner;
    int* barriers;
  };
  int barriers = 0;
  cluster.fork([&](const runtime::Team& team) {
    Counted counted{team, &barriers};
    runtime::Team counting = team;
    counting.barrier_ctx = &counted;
    counting.barrier_fn = [](void* ctx) {
      auto* k = static_cast<Counted*>(ctx);
      if (k->inner.core == 0) ++*k->barriers;
      k->inner.barrier();
    };
    mhsa_dma_variants().front().run(args, counting);
  });
  EXPECT_LE(static_cast<std::size_t>(barriers) + 2, mhsa_dma_phase_bound(args.plan, c.seq, c.embed, c.heads));

  test::CanaryMatrix<bf16> want(c.seq, c.embed, c.embed);
  MhsaParams ref;
  ref.seq = c.seq, ref.embed = c.embed, ref.heads = c.heads, ref.causal = c.causal, ref.x = x.data();
  ref.in_proj_weight = w_in.data(), ref.in_proj_bias = b_in.data(), ref.out_proj_weight = w_out.data();
  ref.out_proj_bias = b_out.data(), ref.y = want.data();
  test::run_variant(mhsa_variants().front(), ref, 1);
  EXPECT_EQ(got.damaged_canaries(), 0);
  double err = 0.0, norm = 0.0;
  for (int i = 0; i < c.seq; ++i) {
    for (int j = 0; j < c.embed; ++j) {
      const double g = to_f32(got.at(i, j)), w = to_f32(want.at(i, j));
      ASSERT_TRUE(std::isfinite(g));
      err += (g - w) * (g - w), norm += w * w;
    }
  }
  EXPECT_LT(err / norm, cases::kMhsaNmse);
}

std::vector<MhsaCase> mhsa_cases() {  // kernels/kernel_cases.hpp
  std::vector<MhsaCase> out;
  int index = 0;
  for (const cases::MhsaMcuCase& c : cases::kMhsaMcuCases) out.push_back({c.seq, c.embed, c.heads, c.causal, 1 + index++ % 4});
  return out;
}

INSTANTIATE_TEST_SUITE_P(Shapes, McuMhsa, ::testing::ValuesIn(mhsa_cases()),
                         [](const ::testing::TestParamInfo<MhsaCase>& p) {
                           const MhsaCase& c = p.param;
                           return "mhsa__rv32_fused_vs_mhsa__ref_L" + std::to_string(c.seq) + "_E" + std::to_string(c.embed) +
                                  "_H" + std::to_string(c.heads) + (c.causal ? "_causal" : "") + "_c" +
                                  std::to_string(c.cores);
                         });

// attention__rv32_dma alone against softmax(q·kᵀ/√d [causal])·v in double precision, with the
// MHSA tolerance (it is MHSA's attention stage).
using AttentionParam = std::tuple<cases::AttentionMcuCase, int>;
class McuAttention : public ::testing::TestWithParam<AttentionParam> {};

TEST_P(McuAttention, MatchesDoublePrecision) {
  const auto [c, cores] = GetParam();
  const int width = c.heads * c.head_dim;
  const auto qkv = test::random_bf16(static_cast<std::size_t>(c.seq) * 3 * width, 51);
  const DmaAttentionPlan plan = plan_attention_mcu(c.seq, c.head_dim, cores, c.l1_budget);
  ASSERT_TRUE(plan.ok) << plan.reason;
  runtime::AlignedBuffer l1(plan.l1_bytes + 16);
  test::CanaryMatrix<bf16> got(c.seq, width, width);
  DmaAttentionArgs args;
  args.seq = c.seq, args.heads = c.heads, args.head_dim = c.head_dim, args.causal = c.causal;
  args.qkv = qkv.data(), args.out = got.data(), args.gemm = plan.gemm, args.l1 = l1.data(), args.dma = kHostDma;
  runtime::HostCluster cluster(cores);
  cluster.fork([&](const runtime::Team& team) { attention_dma_variants().front().run(args, team); });
  EXPECT_EQ(got.damaged_canaries(), 0);
  const auto at = [&](int row, int col) { return double{to_f32(qkv[static_cast<std::size_t>(row) * 3 * width + col])}; };
  double err = 0.0, norm = 0.0;
  std::vector<double> p(c.seq);
  for (int h = 0; h < c.heads; ++h) {
    for (int i = 0; i < c.seq; ++i) {
      const int keys = c.causal ? i + 1 : c.seq;
      double top = -1e300, sum = 0.0;
      for (int t = 0; t < keys; ++t) {
        double s = 0.0;
        for (int d = 0; d < c.head_dim; ++d) s += at(i, h * c.head_dim + d) * at(t, width + h * c.head_dim + d);
        p[t] = s / std::sqrt(double(c.head_dim));
        top = std::max(top, p[t]);
      }
      for (int t = 0; t < keys; ++t) sum += p[t] = std::exp(p[t] - top);
      for (int d = 0; d < c.head_dim; ++d) {
        double want = 0.0;
        for (int t = 0; t < keys; ++t) want += p[t] / sum * at(t, 2 * width + h * c.head_dim + d);
        const double g = to_f32(got.at(i, h * c.head_dim + d));
        ASSERT_TRUE(std::isfinite(g));
        err += (g - want) * (g - want), norm += want * want;
      }
    }
  }
  EXPECT_LT(err / norm, cases::kMhsaNmse);
}

INSTANTIATE_TEST_SUITE_P(Shapes, McuAttention,
                         ::testing::Combine(::testing::ValuesIn(cases::kAttentionMcuCases), ::testing::Values(1, 3, 8)),
                         [](const ::testing::TestParamInfo<AttentionParam>& param_info) {
                           const cases::AttentionMcuCase& c = std::get<0>(param_info.param);
                           return "attention__rv32_dma_vs_double_L" + std::to_string(c.seq) + "_H" +
                                  std::to_string(c.heads) + "_d" + std::to_string(c.head_dim) +
                                  (c.causal ? "_causal" : "") + "_c" + std::to_string(std::get<1>(param_info.param));
                         });

}  // namespace
}  // namespace bfedge::kernels

namespace bfedge::kernels {
namespace {

}  // namespace
}  // namespace bfedge::kernels

namespace bfedge::kernels {
namespace {

class McuRmsnorm : public ::testing::TestWithParam<std::tuple<int, int>> {};

TEST_P(McuRmsnorm, MatchesPortableBitForBit) {
  const auto [n, cores] = GetParam();
  const auto x = test::random_bf16(static_cast<std::size_t>(n), 31), gamma = test::random_bf16(static_cast<std::size_t>(n), 32);
  test::CanaryMatrix<bf16> got(1, n, n), want(1, n, n);
  NormParams p;
  p.n = n, p.x = x.data(), p.gamma = gamma.data(), p.out = got.data();
  test::run_variant(test::variant_named(rmsnorm_variants(), "rmsnorm__rv32_columns"), p, cores);
  p.out = want.data();
  test::run_variant(test::variant_named(rmsnorm_variants(), "rmsnorm__portable"), p, 1);
  EXPECT_EQ(got.damaged_canaries(), 0);
  for (int i = 0; i < n; ++i) ASSERT_EQ(got.at(0, i).bits, want.at(0, i).bits) << i;  // the same reduction order
}

INSTANTIATE_TEST_SUITE_P(Widths, McuRmsnorm,
                         ::testing::Combine(::testing::Values(1, 5, 64, 172, 288), ::testing::Values(1, 3, 8)));

}  // namespace
}  // namespace bfedge::kernels

namespace bfedge::kernels {
namespace {

// Random q (8 heads) and a KV cache of `cap` positions (4 KV heads), drawn with seeds seed..seed+2,
// and the params that read n_positions of them.
struct DecodeOperands {
  static constexpr int kHeads = 8, kKvHeads = 4;
  std::vector<bf16> q, k, v;
  AttentionDecodeParams p;
  DecodeOperands(int head_size, int positions, int cap, unsigned seed)
      : q(test::random_bf16(static_cast<std::size_t>(kHeads) * head_size, seed)),
        k(test::random_bf16(static_cast<std::size_t>(kKvHeads) * head_size * cap, seed + 1)),
        v(test::random_bf16(static_cast<std::size_t>(kKvHeads) * cap * head_size, seed + 2)) {
    p.n_heads = kHeads, p.n_kv_heads = kKvHeads, p.head_size = head_size, p.n_positions = positions, p.seq_cap = cap;
    p.q = q.data(), p.k_cache = k.data(), p.v_cache = v.data();
  }
};

class McuAttentionDecode : public ::testing::TestWithParam<std::tuple<int, int, int>> {};

TEST_P(McuAttentionDecode, MatchesPortableBitForBit) {
  const auto [head_size, positions, cores] = GetParam();
  const int heads = DecodeOperands::kHeads;
  DecodeOperands operands(head_size, positions, positions + 3, 41);
  AttentionDecodeParams& p = operands.p;
  test::CanaryMatrix<bf16> got(1, heads * head_size, heads * head_size), want(1, heads * head_size, heads * head_size);
  p.out = got.data();
  test::run_variant(test::variant_named(attention_decode_variants(), "attention_decode__rv32_heads"), p, cores);
  p.out = want.data();
  test::run_variant(test::variant_named(attention_decode_variants(), "attention_decode__portable_fastexp"), p, 1);
  EXPECT_EQ(got.damaged_canaries(), 0);
  for (int i = 0; i < heads * head_size; ++i) ASSERT_EQ(got.at(0, i).bits, want.at(0, i).bits) << i;
}

INSTANTIATE_TEST_SUITE_P(Shapes, McuAttentionDecode,
                         ::testing::Combine(::testing::Values(8, 4, 16), ::testing::Values(1, 2, 37, 64),
                                            ::testing::Values(1, 3, 8)));

}  // namespace
}  // namespace bfedge::kernels

namespace bfedge::kernels {
namespace {

// attention_decode__rv32_dma copies the far cache's first n_positions into an L1 window (a full
// window and one with room to spare; one position; head sizes of the unrolled and the run-time
// path) and must give attention_decode__rv32_heads' outputs on the far cache, bit for bit, and
// stay inside its planned L1.
class McuAttentionDecodeDma : public ::testing::TestWithParam<std::tuple<int, int, int, int>> {};

TEST_P(McuAttentionDecodeDma, MatchesTheFarCacheKernelBitForBit) {
  const auto [head_size, positions, spare, cores] = GetParam();
  const int heads = DecodeOperands::kHeads, kv_heads = DecodeOperands::kKvHeads, window = positions + spare;
  DecodeOperands operands(head_size, positions, window + 5, 61);
  AttentionDecodeParams& p = operands.p;
  test::CanaryMatrix<bf16> got(1, heads * head_size, heads * head_size), want(1, heads * head_size, heads * head_size);
  DmaAttentionDecodeArgs args;
  args.attention = p, args.attention.out = got.data(), args.window_positions = window, args.dma = kHostDma;
  const std::size_t l1_bytes = attention_decode_dma_l1_bytes(heads, kv_heads, head_size, window, cores);
  constexpr auto kCanary = std::byte{0xA5};
  runtime::AlignedBuffer l1(l1_bytes + 64);
  std::memset(l1.data(), static_cast<int>(kCanary), l1.size());
  args.l1 = l1.data();
  runtime::HostCluster cluster(cores);
  cluster.fork([&](const runtime::Team& team) { attention_decode__rv32_dma(args, team); });
  p.out = want.data();
  test::run_variant(test::variant_named(attention_decode_variants(), "attention_decode__rv32_heads"), p, cores);
  EXPECT_EQ(got.damaged_canaries(), 0);
  for (std::size_t i = l1_bytes; i < l1.size(); ++i) ASSERT_EQ(l1.data()[i], kCanary) << "L1 written past the plan at " << i;
  for (int i = 0; i < heads * head_size; ++i) ASSERT_EQ(got.at(0, i).bits, want.at(0, i).bits) << i;
}

// The window fetched ahead (the deploy compiler's schedule): a streamed matvec carries the
// transfers of positions 0..n-2 into an L1 window, kv_write puts position n-1 into the far cache
// and the window, and attention_decode__rv32_heads on the window (its scores in L1) gives what it
// gives on the far cache, bit for bit; the matvec's sums are unchanged and nothing is written past
// the window.
TEST_P(McuAttentionDecodeDma, AWindowAMatvecFetchesAheadGivesTheSameOutputs) {
  const auto [head_size, positions, spare, cores] = GetParam();
  const int heads = DecodeOperands::kHeads, kv_heads = DecodeOperands::kKvHeads, window = positions + spare;
  DecodeOperands operands(head_size, positions, window + 5, 63);
  AttentionDecodeParams& far = operands.p;
  const auto k_new = test::random_bf16(static_cast<std::size_t>(kv_heads) * head_size, 64);
  const auto v_new = test::random_bf16(static_cast<std::size_t>(kv_heads) * head_size, 65);
  constexpr int kRows = 17, kCols = 16;
  const auto w = test::random_bf16(static_cast<std::size_t>(kRows) * kCols, 66);
  const auto x = test::random_bf16(static_cast<std::size_t>(kCols), 67);
  std::vector<bf16> packed(matvec_packed_elements(kRows, kCols)), got_y(kRows), want_y(kRows);
  matvec_pack(w.data(), kRows, kCols, kCols, packed.data());

  const std::size_t window_bytes = kv_window_bytes(kv_heads, head_size, window);
  const std::size_t scores_bytes = attention_decode_scores_l1_bytes(heads, kv_heads, head_size, window, cores);
  constexpr auto kCanary = std::byte{0xA5};
  runtime::AlignedBuffer window_l1(window_bytes + 64), scores_l1(scores_bytes), matvec_l1(matvec_dma_l1_bytes(kCols, 1024));
  std::memset(window_l1.data(), static_cast<int>(kCanary), window_l1.size());
  DmaMatvecArgs matvec;
  matvec.rows = kRows, matvec.cols = kCols, matvec.w_packed = packed.data(), matvec.x = x.data(), matvec.y = got_y.data();
  matvec.slot_bytes = 1024, matvec.l1 = matvec_l1.data(), matvec.dma = kHostDma;
  DmaTransfer transfers[2];
  matvec.carried_count = kv_window_transfers(far, positions - 1, window_l1.data(), window, transfers);
  matvec.carried = transfers;
  ASSERT_EQ(matvec.carried_count, positions > 1 ? 2 : 0);
  KvWriteArgs write;
  write.n_kv_heads = kv_heads, write.head_size = head_size, write.seq_cap = far.seq_cap, write.position = positions - 1;
  write.k = k_new.data(), write.v = v_new.data(), write.k_cache = operands.k.data(), write.v_cache = operands.v.data();
  KvWriteArgs write_window = write;
  write_window.seq_cap = window, write_window.k_cache = reinterpret_cast<bf16*>(window_l1.data());
  write_window.v_cache = reinterpret_cast<bf16*>(window_l1.data() + kv_window_values_offset(kv_heads, head_size, window));
  test::CanaryMatrix<bf16> got(1, heads * head_size, heads * head_size), want(1, heads * head_size, heads * head_size);
  AttentionDecodeParams near = far;
  near.k_cache = write_window.k_cache, near.v_cache = write_window.v_cache, near.seq_cap = window;
  near.scratch = scores_l1.data(), near.out = got.data();
  runtime::HostCluster cluster(cores);
  cluster.fork([&](const runtime::Team& team) {
    matvec__rv32_dma(matvec, team);
    kv_write__portable(write, team);
    kv_write__portable(write_window, team);
    team.barrier();
    attention_decode__rv32_heads(near, team);
  });
  far.out = want.data();
  test::run_variant(test::variant_named(attention_decode_variants(), "attention_decode__rv32_heads"), far, cores);
  MatvecParams p;
  p.rows = kRows, p.cols = kCols, p.w_packed = packed.data(), p.x = x.data(), p.y = want_y.data(), p.y_type = OutType::bf16;
  test::run_variant(test::variant_named(matvec_variants(), "matvec__rv32_8row"), p, 1);
  for (int i = 0; i < kRows; ++i) ASSERT_EQ(got_y[static_cast<std::size_t>(i)].bits, want_y[static_cast<std::size_t>(i)].bits) << i;
  EXPECT_EQ(got.damaged_canaries(), 0);
  for (std::size_t i = window_bytes; i < window_l1.size(); ++i) ASSERT_EQ(window_l1.data()[i], kCanary) << "past the window at " << i;
  for (int i = 0; i < heads * head_size; ++i) ASSERT_EQ(got.at(0, i).bits, want.at(0, i).bits) << i;
}

INSTANTIATE_TEST_SUITE_P(WindowEdges, McuAttentionDecodeDma,
                         ::testing::Combine(::testing::Values(8, 4, 16), ::testing::Values(1, 2, 37, 64),
                                            ::testing::Values(0, 3), ::testing::Values(1, 8)));

}  // namespace
}  // namespace bfedge::kernels

namespace bfedge::kernels {
namespace {

TEST(DmaAttentionPlan, TakesTheGemmFormOnlyWhenAHeadsScoresFit) {
  EXPECT_TRUE(plan_attention_mcu(64, 128, 8, 112 * 1024).gemm);
  const DmaAttentionPlan rows = plan_attention_mcu(120, 16, 3, 112 * 1024);
  EXPECT_TRUE(rows.ok);
  EXPECT_FALSE(rows.gemm);
}

}  // namespace
}  // namespace bfedge::kernels

namespace bfedge::kernels {
namespace {

// matvec__rv32_dma streams the packed rows through two L1 slots: the same sums as
// matvec__rv32_8row on the whole matrix, bit for bit, at every piece edge (a piece of one block,
// a last piece shorter than a block, rows below one block, odd columns).
class McuMatvecDma : public ::testing::TestWithParam<std::tuple<int, int, int, int>> {};

TEST_P(McuMatvecDma, MatchesTheWholeMatrixKernelBitForBit) {
  const auto [rows, cols, slot_blocks, cores] = GetParam();
  const auto w = test::random_bf16(static_cast<std::size_t>(rows) * cols, 51);
  const auto x = test::random_bf16(static_cast<std::size_t>(cols), 52);
  std::vector<bf16> packed(matvec_packed_elements(rows, cols));
  matvec_pack(w.data(), rows, cols, cols, packed.data());
  for (const bool f32 : {false, true}) {
    DmaMatvecArgs args;
    args.rows = rows, args.cols = cols, args.w_packed = packed.data(), args.x = x.data(), args.y_f32 = f32;
    args.slot_bytes = static_cast<std::size_t>(slot_blocks) * matvec_dma_block_bytes(cols);
    runtime::AlignedBuffer l1(matvec_dma_l1_bytes(cols, args.slot_bytes));
    args.l1 = l1.data(), args.dma = kHostDma;
    test::CanaryMatrix<float> got_f32(1, rows, rows), want_f32(1, rows, rows);
    test::CanaryMatrix<bf16> got_bf16(1, rows, rows), want_bf16(1, rows, rows);
    args.y = f32 ? static_cast<void*>(got_f32.data()) : static_cast<void*>(got_bf16.data());
    runtime::HostCluster cluster(cores);
    cluster.fork([&](const runtime::Team& team) { matvec__rv32_dma(args, team); });

    MatvecParams p;
    p.rows = rows, p.cols = cols, p.w_packed = packed.data(), p.x = x.data();
    p.y = f32 ? static_cast<void*>(want_f32.data()) : static_cast<void*>(want_bf16.data());
    p.y_type = f32 ? OutType::f32 : OutType::bf16;
    test::run_variant(test::variant_named(matvec_variants(), "matvec__rv32_8row"), p, 1);
    EXPECT_EQ(got_f32.damaged_canaries() + got_bf16.damaged_canaries(), 0);
    for (int i = 0; i < rows; ++i) {
      if (f32) {
        ASSERT_EQ(std::bit_cast<std::uint32_t>(got_f32.at(0, i)), std::bit_cast<std::uint32_t>(want_f32.at(0, i))) << i;
      } else {
        ASSERT_EQ(got_bf16.at(0, i).bits, want_bf16.at(0, i).bits) << i;
      }
    }
  }
}

// Two streamed matvecs with a prefetch between them: the first fetches the second's first piece
// during its last piece, the second reads it from there. Both equal matvec__rv32_8row bit for bit
// (one piece or several; a second matrix of one block, of a partial piece, of several).
TEST_P(McuMatvecDma, APrefetchedFirstPieceGivesTheSameSums) {
  const auto [rows, cols, slot_blocks, cores] = GetParam();
  const int rows2 = rows + 21;
  const auto w1 = test::random_bf16(static_cast<std::size_t>(rows) * cols, 53);
  const auto w2 = test::random_bf16(static_cast<std::size_t>(rows2) * cols, 54);
  const auto x = test::random_bf16(static_cast<std::size_t>(cols), 55);
  std::vector<bf16> packed1(matvec_packed_elements(rows, cols)), packed2(matvec_packed_elements(rows2, cols));
  matvec_pack(w1.data(), rows, cols, cols, packed1.data());
  matvec_pack(w2.data(), rows2, cols, cols, packed2.data());
  const std::size_t slot = static_cast<std::size_t>(slot_blocks) * matvec_dma_block_bytes(cols);
  runtime::AlignedBuffer l1(matvec_dma_l1_bytes(cols, slot)), prefetched(slot);
  std::vector<bf16> got1(static_cast<std::size_t>(rows)), got2(static_cast<std::size_t>(rows2));
  DmaMatvecArgs first;
  first.rows = rows, first.cols = cols, first.w_packed = packed1.data(), first.x = x.data(), first.y = got1.data();
  first.slot_bytes = slot, first.l1 = l1.data(), first.dma = kHostDma;
  DmaMatvecArgs second = first;
  second.rows = rows2, second.w_packed = packed2.data(), second.y = got2.data();
  first.next_w_packed = packed2.data(), first.next_first_piece = prefetched.data();
  first.next_first_piece_bytes = matvec_dma_first_piece_bytes(rows2, cols, slot);
  second.first_piece = prefetched.data();
  runtime::HostCluster cluster(cores);
  cluster.fork([&](const runtime::Team& team) {
    matvec__rv32_dma(first, team);
    team.barrier();
    matvec__rv32_dma(second, team);
  });
  for (const auto& [packed, n, got] : {std::tuple{&packed1, rows, &got1}, std::tuple{&packed2, rows2, &got2}}) {
    std::vector<bf16> want(static_cast<std::size_t>(n));
    MatvecParams p;
    p.rows = n, p.cols = cols, p.w_packed = packed->data(), p.x = x.data(), p.y = want.data(), p.y_type = OutType::bf16;
    test::run_variant(test::variant_named(matvec_variants(), "matvec__rv32_8row"), p, 1);
    for (int i = 0; i < n; ++i) ASSERT_EQ((*got)[static_cast<std::size_t>(i)].bits, want[static_cast<std::size_t>(i)].bits) << n << " rows, row " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(PieceEdges, McuMatvecDma,
                         ::testing::Combine(::testing::Values(1, 15, 17, 64, 100), ::testing::Values(1, 3, 64, 172),
                                            ::testing::Values(1, 2, 5), ::testing::Values(1, 8)));

}  // namespace
}  // namespace bfedge::kernels
