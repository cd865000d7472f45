// The BF16 MobileBERT graph (MobileBertBf16) against the FP32 reference forward on the same
// inputs: every hidden state (the embeddings' output and each layer's, padded rows included)
// within NMSE 1e-4 and the logits close, for the default-like NoNorm model and each config
// variant (LayerNorm, GELU, no bottleneck, bottleneck attention, no trigram, no pooler), batches of
// 1 and 3 with padding, lengths that are no tile multiple; 1 and 2 threads give the same bits.
// Weights are initialized as HF does (N(0, 0.02) linears and embeddings, norm weights near 1,
// small biases), so the activations have a trained model's scale.
#include "bfedge/models/mobilebert_bf16.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "bfedge/core/nmse.hpp"
#include "bfedge/kernels/host_isa.hpp"
#include "bfedge/io/safetensors.hpp"
#include "bfedge/models/mobilebert.hpp"

namespace bfedge::models {
namespace {

constexpr double kHiddenNmse = 1e-4;

// MobileBERT's defaults at a quarter of the widths and fewer layers: trigram input, bottleneck
// with shared q/k bottleneck, 4 FFNs, NoNorm, ReLU, 4 heads, the pooler.
MobileBertConfig default_like_config() {
  MobileBertConfig c;
  c.vocab_size = 100;
  c.hidden_size = 128;
  c.embedding_size = 32;
  c.intra_bottleneck_size = 32;
  c.intermediate_size = 128;
  c.num_hidden_layers = 6;
  c.num_attention_heads = 4;
  c.num_feedforward_networks = 4;
  c.max_position_embeddings = 64;
  c.num_labels = 3;
  return c;
}

// The brief's small config: hidden 64, bottleneck 32, 2 layers, 2 heads, embedding 16, 2 FFNs.
MobileBertConfig small_config() {
  MobileBertConfig c;
  c.vocab_size = 100;
  c.hidden_size = 64;
  c.embedding_size = 16;
  c.intra_bottleneck_size = 32;
  c.intermediate_size = 48;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 2;
  c.num_feedforward_networks = 2;
  c.max_position_embeddings = 40;
  c.num_labels = 2;
  return c;
}

MobileBertWeights<float> hf_like_weights(const MobileBertConfig& c, std::uint32_t seed) {
  return mobilebert_random_weights(c, seed);
}

// A batch of `batch` sequences: sequence b has seq - 3b real tokens (at least 1) and padding
// (id 0, mask 0) after them; token types 0 then 1 from the middle.
struct Batch {
  std::vector<int> ids, mask, types;
  MobileBertInputs inputs(int batch, int seq) const { return {ids, mask, types, batch, seq}; }
};
Batch padded_batch(const MobileBertConfig& c, int batch, int seq, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> token(1, c.vocab_size - 1);
  Batch b;
  for (int s = 0; s < batch; ++s) {
    const int real = std::max(1, seq - 3 * s);
    for (int t = 0; t < seq; ++t) {
      b.ids.push_back(t < real ? token(rng) : 0);
      b.mask.push_back(t < real ? 1 : 0);
      b.types.push_back(t < real / 2 ? 0 : 1);
    }
  }
  return b;
}

std::vector<float> to_f32(std::span<const bf16> v) {
  std::vector<float> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = bfedge::to_f32(v[i]);
  return out;
}

// Runs both paths on `inputs`; checks each hidden state and the logits, and returns the
// hidden states' NMSEs (0 = embeddings).
std::vector<double> compare_with_f32(const MobileBertConfig& c, const MobileBertWeights<float>& w, const MobileBertInputs& in,
                        kernels::Isa cap, int cores) {
  auto bf = MobileBertBf16::create(c, w, in.batch, in.seq, cap, cores, /*keep_hidden_states=*/true);
  EXPECT_TRUE(bf.is_ok()) << bf.status().message();
  if (!bf.is_ok()) return {1.0};
  runtime::HostCluster cluster(cores);
  const Status run = bf.value().forward(in, cluster);
  EXPECT_TRUE(run.is_ok()) << run.message();
  auto ref = mobilebert_forward_f32(c, w, in, /*keep_hidden_states=*/true);
  EXPECT_TRUE(ref.is_ok()) << ref.status().message();
  if (!ref.is_ok()) return {1.0};
  const MobileBertOutputs& want = ref.value();
  EXPECT_EQ(bf.value().hidden_state_count(), c.num_hidden_layers + 1);
  std::vector<double> errors;
  for (int i = 0; i < bf.value().hidden_state_count(); ++i) {
    const std::vector<float> got = to_f32(bf.value().hidden_state(i));
    const std::vector<float>& expect = want.hidden_states[static_cast<std::size_t>(i)];
    EXPECT_EQ(got.size(), expect.size());
    const double e = nmse(got, expect);
    EXPECT_LE(e, kHiddenNmse) << "hidden state " << i << " (0 = embeddings)";
    errors.push_back(e);
  }
  const std::span<const float> logits = bf.value().logits();
  EXPECT_EQ(logits.size(), want.logits.size());
  float scale = 0.0f;
  for (float v : want.logits) scale = std::max(scale, std::fabs(v));
  for (std::size_t i = 0; i < want.logits.size() && i < logits.size(); ++i) {
    EXPECT_NEAR(logits[i], want.logits[i], 0.02 * scale + 2e-3) << "logit " << i;
  }
  EXPECT_LE(nmse(logits, want.logits), 1e-3);
  return errors;
}

double worst(const std::vector<double>& errors) { return *std::max_element(errors.begin(), errors.end()); }

TEST(MobileBertBf16, DefaultLikeNoNormMatchesF32PerLayer) {
  const MobileBertConfig c = default_like_config();
  const MobileBertWeights<float> w = hf_like_weights(c, 1);
  const int batch = 3, seq = 37;
  const Batch b = padded_batch(c, batch, seq, 2);
  for (kernels::Isa cap : {kernels::Isa::reference, kernels::host_isa()}) {
    const std::vector<double> errors = compare_with_f32(c, w, b.inputs(batch, seq), cap, 2);
    std::printf("[ nmse ] default-like NoNorm, %s kernels, hidden states 0..%d:", kernels::isa_name(cap),
                c.num_hidden_layers);
    for (double e : errors) std::printf(" %.2e", e);
    std::printf(" (max %.2e)\n", worst(errors));
  }
}

// MobileBERT's depth: the norms' weights near 1 and small biases scale every channel the same
// way on every row, so rounding them to BF16 would add a per-channel error that does not average
// out; over 24 layers it passed 1e-4 (docs/mobilebert.md). The graph keeps them FP32.
TEST(MobileBertBf16, TwentyFourLayersStayWithinTheBoundPerLayer) {
  MobileBertConfig c = default_like_config();
  c.num_hidden_layers = 24;
  const MobileBertWeights<float> w = hf_like_weights(c, 5);
  const int batch = 2, seq = 33;
  const Batch b = padded_batch(c, batch, seq, 6);
  const std::vector<double> errors = compare_with_f32(c, w, b.inputs(batch, seq), kernels::host_isa(), 2);
  std::printf("[ nmse ] 24 layers: embeddings %.2e, layer 11 %.2e, layer 23 %.2e\n", errors.front(),
              errors[12], errors.back());
}

struct Variant {
  const char* name;
  void (*apply)(MobileBertConfig& c);
};

class MobileBertBf16Variants : public ::testing::TestWithParam<Variant> {};

TEST_P(MobileBertBf16Variants, HiddenStatesAndLogitsMatchF32WithPadding) {
  MobileBertConfig c = small_config();
  GetParam().apply(c);
  ASSERT_TRUE(validate_mobilebert_config(c, "test").is_ok());
  const MobileBertWeights<float> w = hf_like_weights(c, 3);
  for (const auto& [batch, seq] : {std::pair{3, 11}, std::pair{1, 19}, std::pair{3, 1}}) {
    const Batch b = padded_batch(c, batch, seq, 4);
    const double e = worst(compare_with_f32(c, w, b.inputs(batch, seq), kernels::host_isa(), 2));
    std::printf("[ nmse ] %s batch %d seq %d: max over hidden states %.2e\n", GetParam().name, batch, seq, e);
  }
}

INSTANTIATE_TEST_SUITE_P(
    MobileBertBf16, MobileBertBf16Variants,
    ::testing::Values(
        Variant{"nonorm_relu", [](MobileBertConfig&) {}},
        Variant{"layer_norm", [](MobileBertConfig& c) { c.normalization_type = MobileBertNormalization::layer_norm; }},
        Variant{"layer_norm_gelu",
                [](MobileBertConfig& c) {
                  c.normalization_type = MobileBertNormalization::layer_norm;
                  c.hidden_act = MobileBertActivation::gelu;
                }},
        Variant{"no_bottleneck", [](MobileBertConfig& c) { c.use_bottleneck = false; }},
        Variant{"bottleneck_attention",
                [](MobileBertConfig& c) {
                  c.use_bottleneck_attention = true;
                  c.key_query_shared_bottleneck = false;
                }},
        Variant{"no_trigram", [](MobileBertConfig& c) { c.trigram_input = false; }},
        Variant{"no_trigram_no_transformation",
                [](MobileBertConfig& c) {
                  c.trigram_input = false;
                  c.embedding_size = c.hidden_size;
                }},
        Variant{"no_pooler", [](MobileBertConfig& c) { c.classifier_activation = false; }},
        Variant{"one_ffn", [](MobileBertConfig& c) { c.num_feedforward_networks = 1; }}),
    [](const ::testing::TestParamInfo<Variant>& p) { return std::string(p.param.name); });

// A padded sequence in a batch gives the logits it gives alone (padding is masked out of every
// real token's attention), and the padded rows themselves follow the FP32 reference too.
TEST(MobileBertBf16, PaddedSequenceInABatchMatchesItselfAlone) {
  const MobileBertConfig c = small_config();
  const MobileBertWeights<float> w = hf_like_weights(c, 5);
  const int batch = 3, seq = 13;
  const Batch b = padded_batch(c, batch, seq, 6);
  auto all = MobileBertBf16::create(c, w, batch, seq, kernels::host_isa(), 1);
  auto one = MobileBertBf16::create(c, w, 1, seq, kernels::host_isa(), 1);
  ASSERT_TRUE(all.is_ok() && one.is_ok());
  runtime::HostCluster cluster(1);
  ASSERT_TRUE(all.value().forward(b.inputs(batch, seq), cluster).is_ok());
  const std::size_t n = static_cast<std::size_t>(seq);
  for (int s = 0; s < batch; ++s) {
    const std::span<const int> ids(b.ids.data() + s * n, n), mask(b.mask.data() + s * n, n),
        types(b.types.data() + s * n, n);
    ASSERT_TRUE(one.value().forward({ids, mask, types, 1, seq}, cluster).is_ok());
    for (int l = 0; l < c.num_labels; ++l) {
      EXPECT_NEAR(all.value().logits()[static_cast<std::size_t>(s * c.num_labels + l)],
                  one.value().logits()[static_cast<std::size_t>(l)], 1e-3)
          << "sequence " << s << " label " << l;
    }
  }
}

TEST(MobileBertBf16, OneAndTwoThreadsGiveTheSameBits) {
  const MobileBertConfig c = default_like_config();
  const MobileBertWeights<float> w = hf_like_weights(c, 7);
  const int batch = 3, seq = 21;
  const Batch b = padded_batch(c, batch, seq, 8);
  auto model = MobileBertBf16::create(c, w, batch, seq, kernels::host_isa(), 2, true);
  ASSERT_TRUE(model.is_ok()) << model.status().message();
  runtime::HostCluster one(1), two(2);
  ASSERT_TRUE(model.value().forward(b.inputs(batch, seq), one).is_ok());
  const std::vector<float> logits(model.value().logits().begin(), model.value().logits().end());
  std::vector<std::vector<bf16>> hidden;
  for (int i = 0; i < model.value().hidden_state_count(); ++i) {
    hidden.emplace_back(model.value().hidden_state(i).begin(), model.value().hidden_state(i).end());
  }
  ASSERT_TRUE(model.value().forward(b.inputs(batch, seq), two).is_ok());
  for (std::size_t i = 0; i < logits.size(); ++i) {
    EXPECT_EQ(std::bit_cast<std::uint32_t>(logits[i]), std::bit_cast<std::uint32_t>(model.value().logits()[i]));
  }
  for (int i = 0; i < model.value().hidden_state_count(); ++i) {
    const std::span<const bf16> now = model.value().hidden_state(i);
    for (std::size_t j = 0; j < now.size(); ++j) ASSERT_EQ(now[j].bits, hidden[static_cast<std::size_t>(i)][j].bits);
  }
}

TEST(MobileBertBf16, RefusesInputsOfAnotherShapeOrRange) {
  const MobileBertConfig c = small_config();
  const MobileBertWeights<float> w = hf_like_weights(c, 9);
  auto model = MobileBertBf16::create(c, w, 2, 5, kernels::host_isa(), 1);
  ASSERT_TRUE(model.is_ok());
  runtime::HostCluster cluster(1);
  const Batch b = padded_batch(c, 2, 5, 10);
  EXPECT_FALSE(model.value().forward(b.inputs(1, 10), cluster).is_ok());
  Batch bad = b;
  bad.ids[3] = c.vocab_size;
  const Status s = model.value().forward(bad.inputs(2, 5), cluster);
  EXPECT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("input_ids[3]"), std::string::npos) << s.message();
  EXPECT_FALSE(MobileBertBf16::create(c, w, 1, c.max_position_embeddings + 1, kernels::host_isa(), 1).is_ok());
  // Empty mask and token types: all ones and all zeros.
  const MobileBertInputs plain{b.ids, {}, {}, 2, 5};
  EXPECT_TRUE(model.value().forward(plain, cluster).is_ok());
}

}  // namespace
}  // namespace bfedge::models
