// The prepared executor: an encoder-style graph (MHSA, linear, GELU, LayerNorm, ReLU, residual) run by
// the executor equals the same reference kernels called one by one, bit for bit, and every ISA
// level this CPU has stays within the ops' tolerance of it; barriers go only where data flows.
// The same for a vision chain (conv2d stride 2 → GELU → depthwise 3×3, TinyViT's stem and
// PatchMerging), whose dense conv's weights the x86 variant packs once at prepare.
#include <gtest/gtest.h>

#include <vector>

#include "bfedge/core/nmse.hpp"
#include "bfedge/exec/prepared_graph.hpp"
#include "bfedge/graph/builder.hpp"
#include "bfedge/kernels/host_isa.hpp"
#include "bfedge/kernels/variants.hpp"
#include "kernels/kernel_test_support.hpp"

namespace bfedge::exec {
namespace {

using graph::ElementType;
using graph::TensorId;

struct EncoderBlock {
  int m = 5, k = 24, n = 40;
  std::vector<bf16> w1 = test::random_bf16(static_cast<std::size_t>(n) * k, 11, 0.2f);
  std::vector<bf16> b1 = test::random_bf16(static_cast<std::size_t>(n), 12, 0.1f);
  std::vector<bf16> w2 = test::random_bf16(static_cast<std::size_t>(k) * n, 13, 0.2f);
  std::vector<float> gamma = test::random_f32(static_cast<std::size_t>(k), 14, 1.0f);
  std::vector<float> beta = test::random_f32(static_cast<std::size_t>(k), 15, 0.1f);
  std::vector<bf16> x = test::random_bf16(static_cast<std::size_t>(m) * k, 16, 1.0f);
  int heads = 4;
  std::vector<bf16> in_w = test::random_bf16(static_cast<std::size_t>(3 * k) * k, 17, 0.2f);
  std::vector<bf16> in_b = test::random_bf16(static_cast<std::size_t>(3 * k), 18, 0.1f);
  std::vector<bf16> out_w = test::random_bf16(static_cast<std::size_t>(k) * k, 19, 0.2f);
  std::vector<bf16> out_b = test::random_bf16(static_cast<std::size_t>(k), 20, 0.1f);
  TensorId input = graph::kNone, output = graph::kNone;

  graph::Graph build() {
    graph::GraphBuilder b;
    input = b.input("x", Shape{m, k}, ElementType::bf16);
    const TensorId att = b.mhsa("attention", input, b.weight("in_proj.weight", Shape{3 * k, k}, ElementType::bf16, in_w.data()),
                                b.weight("in_proj.bias", Shape{3 * k}, ElementType::bf16, in_b.data()),
                                b.weight("out_proj.weight", Shape{k, k}, ElementType::bf16, out_w.data()),
                                b.weight("out_proj.bias", Shape{k}, ElementType::bf16, out_b.data()), heads);
    TensorId h = b.linear("fc1", att, b.weight("fc1.weight", Shape{n, k}, ElementType::bf16, w1.data()),
                          b.weight("fc1.bias", Shape{n}, ElementType::bf16, b1.data()));
    h = b.unary(graph::Op::gelu_erf, "gelu", h);
    h = b.linear("fc2", h, b.weight("fc2.weight", Shape{k, n}, ElementType::bf16, w2.data()));
    h = b.unary(graph::Op::relu, "relu", h);
    h = b.add("residual", h, input);
    output = b.layernorm("norm", h, b.weight("norm.gamma", Shape{k}, ElementType::f32, gamma.data()),
                         b.weight("norm.beta", Shape{k}, ElementType::f32, beta.data()));
    b.mark_output(output);
    auto g = std::move(b).finish(nullptr);
    EXPECT_TRUE(g.is_ok()) << g.status().message();
    return std::move(g).value();
  }

  // The reference kernels, called one at a time on one core.
  std::vector<bf16> reference() const {
    const runtime::Team one;
    std::vector<bf16> h(static_cast<std::size_t>(m) * n), y(static_cast<std::size_t>(m) * k), out(y.size());
    std::vector<bf16> att(y.size());
    kernels::MhsaParams attention;
    attention.seq = m, attention.embed = k, attention.heads = heads, attention.x = x.data();
    attention.in_proj_weight = in_w.data(), attention.in_proj_bias = in_b.data();
    attention.out_proj_weight = out_w.data(), attention.out_proj_bias = out_b.data(), attention.y = att.data();
    std::vector<std::byte> workspace(kernels::mhsa__ref_workspace(attention));
    attention.workspace = workspace.data();
    kernels::mhsa__ref(attention, one);
    kernels::MatmulParams fc1;
    fc1.m = m, fc1.n = n, fc1.k = k, fc1.a = att.data(), fc1.lda = k, fc1.b = w1.data(), fc1.ldb = k;
    fc1.b_transposed = true, fc1.bias = b1.data(), fc1.c = h.data(), fc1.ldc = n;
    kernels::matmul__ref(fc1, one);
    kernels::UnaryParams gelu;
    gelu.n = m * n, gelu.x = h.data(), gelu.out = h.data();
    kernels::gelu_erf__ref(gelu, one);
    kernels::MatmulParams fc2 = fc1;
    fc2.n = k, fc2.k = n, fc2.a = h.data(), fc2.lda = n, fc2.b = w2.data(), fc2.ldb = n, fc2.bias = nullptr;
    fc2.c = y.data(), fc2.ldc = k;
    kernels::matmul__ref(fc2, one);
    kernels::UnaryParams relu;
    relu.n = m * k, relu.x = y.data(), relu.out = y.data();
    kernels::relu__ref(relu, one);
    kernels::AddParams add;
    add.n = m * k, add.a = y.data(), add.b = x.data(), add.out = y.data();
    kernels::add__ref(add, one);
    kernels::NormParams norm;
    norm.rows = m, norm.n = k, norm.x = y.data(), norm.scale = gamma.data(), norm.shift = beta.data(), norm.out = out.data();
    kernels::layernorm__ref(norm, one);
    return out;
  }

  std::vector<bf16> run(kernels::Isa cap, int cores) {
    auto prepared = PreparedGraph::prepare(build(), kernels::host_spec(cap), cores);
    EXPECT_TRUE(prepared.is_ok()) << prepared.status().message();
    PreparedGraph& p = prepared.value();
    std::copy(x.begin(), x.end(), p.input_bf16(input).begin());
    runtime::HostCluster cluster(cores);
    EXPECT_TRUE(p.run(0, cluster).is_ok());
    const auto y = p.output_bf16(output);
    return {y.begin(), y.end()};
  }
};

std::vector<float> widen(const std::vector<bf16>& v) {
  std::vector<float> out;
  for (bf16 x : v) out.push_back(to_f32(x));
  return out;
}

TEST(PreparedGraph, ReferenceLevelEqualsTheReferenceKernelsCalledOneByOne) {
  EncoderBlock block;
  const std::vector<bf16> want = block.reference();
  for (int cores : {1, 3}) {
    const std::vector<bf16> got = block.run(kernels::Isa::reference, cores);
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].bits, want[i].bits) << i << " cores " << cores;
  }
}

TEST(PreparedGraph, EveryIsaLevelStaysCloseToTheReference) {
  EncoderBlock block;
  const std::vector<float> want = widen(block.reference());
  for (kernels::Isa isa : {kernels::Isa::portable, kernels::Isa::avx2, kernels::Isa::avx512bf16, kernels::Isa::amxbf16}) {
    if (!kernels::isa_runs_on_host(isa)) continue;
    for (int cores : {1, 2}) {
      const std::vector<float> got = widen(block.run(isa, cores));
      EXPECT_LT(nmse(got, want), 1e-4) << kernels::isa_name(isa) << " cores " << cores;
    }
  }
}

TEST(PreparedGraph, BarriersOnlyWhereDataFlows) {
  std::vector<bf16> table = test::random_bf16(10 * 8, 1), w = test::random_bf16(6 * 8, 2);
  graph::GraphBuilder b;
  const TensorId ids = b.input("token", Shape{1}, ElementType::i32);
  const TensorId x = b.embedding("embed", ids, b.weight("table", Shape{10, 8}, ElementType::bf16, table.data()));
  const TensorId wt = b.weight("w", Shape{6, 8}, ElementType::bf16, w.data());
  const TensorId y1 = b.matvec("a", x, wt);  // a and b read x: no barrier between them
  const TensorId y2 = b.matvec("b", x, wt);
  b.mark_output(b.add("sum", y1, y2));       // reads both: one barrier
  auto g = std::move(b).finish(nullptr);
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  auto p = PreparedGraph::prepare(std::move(g).value(), kernels::host_spec(kernels::Isa::reference), 2);
  ASSERT_TRUE(p.is_ok());
  EXPECT_EQ(p.value().barrier_count(), 2);  // before a (reads embed), before sum
}

TEST(PreparedGraph, RefusesAPositionOutsideTheCacheAndAClusterLargerThanPrepared) {
  EncoderBlock block;
  auto p = PreparedGraph::prepare(block.build(), kernels::host_spec(kernels::Isa::reference), 1);
  ASSERT_TRUE(p.is_ok());
  runtime::HostCluster two(2), one(1);
  EXPECT_EQ(p.value().run(0, two).message(), "the cluster has 2 cores, the graph was prepared for 1");
  EXPECT_EQ(p.value().run(1, one).message(), "position 1 is outside 0..0");
}

// conv2d 3×3 stride 2 (bias) → GELU → depthwise 3×3 (bias) over a batch of two 9×11 maps: odd
// sizes, an input width that is no vector multiple.
struct ConvChain {
  int batch = 2, h = 9, w = 11, cin = 5, cout = 24;
  std::vector<bf16> x = test::random_bf16(static_cast<std::size_t>(batch) * h * w * cin, 31, 1.0f);
  std::vector<bf16> conv_w = test::random_bf16(static_cast<std::size_t>(cout) * 9 * cin, 32, 0.3f);
  std::vector<bf16> conv_b = test::random_bf16(static_cast<std::size_t>(cout), 33, 0.1f);
  std::vector<bf16> dw_w = test::random_bf16(static_cast<std::size_t>(9) * cout, 34, 0.3f);
  std::vector<bf16> dw_b = test::random_bf16(static_cast<std::size_t>(cout), 35, 0.1f);
  TensorId input = graph::kNone, output = graph::kNone;

  graph::Graph build() {
    graph::GraphBuilder b;
    input = b.input("x", Shape{batch, h, w, cin}, ElementType::bf16);
    TensorId y = b.conv2d("conv", input, b.weight("conv.w", Shape{cout, 3, 3, cin}, ElementType::bf16, conv_w.data()),
                          b.weight("conv.b", Shape{cout}, ElementType::bf16, conv_b.data()), 2, 1);
    y = b.unary(graph::Op::gelu_erf, "gelu", y);
    output = b.depthwise_conv2d("dw", y, b.weight("dw.w", Shape{3, 3, cout}, ElementType::bf16, dw_w.data()),
                                b.weight("dw.b", Shape{cout}, ElementType::bf16, dw_b.data()), 1, 1);
    b.mark_output(output);
    auto g = std::move(b).finish(nullptr);
    EXPECT_TRUE(g.is_ok()) << g.status().message();
    return std::move(g).value();
  }

  std::vector<bf16> reference() const {
    const runtime::Team one;
    kernels::Conv2dParams conv;
    conv.batch = batch, conv.in_h = h, conv.in_w = w, conv.in_channels = cin, conv.out_channels = cout;
    conv.kernel = 3, conv.stride = 2, conv.pad = 1;
    conv.x = x.data(), conv.w = conv_w.data(), conv.bias = conv_b.data();
    std::vector<bf16> mid(static_cast<std::size_t>(batch) * conv.out_h() * conv.out_w() * cout), out(mid.size());
    conv.out = mid.data();
    kernels::conv2d__ref(conv, one);
    kernels::UnaryParams gelu;
    gelu.n = static_cast<int>(mid.size()), gelu.x = mid.data(), gelu.out = mid.data();
    kernels::gelu_erf__ref(gelu, one);
    kernels::DepthwiseConv2dParams dw;
    dw.batch = batch, dw.in_h = conv.out_h(), dw.in_w = conv.out_w(), dw.channels = cout;
    dw.kernel = 3, dw.stride = 1, dw.pad = 1;
    dw.x = mid.data(), dw.w = dw_w.data(), dw.bias = dw_b.data(), dw.out = out.data();
    kernels::depthwise_conv2d__ref(dw, one);
    return out;
  }

  std::vector<bf16> run(kernels::Isa cap, int cores) {
    auto prepared = PreparedGraph::prepare(build(), kernels::host_spec(cap), cores);
    EXPECT_TRUE(prepared.is_ok()) << prepared.status().message();
    PreparedGraph& p = prepared.value();
    std::copy(x.begin(), x.end(), p.input_bf16(input).begin());
    runtime::HostCluster cluster(cores);
    EXPECT_TRUE(p.run(0, cluster).is_ok());
    const auto y = p.output_bf16(output);
    return {y.begin(), y.end()};
  }
};

TEST(PreparedGraph, ConvChainAtTheReferenceLevelEqualsTheReferenceKernels) {
  ConvChain chain;
  const std::vector<bf16> want = chain.reference();
  ASSERT_EQ(want.size(), 2u * 5 * 6 * 24);
  for (int cores : {1, 3}) {
    const std::vector<bf16> got = chain.run(kernels::Isa::reference, cores);
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].bits, want[i].bits) << i << " cores " << cores;
  }
}

TEST(PreparedGraph, ConvChainAtEveryIsaLevelStaysCloseToTheReference) {
  ConvChain chain;
  const std::vector<float> want = widen(chain.reference());
  for (kernels::Isa isa : {kernels::Isa::portable, kernels::Isa::avx2, kernels::Isa::avx512bf16, kernels::Isa::amxbf16}) {
    if (!kernels::isa_runs_on_host(isa)) continue;
    for (int cores : {1, 2}) {
      const std::vector<float> got = widen(chain.run(isa, cores));
      EXPECT_LT(nmse(got, want), 1e-4) << kernels::isa_name(isa) << " cores " << cores;
    }
  }
}

}  // namespace
}  // namespace bfedge::exec
