// The MCU kernels (kernels/mcu.hpp) on the host, with a synchronous copy as the DMA engine,
// against the reference kernels at tile edges: partial panels and row groups, K in several
// chunks (partial sums through the workspace), one panel with several chunks, causal attention.
// The same kernels run on the RV32 firmware (bfedge mcu bench, ctest mcu_*).
#include "bfedge/kernels/mcu.hpp"

#include <cstring>

#include <gtest/gtest.h>

#include "bfedge/kernels/matmul.hpp"
#include "bfedge/kernels/attention_decode.hpp"
#include "bfedge/kernels/matvec.hpp"
#include "bfedge/kernels/mhsa.hpp"
#include "bfedge/kernels/norm.hpp"
#include "bfedge/runtime/aligned_buffer.hpp"
#include "bfedge/runtime/cluster.hpp"
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

class McuLinear : public ::testing::TestWithParam<LinearCase> {};

TEST_P(McuLinear, MatchesMatmulRef) {
  const LinearCase c = GetParam();
  const auto a = test::random_bf16(static_cast<std::size_t>(c.m) * c.k, 11);
  const auto w = test::random_bf16(static_cast<std::size_t>(c.n) * c.k, 12, 0.2f);
  const auto bias = test::random_bf16(static_cast<std::size_t>(c.n), 13, 0.1f);
  McuLinearArgs args;
  args.m = c.m, args.n = c.n, args.k = c.k, args.a = a.data(), args.lda = c.k, args.w = w.data(), args.ldw = c.k;
  args.bias = bias.data(), args.ldc = c.n + 3, args.dma = kHostDma;
  args.plan = plan_linear_mcu(c.m, c.n, c.k, c.budget);
  ASSERT_TRUE(args.plan.ok) << args.plan.reason;
  ASSERT_LE(args.plan.l1_bytes, c.budget);
  runtime::AlignedBuffer l1(args.plan.l1_bytes + 16);
  std::vector<float> partial(linear_mcu_partial_bytes(c.m, c.n, c.k, args.plan) / sizeof(float) + 1);
  args.l1 = l1.data(), args.partial = partial.data();
  test::CanaryMatrix<bf16> got(c.m, c.n, c.n + 3);
  args.c = got.data();
  runtime::HostCluster cluster(c.cores);
  cluster.fork([&](const runtime::Team& team) { linear__mcu_dma(args, team); });

  test::CanaryMatrix<bf16> want(c.m, c.n, c.n);
  MatmulParams ref;
  ref.m = c.m, ref.n = c.n, ref.k = c.k, ref.a = a.data(), ref.lda = c.k, ref.b = w.data(), ref.ldb = c.k;
  ref.b_transposed = true, ref.bias = bias.data(), ref.c = want.data(), ref.ldc = c.n;
  test::run_variant(matmul_variants().front(), ref, 1);
  EXPECT_EQ(got.damaged_canaries(), 0);
  for (int i = 0; i < c.m; ++i) {
    for (int j = 0; j < c.n; ++j) {
      const float g = to_f32(got.at(i, j)), x = to_f32(want.at(i, j));
      ASSERT_NEAR(g, x, std::abs(x) / 128 + 1e-6f) << i << "," << j;  // one BF16 rounding apart
    }
  }
}

INSTANTIATE_TEST_SUITE_P(TileEdges, McuLinear,
                         ::testing::Values(LinearCase{1, 3, 4, 64 * 1024, 1}, LinearCase{5, 33, 7, 64 * 1024, 3},
                                           LinearCase{64, 70, 130, 24 * 1024, 3},  // K in chunks, many panels
                                           LinearCase{13, 4, 100, 3 * 1024, 2},    // one panel, K in chunks
                                           LinearCase{17, 37, 9, 3 * 1024, 4},     // panels of 4
                                           LinearCase{64, 1536, 512, 112 * 1024, 4}),
                         [](const ::testing::TestParamInfo<LinearCase>& p) {
                           const LinearCase& c = p.param;
                           return "m" + std::to_string(c.m) + "_n" + std::to_string(c.n) + "_k" + std::to_string(c.k) +
                                  "_l1_" + std::to_string(c.budget) + "_c" + std::to_string(c.cores);
                         });

TEST(McuLinearPlan, FailsWithAReasonWhenTheSmallestTilesExceedTheBudget) {
  const McuLinearPlan plan = plan_linear_mcu(4096, 64, 64, 16 * 1024);  // 4096 rows × 4 of K alone is 96 KiB
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
  McuMhsaArgs args;
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
    mhsa__mcu_fused(args, counting);
  });
  EXPECT_LE(static_cast<std::size_t>(barriers) + 2, mhsa_mcu_phase_bound(args.plan, c.seq, c.embed, c.heads));

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
  EXPECT_LT(err / norm, 2e-4);  // the MHSA tolerance of docs/kernels.md
}

INSTANTIATE_TEST_SUITE_P(Shapes, McuMhsa,
                         ::testing::Values(MhsaCase{1, 8, 1, false, 1}, MhsaCase{5, 16, 2, true, 3},
                                           MhsaCase{17, 32, 4, false, 2}, MhsaCase{33, 96, 3, true, 3},
                                           MhsaCase{64, 512, 4, false, 4}, MhsaCase{64, 512, 4, true, 2},
                                           MhsaCase{7, 40, 5, true, 3},        // head size 8, rows past seq
                                           MhsaCase{120, 32, 2, true, 3}),     // scores too big: the row-block form
                         [](const ::testing::TestParamInfo<MhsaCase>& p) {
                           const MhsaCase& c = p.param;
                           return "L" + std::to_string(c.seq) + "_E" + std::to_string(c.embed) + "_H" +
                                  std::to_string(c.heads) + (c.causal ? "_causal" : "") + "_c" + std::to_string(c.cores);
                         });

}  // namespace
}  // namespace bfedge::kernels

namespace bfedge::kernels {
namespace {

class McuMatvec : public ::testing::TestWithParam<std::tuple<int, int, int>> {};

TEST_P(McuMatvec, MatchesMatvecRef) {
  const auto [rows, cols, cores] = GetParam();
  const auto w = test::random_bf16(static_cast<std::size_t>(rows) * cols, 21, 0.3f);
  const auto x = test::random_bf16(static_cast<std::size_t>(cols), 22);
  std::vector<bf16> packed(matvec_packed_elements(rows, cols));
  matvec_pack(w.data(), rows, cols, cols, packed.data());
  for (OutType type : {OutType::f32, OutType::bf16}) {
    MatvecParams p;
    p.rows = rows, p.cols = cols, p.w_packed = packed.data(), p.x = x.data(), p.y_type = type;
    test::CanaryMatrix<float> got(1, rows, rows), want(1, rows, rows);
    p.y = got.data();
    test::run_variant(MatvecVariant{"matvec__mcu_8row", Isa::portable, &matvec__mcu_8row, &matvec__mcu_8row_scratch}, p,
                      cores);
    p.y = want.data();
    test::run_variant(matvec_variants().front(), p, 1);
    EXPECT_EQ(got.damaged_canaries(), 0);
    const auto value = [type](const float* y, int i) {
      return type == OutType::f32 ? y[i] : to_f32(reinterpret_cast<const bf16*>(y)[i]);
    };
    for (int i = 0; i < rows; ++i) {
      const float g = value(got.data(), i), r = value(want.data(), i);
      ASSERT_NEAR(g, r, std::abs(r) / 128 + 1e-5f) << "row " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(TileEdges, McuMatvec,
                         ::testing::Combine(::testing::Values(1, 7, 8, 9, 16, 64, 172, 512),
                                            ::testing::Values(1, 2, 63, 64, 172), ::testing::Values(1, 3, 8)));

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
  test::run_variant(NormVariant{"rmsnorm__mcu_columns", Isa::portable, &rmsnorm__mcu_columns, nullptr}, p, cores);
  p.out = want.data();
  test::run_variant(NormVariant{"rmsnorm__portable", Isa::portable, &rmsnorm__portable, nullptr}, p, 1);
  EXPECT_EQ(got.damaged_canaries(), 0);
  for (int i = 0; i < n; ++i) ASSERT_EQ(got.at(0, i).bits, want.at(0, i).bits) << i;  // the same reduction order
}

INSTANTIATE_TEST_SUITE_P(Widths, McuRmsnorm,
                         ::testing::Combine(::testing::Values(1, 5, 64, 172, 288), ::testing::Values(1, 3, 8)));

}  // namespace
}  // namespace bfedge::kernels

namespace bfedge::kernels {
namespace {

class McuAttentionDecode : public ::testing::TestWithParam<std::tuple<int, int, int>> {};

TEST_P(McuAttentionDecode, MatchesPortableBitForBit) {
  const auto [head_size, positions, cores] = GetParam();
  const int heads = 8, kv_heads = 4, cap = positions + 3;
  const auto q = test::random_bf16(static_cast<std::size_t>(heads) * head_size, 41);
  const auto k = test::random_bf16(static_cast<std::size_t>(kv_heads) * head_size * cap, 42);
  const auto v = test::random_bf16(static_cast<std::size_t>(kv_heads) * cap * head_size, 43);
  AttentionDecodeParams p;
  p.n_heads = heads, p.n_kv_heads = kv_heads, p.head_size = head_size, p.n_positions = positions, p.seq_cap = cap;
  p.q = q.data(), p.k_cache = k.data(), p.v_cache = v.data();
  test::CanaryMatrix<bf16> got(1, heads * head_size, heads * head_size), want(1, heads * head_size, heads * head_size);
  p.out = got.data();
  test::run_variant(AttentionDecodeVariant{"attention_decode__mcu_heads", Isa::portable, &attention_decode__mcu_heads,
                                           &attention_decode_scratch},
                    p, cores);
  p.out = want.data();
  test::run_variant(AttentionDecodeVariant{"attention_decode__portable_fastexp", Isa::portable,
                                           &attention_decode__portable_fastexp, &attention_decode_scratch},
                    p, 1);
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

TEST(McuAttentionPlan, TakesTheGemmFormOnlyWhenAHeadsScoresFit) {
  EXPECT_TRUE(plan_attention_mcu(64, 128, 8, 112 * 1024).gemm);
  const McuAttentionPlan rows = plan_attention_mcu(120, 16, 3, 112 * 1024);
  EXPECT_TRUE(rows.ok);
  EXPECT_FALSE(rows.gemm);
}

}  // namespace
}  // namespace bfedge::kernels
