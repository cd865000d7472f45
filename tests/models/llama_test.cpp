// The forward pass against an independent oracle: a double-precision, whole-sequence LLaMA
// written from the equations (no KV cache, no shared code with the library's kernels).
#include "bfedge/core/nmse.hpp"
#include "bfedge/kernels/host_isa.hpp"
#include "bfedge/models/llama.hpp"
#include "bfedge/models/llama_bf16.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "support/test_support.hpp"

namespace bfedge::models {
namespace {

using Matrix = std::vector<std::vector<double>>;

// y = W x, W (rows, cols) row-major at `w`.
std::vector<double> linear(const float* w, const std::vector<double>& x, int rows) {
  std::vector<double> y(static_cast<std::size_t>(rows), 0.0);
  const std::size_t cols = x.size();
  for (int r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) y[static_cast<std::size_t>(r)] += w[r * cols + c] * x[c];
  }
  return y;
}

std::vector<double> rmsnorm(const std::vector<double>& x, const float* g) {
  double ss = 0.0;
  for (double v : x) ss += v * v;
  const double inv = 1.0 / std::sqrt(ss / static_cast<double>(x.size()) + 1e-5);
  std::vector<double> y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = g[i] * x[i] * inv;
  return y;
}

void rotate(std::vector<double>& v, int pos, int head_size) {
  for (std::size_t i = 0; i < v.size(); i += 2) {
    const double theta = pos * std::pow(10000.0, -static_cast<double>(i % head_size) / head_size);
    const double a = v[i], b = v[i + 1];
    v[i] = a * std::cos(theta) - b * std::sin(theta);
    v[i + 1] = a * std::sin(theta) + b * std::cos(theta);
  }
}

// Logits for every position of `tokens`, computed all at once with explicit causal attention.
Matrix oracle_logits(const LlamaConfig& c, const LlamaWeights<float>& w,
                     const std::vector<int>& tokens) {
  const int n = static_cast<int>(tokens.size()), dim = c.dim, hs = c.head_size(), kv = c.kv_dim();
  Matrix x(static_cast<std::size_t>(n));
  for (int t = 0; t < n; ++t) {
    x[t].assign(w.token_embedding.begin() + tokens[t] * dim,
                w.token_embedding.begin() + (tokens[t] + 1) * dim);
  }
  for (int l = 0; l < c.n_layers; ++l) {
    Matrix q(n), k(n), v(n);
    for (int t = 0; t < n; ++t) {
      const auto h = rmsnorm(x[t], w.rms_att.data() + l * dim);
      q[t] = linear(w.wq.data() + static_cast<std::size_t>(l) * dim * dim, h, dim);
      k[t] = linear(w.wk.data() + static_cast<std::size_t>(l) * kv * dim, h, kv);
      v[t] = linear(w.wv.data() + static_cast<std::size_t>(l) * kv * dim, h, kv);
      rotate(q[t], t, hs);
      rotate(k[t], t, hs);
    }
    for (int t = 0; t < n; ++t) {
      std::vector<double> attn(static_cast<std::size_t>(dim), 0.0);
      for (int head = 0; head < c.n_heads; ++head) {
        const int kvh = head / c.kv_group();
        std::vector<double> p(static_cast<std::size_t>(t + 1));
        double max_s = -1e300, sum = 0.0;
        for (int s = 0; s <= t; ++s) {
          double dot = 0.0;
          for (int i = 0; i < hs; ++i) dot += q[t][head * hs + i] * k[s][kvh * hs + i];
          p[s] = dot / std::sqrt(static_cast<double>(hs));
          max_s = std::max(max_s, p[s]);
        }
        for (double& e : p) sum += (e = std::exp(e - max_s));
        for (int s = 0; s <= t; ++s) {
          for (int i = 0; i < hs; ++i) attn[head * hs + i] += p[s] / sum * v[s][kvh * hs + i];
        }
      }
      const auto o = linear(w.wo.data() + static_cast<std::size_t>(l) * dim * dim, attn, dim);
      for (int i = 0; i < dim; ++i) x[t][i] += o[i];
      const auto h = rmsnorm(x[t], w.rms_ffn.data() + l * dim);
      auto gate =
          linear(w.w1.data() + static_cast<std::size_t>(l) * c.hidden_dim * dim, h, c.hidden_dim);
      const auto up =
          linear(w.w3.data() + static_cast<std::size_t>(l) * c.hidden_dim * dim, h, c.hidden_dim);
      for (int i = 0; i < c.hidden_dim; ++i) gate[i] = gate[i] / (1.0 + std::exp(-gate[i])) * up[i];
      const auto down =
          linear(w.w2.data() + static_cast<std::size_t>(l) * dim * c.hidden_dim, gate, dim);
      for (int i = 0; i < dim; ++i) x[t][i] += down[i];
    }
  }
  Matrix logits(n);
  const float* cls = w.classifier.empty() ? w.token_embedding.data() : w.classifier.data();
  for (int t = 0; t < n; ++t)
    logits[t] = linear(cls, rmsnorm(x[t], w.rms_final.data()), c.vocab_size);
  return logits;
}

class LlamaForward : public ::testing::TestWithParam<std::tuple<bool, int>> {};

TEST_P(LlamaForward, MatchesDoublePrecisionOracle) {
  const auto [shared, threads] = GetParam();
  LlamaConfig c = test::tiny_llama_config();
  c.shared_classifier = shared;
  const LlamaWeights<float> w = test::random_llama_weights(c, 5);
  const std::vector<int> tokens = {1, 17, 250, 3, 299, 42, 42, 8, 100, 0, 64, 65};
  const Matrix want = oracle_logits(c, w, tokens);

  Llama<float> f32(c, w);
  Llama<bf16> half(c, convert_llama_weights<bf16>(w));
  runtime::HostCluster cluster(threads);
  for (std::size_t pos = 0; pos < tokens.size(); ++pos) {
    const int p = static_cast<int>(pos);
    EXPECT_LT(nmse(f32.forward(tokens[pos], p, cluster), want[pos]), 1e-10) << "f32 pos " << pos;
    // bf16 weights + activations: ~3 significant digits per value.
    EXPECT_LT(nmse(half.forward(tokens[pos], p, cluster), want[pos]), 1e-3) << "bf16 pos " << pos;
  }
}

INSTANTIATE_TEST_SUITE_P(ClassifierAndThreads, LlamaForward,
                         ::testing::Combine(::testing::Bool(), ::testing::Values(1, 2, 3)));

TEST(LlamaForward, ThreadCountDoesNotChangeResults) {
  const LlamaConfig c = test::tiny_llama_config();
  const LlamaWeights<float> w = test::random_llama_weights(c, 9);
  Llama<bf16> one(c, convert_llama_weights<bf16>(w)), three(c, convert_llama_weights<bf16>(w));
  runtime::HostCluster cluster1(1), cluster3(3);
  for (int pos = 0; pos < 10; ++pos) {
    const auto a = one.forward(pos * 7 % c.vocab_size, pos, cluster1);
    const std::vector<float> a_copy(a.begin(), a.end());
    const auto b = three.forward(pos * 7 % c.vocab_size, pos, cluster3);
    EXPECT_EQ(a_copy, std::vector<float>(b.begin(), b.end()));
  }
}

}  // namespace
}  // namespace bfedge::models

namespace bfedge::models {
namespace {

// The deployed BF16 model at every ISA level this CPU runs, against the bf16 reference model
// (bit-identical at Isa::reference) and against the double-precision oracle (all levels).
class LlamaBf16Deployed : public ::testing::TestWithParam<std::tuple<kernels::Isa, int, bool>> {};

TEST_P(LlamaBf16Deployed, MatchesReferenceModelAndOracle) {
  const auto [isa, threads, shared] = GetParam();
  if (!kernels::isa_runs_on_host(isa)) GTEST_SKIP() << kernels::isa_name(isa) << " not on this CPU";
  LlamaConfig c = test::tiny_llama_config();
  c.shared_classifier = shared;
  const LlamaWeights<float> w = test::random_llama_weights(c, 21);
  const LlamaWeights<bf16> wb = convert_llama_weights<bf16>(w);
  const std::vector<int> tokens = {1, 17, 250, 3, 299, 42, 42, 8, 100, 0, 64, 65, 7, 7, 7, 9, 10};
  const auto want = oracle_logits(c, w, tokens);
  Llama<bf16> reference(c, wb);
  auto created = LlamaBf16::create(c, wb, isa, threads);
  ASSERT_TRUE(created.is_ok()) << created.status().message();
  LlamaBf16& deployed = created.value();
  runtime::HostCluster one(1), cluster(threads);
  for (std::size_t pos = 0; pos < tokens.size(); ++pos) {
    const int p = static_cast<int>(pos);
    const auto ref = reference.forward(tokens[pos], p, one);
    const std::vector<float> ref_copy(ref.begin(), ref.end());
    const auto got = deployed.forward(tokens[pos], p, cluster);
    if (isa == kernels::Isa::reference) {
      EXPECT_EQ(std::vector<float>(got.begin(), got.end()), ref_copy) << "pos " << pos;
    }
    EXPECT_LT(nmse(got, want[pos]), 1e-3) << "pos " << pos;
  }
}

INSTANTIATE_TEST_SUITE_P(
    IsaThreadsClassifier, LlamaBf16Deployed,
    ::testing::Combine(::testing::Values(kernels::Isa::reference, kernels::Isa::portable,
                                         kernels::Isa::avx2, kernels::Isa::avx512bf16, kernels::Isa::amxbf16),
                       ::testing::Values(1, 3), ::testing::Bool()));

}  // namespace
}  // namespace bfedge::models
