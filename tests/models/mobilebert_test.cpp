// MobileBERT's FP32 forward pass against an independent oracle: a double-precision
// MobileBertForSequenceClassification written from HF's equations, reading the weights by HF name
// (so a wrong name-to-field mapping in the loader shows too), one token at a time, masked keys
// skipped rather than biased. Plus the safetensors + config.json round trip and the padding fact.
#include "bfedge/models/mobilebert.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "bfedge/core/bf16.hpp"
#include "bfedge/core/nmse.hpp"
#include "bfedge/io/safetensors.hpp"
#include "support/test_support.hpp"

namespace bfedge::models {
namespace {

using Vec = std::vector<double>;
using Named = std::map<std::string, std::vector<float>>;

MobileBertConfig tiny_config(MobileBertNormalization norm) {
  MobileBertConfig c;
  c.vocab_size = 50;
  c.embedding_size = 8;
  c.hidden_size = 32;
  c.intra_bottleneck_size = 16;
  c.intermediate_size = 24;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 2;
  c.num_feedforward_networks = 2;
  c.max_position_embeddings = 16;
  c.num_labels = 3;
  c.normalization_type = norm;
  return c;
}

// Random values for every tensor of the sequence-classification head: norm weights near 1,
// linear weights ~ N(0, 1/in), biases and embeddings small.
Named random_tensors(const MobileBertConfig& c, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Named named;
  for (const MobileBertTensorSpec& s :
       mobilebert_tensor_specs(c, MobileBertHead::sequence_classification)) {
    std::vector<float> v(static_cast<std::size_t>(s.elements()));
    const bool is_norm = s.name.find("LayerNorm") != std::string::npos;
    const bool is_weight = s.name.ends_with(".weight");
    const bool is_embedding = s.name.find("_embeddings.") != std::string::npos;
    const float scale = is_embedding              ? 0.5f
                        : (is_weight && !is_norm) ? 1.0f / std::sqrt(static_cast<float>(s.shape[1]))
                                                  : 0.1f;
    for (float& x : v) x = (is_norm && is_weight ? 1.0f : 0.0f) + scale * normal(rng);
    named[s.name] = std::move(v);
  }
  return named;
}

std::vector<std::byte> f32_bytes(const std::vector<float>& v) {
  std::vector<std::byte> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

std::vector<io::SafetensorsTensor> to_safetensors(const MobileBertConfig& c, const Named& named) {
  std::vector<io::SafetensorsTensor> out;
  for (const MobileBertTensorSpec& s :
       mobilebert_tensor_specs(c, MobileBertHead::sequence_classification)) {
    out.push_back({s.name, io::TensorDtype::f32, s.shape, f32_bytes(named.at(s.name))});
  }
  return out;
}

MobileBertWeights<float> weights_of(const MobileBertConfig& c, const Named& named) {
  auto bytes = io::encode_safetensors(to_safetensors(c, named));
  EXPECT_TRUE(bytes.is_ok());
  auto table = io::parse_safetensors(bytes.value(), "mem");
  EXPECT_TRUE(table.is_ok());
  auto w = mobilebert_weights_from_table(c, table.value(), "mem");
  EXPECT_TRUE(w.is_ok()) << w.status().message();
  return std::move(w).value();
}

// ---- the oracle: one row vector at a time, double precision ----

struct Oracle {
  const MobileBertConfig& c;
  const Named& w;

  const std::vector<float>& t(const std::string& name) const { return w.at(name); }

  Vec dense(const std::string& prefix, const Vec& x) const {
    const auto& weight = t(prefix + ".weight");
    const auto& bias = t(prefix + ".bias");
    Vec y(bias.size());
    for (std::size_t o = 0; o < y.size(); ++o) {
      double s = bias[o];
      for (std::size_t i = 0; i < x.size(); ++i)
        s += static_cast<double>(weight[o * x.size() + i]) * x[i];
      y[o] = s;
    }
    return y;
  }

  Vec norm(const std::string& prefix, Vec x, double eps) const {
    const auto& g = t(prefix + ".weight");
    const auto& b = t(prefix + ".bias");
    if (c.normalization_type == MobileBertNormalization::layer_norm) {
      double mean = 0, var = 0;
      for (double v : x) mean += v / static_cast<double>(x.size());
      for (double v : x) var += (v - mean) * (v - mean) / static_cast<double>(x.size());
      for (double& v : x) v = (v - mean) / std::sqrt(var + eps);
    }
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = x[i] * g[i] + b[i];
    return x;
  }

  Vec act(Vec x) const {
    for (double& v : x) {
      v = c.hidden_act == MobileBertActivation::relu ? (v > 0 ? v : 0.0)
                                                     : 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
    }
    return x;
  }

  static Vec add(Vec a, const Vec& b) {
    for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
    return a;
  }

  // One sequence → (hidden states per stage, logits).
  std::pair<std::vector<std::vector<Vec>>, Vec> run(const std::vector<int>& ids,
                                                    const std::vector<int>& mask,
                                                    const std::vector<int>& types) const {
    const int n = static_cast<int>(ids.size());
    const int e = c.embedding_size, hid = c.hidden_size;
    const std::string m = "mobilebert.";
    auto word = [&](int pos, Vec& dst) {
      for (int i = 0; i < e; ++i)
        dst.push_back(pos < 0 || pos >= n
                          ? 0.0
                          : t(m + "embeddings.word_embeddings.weight")[ids[pos] * e + i]);
    };
    std::vector<Vec> h(n);
    for (int p = 0; p < n; ++p) {
      Vec x;
      word(p + 1, x);
      word(p, x);
      word(p - 1, x);
      x = dense(m + "embeddings.embedding_transformation", x);
      for (int i = 0; i < hid; ++i) {
        x[i] += t(m + "embeddings.position_embeddings.weight")[p * hid + i] +
                t(m + "embeddings.token_type_embeddings.weight")[types[p] * hid + i];
      }
      h[p] = norm(m + "embeddings.LayerNorm", x, 1e-5);
    }
    std::vector<std::vector<Vec>> stages{h};
    const double eps = c.layer_norm_eps;
    const int heads = c.num_attention_heads, hs = c.intra_bottleneck_size / heads;
    for (int l = 0; l < c.num_hidden_layers; ++l) {
      const std::string p = m + "encoder.layer." + std::to_string(l) + ".";
      std::vector<Vec> layer_in(n), q(n), k(n), v(n);
      for (int i = 0; i < n; ++i) {
        layer_in[i] =
            norm(p + "bottleneck.input.LayerNorm", dense(p + "bottleneck.input.dense", h[i]), eps);
        const Vec shared = norm(p + "bottleneck.attention.LayerNorm",
                                dense(p + "bottleneck.attention.dense", h[i]), eps);
        q[i] = dense(p + "attention.self.query", shared);
        k[i] = dense(p + "attention.self.key", shared);
        v[i] = dense(p + "attention.self.value", h[i]);
      }
      std::vector<Vec> next(n);
      for (int i = 0; i < n; ++i) {
        Vec ctx(static_cast<std::size_t>(heads * hs), 0.0);
        for (int hd = 0; hd < heads; ++hd) {
          Vec s(n);
          double mx = -1e300, sum = 0;
          for (int j = 0; j < n; ++j) {
            if (!mask[j]) continue;
            double dot = 0;
            for (int d = 0; d < hs; ++d) dot += q[i][hd * hs + d] * k[j][hd * hs + d];
            s[j] = dot / std::sqrt(static_cast<double>(hs));
            mx = std::max(mx, s[j]);
          }
          for (int j = 0; j < n; ++j) sum += mask[j] ? std::exp(s[j] - mx) : 0.0;
          for (int j = 0; j < n; ++j) {
            if (!mask[j]) continue;
            for (int d = 0; d < hs; ++d)
              ctx[hd * hs + d] += std::exp(s[j] - mx) / sum * v[j][hd * hs + d];
          }
        }
        Vec a = norm(p + "attention.output.LayerNorm",
                     add(dense(p + "attention.output.dense", ctx), layer_in[i]), eps);
        for (int f = 0; f < c.num_feedforward_networks - 1; ++f) {
          const std::string fp = p + "ffn." + std::to_string(f) + ".";
          a = norm(fp + "output.LayerNorm",
                   add(dense(fp + "output.dense", act(dense(fp + "intermediate.dense", a))), a),
                   eps);
        }
        const Vec o =
            norm(p + "output.LayerNorm",
                 add(dense(p + "output.dense", act(dense(p + "intermediate.dense", a))), a), 1e-5);
        next[i] = norm(p + "output.bottleneck.LayerNorm",
                       add(dense(p + "output.bottleneck.dense", o), h[i]), eps);
      }
      h = next;
      stages.push_back(h);
    }
    Vec pooled = h[0];
    if (c.classifier_activation) {
      pooled = dense(m + "pooler.dense", pooled);
      for (double& x : pooled) x = std::tanh(x);
    }
    return {stages, dense("classifier", pooled)};
  }
};

struct Case {
  MobileBertNormalization norm;
  MobileBertActivation act;
  bool classifier_activation;
};

class MobileBertForward : public ::testing::TestWithParam<Case> {};

TEST_P(MobileBertForward, MatchesDoublePrecisionOracle) {
  MobileBertConfig c = tiny_config(GetParam().norm);
  c.hidden_act = GetParam().act;
  c.classifier_activation = GetParam().classifier_activation;
  c.layer_norm_eps = 0.05;  // large, so using it where HF uses 1e-5 (or the reverse) shows
  const Named named = random_tensors(c, 7);
  const MobileBertWeights<float> w = weights_of(c, named);

  const int batch = 2, seq = 7;
  const std::vector<int> ids = {1, 17, 23, 4, 49, 2, 0, /**/ 1, 30, 2, 0, 0, 0, 0};
  const std::vector<int> mask = {1, 1, 1, 1, 1, 1, 1, /**/ 1, 1, 1, 0, 0, 0, 0};
  const std::vector<int> types = {0, 0, 0, 1, 1, 1, 1, /**/ 0, 0, 0, 0, 0, 0, 0};
  auto got = mobilebert_forward_f32(c, w, {ids, mask, types, batch, seq}, true);
  ASSERT_TRUE(got.is_ok()) << got.status().message();
  ASSERT_EQ(got.value().hidden_states.size(), static_cast<std::size_t>(c.num_hidden_layers + 1));

  const Oracle oracle{c, named};
  for (int b = 0; b < batch; ++b) {
    const auto slice = [&](const std::vector<int>& v) {
      return std::vector<int>(v.begin() + b * seq, v.begin() + (b + 1) * seq);
    };
    const auto [stages, logits] = oracle.run(slice(ids), slice(mask), slice(types));
    const double e = nmse(&got.value().logits[b * c.num_labels], logits);
    EXPECT_LT(e, 1e-10) << "batch " << b;
    std::printf("  batch %d logits NMSE %.3g\n", b, e);
    for (std::size_t s = 0; s < stages.size(); ++s) {
      Vec want;
      for (const Vec& row : stages[s]) want.insert(want.end(), row.begin(), row.end());
      const float* hs = got.value().hidden_states[s].data() + b * seq * c.hidden_size;
      const double es = nmse(hs, want);
      EXPECT_LT(es, 1e-10) << "batch " << b << " hidden state " << s;
      std::printf("  batch %d hidden state %zu NMSE %.3g\n", b, s, es);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Variants, MobileBertForward,
    ::testing::Values(Case{MobileBertNormalization::no_norm, MobileBertActivation::relu, true},
                      Case{MobileBertNormalization::layer_norm, MobileBertActivation::relu, true},
                      Case{MobileBertNormalization::layer_norm, MobileBertActivation::gelu, false},
                      Case{MobileBertNormalization::no_norm, MobileBertActivation::gelu, false}),
    [](const ::testing::TestParamInfo<Case>& param_info) {
      return std::string(mobilebert_normalization_name(param_info.param.norm)) + "_" +
             mobilebert_activation_name(param_info.param.act) +
             (param_info.param.classifier_activation ? "_pooler" : "_first_token");
    });

// The issue's padding fact: the last real token's trigram sees the [PAD] embedding (not zeros),
// so padding changes the logits a little. With a zero [PAD] row the two agree bit for bit.
TEST(MobileBertPadding, PadEmbeddingReachesTheLastRealTokensTrigram) {
  const MobileBertConfig c = tiny_config(MobileBertNormalization::no_norm);
  Named named = random_tensors(c, 11);
  const std::vector<int> ids = {1, 17, 23, 4, 2}, mask = {1, 1, 1, 1, 1};
  const std::vector<int> padded = {1, 17, 23, 4, 2, 0, 0, 0}, pmask = {1, 1, 1, 1, 1, 0, 0, 0};
  const auto logits = [&](const MobileBertWeights<float>& w, const std::vector<int>& i,
                          const std::vector<int>& mk) {
    auto r = mobilebert_forward_f32(c, w, {i, mk, {}, 1, static_cast<int>(i.size())});
    EXPECT_TRUE(r.is_ok());
    return r.value().logits;
  };
  const MobileBertWeights<float> w = weights_of(c, named);
  const auto plain = logits(w, ids, mask), pad = logits(w, padded, pmask);
  EXPECT_NE(plain, pad);
  const double e = nmse(pad, plain);
  std::printf("  padded vs unpadded logits NMSE %.3g\n", e);
  EXPECT_LT(e, 0.1);
  EXPECT_GT(e, 1e-12);

  auto& word = named.at("mobilebert.embeddings.word_embeddings.weight");
  std::fill(word.begin(), word.begin() + c.embedding_size, 0.0f);  // [PAD] = id 0
  const MobileBertWeights<float> zero_pad = weights_of(c, named);
  EXPECT_EQ(logits(zero_pad, ids, mask), logits(zero_pad, padded, pmask));
}

TEST(MobileBertForwardInputs, RefusedWithTheirNames) {
  const MobileBertConfig c = tiny_config(MobileBertNormalization::no_norm);
  const MobileBertWeights<float> w = weights_of(c, random_tensors(c, 3));
  const std::vector<int> ids = {1, 50}, mask = {1, 2}, ok = {1, 1};
  const auto error = [&](MobileBertInputs in) {
    auto r = mobilebert_forward_f32(c, w, in);
    return r.is_ok() ? std::string("ok") : r.status().message();
  };
  EXPECT_EQ(error({ids, ok, {}, 1, 2}), "mobilebert: input_ids[1] = 50 is outside [0, 50)");
  EXPECT_EQ(error({ok, mask, {}, 1, 2}), "mobilebert: attention_mask[1] = 2 is outside [0, 2)");
  EXPECT_EQ(error({ok, {}, {}, 1, 3}), "mobilebert: input_ids has 2 values, batch * seq is 3");
  const std::vector<int> long_ids(17, 1);
  EXPECT_EQ(error({long_ids, {}, {}, 1, 17}),
            "mobilebert: seq 17 exceeds max_position_embeddings 16");
  EXPECT_EQ(error({ok, {}, {}, 1, 2}), "ok");
}

constexpr const char* kTinyConfigJson = R"({
  "model_type": "mobilebert", "vocab_size": 50, "embedding_size": 8, "hidden_size": 32,
  "intra_bottleneck_size": 16, "true_hidden_size": 16, "intermediate_size": 24,
  "num_hidden_layers": 2, "num_attention_heads": 2, "num_feedforward_networks": 2,
  "max_position_embeddings": 16, "normalization_type": "no_norm", "hidden_act": "relu",
  "id2label": {"0": "a", "1": "b", "2": "c"}
})";

TEST(MobileBertLoad, RoundTripThroughSafetensorsAndConfigJson) {
  const MobileBertConfig c = tiny_config(MobileBertNormalization::no_norm);
  Named named = random_tensors(c, 5);
  // Two tensors stored as BF16 and F16, with values those types hold exactly.
  for (float& x : named.at("classifier.weight")) x = to_f32(to_bf16(x));
  for (float& x : named.at("mobilebert.pooler.dense.bias"))
    x = std::ldexp(std::round(std::ldexp(x, 10)), -10);
  auto tensors = to_safetensors(c, named);
  for (io::SafetensorsTensor& t : tensors) {
    const std::vector<float>& v = named.at(t.name);
    if (t.name == "classifier.weight") {
      t.dtype = io::TensorDtype::bf16;
      t.data.resize(v.size() * 2);
      for (std::size_t i = 0; i < v.size(); ++i) {
        const std::uint16_t b = to_bf16(v[i]).bits;
        std::memcpy(t.data.data() + 2 * i, &b, 2);
      }
    } else if (t.name == "mobilebert.pooler.dense.bias") {
      t.dtype = io::TensorDtype::f16;
      t.data.resize(v.size() * 2);
      for (std::size_t i = 0; i < v.size(); ++i) {  // |x| < 2 with 10 fraction bits: exact in F16
        const int exponent = v[i] == 0 ? 0 : std::ilogb(v[i]);
        std::uint16_t h = v[i] < 0 ? 0x8000 : 0;
        if (v[i] != 0 && exponent >= -14) {
          const double frac = std::fabs(v[i]) / std::ldexp(1.0, exponent) - 1.0;
          h |= static_cast<std::uint16_t>(((exponent + 15) << 10) |
                                          static_cast<int>(std::lround(frac * 1024)));
        } else if (v[i] != 0) {
          h |= static_cast<std::uint16_t>(std::lround(std::fabs(v[i]) * std::ldexp(1.0, 24)));
        }
        std::memcpy(t.data.data() + 2 * i, &h, 2);
      }
    }
  }
  test::TempDir dir;
  std::ofstream(dir.file("config.json")) << kTinyConfigJson;
  const auto write = [&](const std::vector<io::SafetensorsTensor>& ts) {
    auto bytes = io::encode_safetensors(ts);
    ASSERT_TRUE(bytes.is_ok());
    std::ofstream(dir.file("model.safetensors"), std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.value().data()),
               static_cast<std::streamsize>(bytes.value().size()));
  };
  write(tensors);
  auto model = load_mobilebert(dir.path().string());
  ASSERT_TRUE(model.is_ok()) << model.status().message();
  EXPECT_EQ(model.value().config.num_labels, 3);
  EXPECT_EQ(model.value().weights.classifier.weight, named.at("classifier.weight"));
  EXPECT_EQ(model.value().weights.pooler.bias, named.at("mobilebert.pooler.dense.bias"));
  EXPECT_EQ(model.value().weights.layers[1].ffn[0].output_norm.weight,
            named.at("mobilebert.encoder.layer.1.ffn.0.output.LayerNorm.weight"));
  const std::vector<int> ids = {1, 2, 3};
  auto loaded =
      mobilebert_forward_f32(model.value().config, model.value().weights, {ids, {}, {}, 1, 3});
  auto direct = mobilebert_forward_f32(c, weights_of(c, named), {ids, {}, {}, 1, 3});
  ASSERT_TRUE(loaded.is_ok() && direct.is_ok());
  EXPECT_EQ(loaded.value().logits, direct.value().logits);

  const std::string file = dir.file("model.safetensors");
  const std::string name = "mobilebert.encoder.layer.1.attention.self.value.weight";
  auto missing = tensors;
  std::erase_if(missing, [&](const io::SafetensorsTensor& t) { return t.name == name; });
  write(missing);
  auto r = load_mobilebert(dir.path().string());
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message(), file + ": missing tensor \"" + name + "\"");

  auto misshaped = tensors;
  for (io::SafetensorsTensor& t : misshaped) {
    if (t.name == name) t.shape = {32, 16};  // (16, 32) transposed
  }
  write(misshaped);
  r = load_mobilebert(dir.path().string());
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message(),
            file + ": tensor \"" + name + "\" has shape [32, 16], config.json implies [16, 32]");

  auto nonfinite = tensors;
  for (io::SafetensorsTensor& t : nonfinite) {
    if (t.name == name) {
      const float inf = INFINITY;
      std::memcpy(t.data.data() + 4 * 5, &inf, 4);
    }
  }
  write(nonfinite);
  r = load_mobilebert(dir.path().string());
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message(),
            file + ": tensor \"" + name + "\" has a non-finite value at element 5");

  std::ofstream(dir.file("config.json")) << "{\"vocab_size\": 0}";
  r = load_mobilebert(dir.path().string());
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message().rfind(dir.file("config.json") + ": ", 0), 0u)
      << r.status().message();
}

}  // namespace
}  // namespace bfedge::models
