#include <random>

#include "bfedge/models/mobilebert.hpp"

namespace bfedge::models {
namespace {

void fill(std::vector<float>& v, std::size_t count, float mean, float stddev, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  v.resize(count);
  for (float& x : v) x = mean + stddev * normal(rng);
}

}  // namespace

MobileBertWeights<float> mobilebert_random_weights(const MobileBertConfig& c, std::uint32_t seed) {
  std::mt19937 rng(seed);
  const float range = static_cast<float>(c.initializer_range);
  const std::size_t h = static_cast<std::size_t>(c.hidden_size), t = static_cast<std::size_t>(c.true_hidden_size()),
                    e = static_cast<std::size_t>(c.embedding_size), inter = static_cast<std::size_t>(c.intermediate_size),
                    b = static_cast<std::size_t>(c.intra_bottleneck_size);
  const auto linear = [&](MobileBertLinear<float>& l, std::size_t in, std::size_t out) {
    fill(l.weight, out * in, 0.0f, range, rng);
    fill(l.bias, out, 0.0f, range, rng);
  };
  const auto norm = [&](MobileBertNorm& n, std::size_t size) {
    fill(n.weight, size, 1.0f, 0.02f, rng);
    fill(n.bias, size, 0.0f, 0.02f, rng);
  };
  MobileBertWeights<float> w;
  fill(w.word_embeddings, static_cast<std::size_t>(c.vocab_size) * e, 0.0f, range, rng);
  fill(w.position_embeddings, static_cast<std::size_t>(c.max_position_embeddings) * h, 0.0f, range, rng);
  fill(w.token_type_embeddings, static_cast<std::size_t>(c.type_vocab_size) * h, 0.0f, range, rng);
  linear(w.embedding_transformation, e * (c.trigram_input ? 3 : 1), h);
  norm(w.embedding_norm, h);
  w.layers.resize(static_cast<std::size_t>(c.num_hidden_layers));
  for (MobileBertLayerWeights<float>& L : w.layers) {
    if (c.use_bottleneck) {
      linear(L.bottleneck_input, h, b);
      norm(L.bottleneck_input_norm, b);
      if (c.key_query_shared_bottleneck) {
        linear(L.bottleneck_attention, h, b);
        norm(L.bottleneck_attention_norm, b);
      }
    }
    linear(L.query, t, t);
    linear(L.key, t, t);
    linear(L.value, c.use_bottleneck_attention ? t : h, t);
    linear(L.attention_output, t, t);
    norm(L.attention_norm, t);
    L.ffn.resize(static_cast<std::size_t>(c.num_feedforward_networks - 1));
    for (MobileBertFfnWeights<float>& f : L.ffn) {
      linear(f.intermediate, t, inter);
      linear(f.output, inter, t);
      norm(f.output_norm, t);
    }
    linear(L.intermediate, t, inter);
    linear(L.output, inter, t);
    norm(L.output_norm, t);
    if (c.use_bottleneck) {
      linear(L.output_bottleneck, t, h);
      norm(L.output_bottleneck_norm, h);
    }
  }
  if (c.classifier_activation) linear(w.pooler, h, h);
  linear(w.classifier, h, static_cast<std::size_t>(c.num_labels));
  return w;
}

}  // namespace bfedge::models
