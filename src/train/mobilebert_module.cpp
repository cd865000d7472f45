#include "bfedge/train/mobilebert_module.hpp"

#include <cmath>
#include <limits>
#include <string>

namespace bfedge::train {
namespace {

using models::MobileBertNormalization;
using ModulePtr = std::shared_ptr<torch::nn::Module>;

// An empty module that only groups children under a name (HF's MobileBertAttention, ...).
ModulePtr group(torch::nn::Module& parent, const std::string& name) {
  return parent.register_module(name, std::make_shared<torch::nn::Module>());
}

torch::nn::Linear linear(torch::nn::Module& parent, const std::string& name, std::int64_t in, std::int64_t out) {
  return parent.register_module(name, torch::nn::Linear(in, out));
}

MobileBertNorm norm(torch::nn::Module& parent, std::int64_t features, const models::MobileBertConfig& c, double eps) {
  return parent.register_module("LayerNorm", MobileBertNorm(features, c.normalization_type, eps));
}

}  // namespace

MobileBertNormImpl::MobileBertNormImpl(std::int64_t features, MobileBertNormalization type, double eps)
    : features_(features), type_(type), eps_(eps) {
  weight = register_parameter("weight", torch::ones({features}));
  bias = register_parameter("bias", torch::zeros({features}));
}

torch::Tensor MobileBertNormImpl::forward(const torch::Tensor& x) {
  if (type_ == MobileBertNormalization::no_norm) return x * weight + bias;
  return torch::layer_norm(x, {features_}, weight, bias, eps_);
}

MobileBertClassifierImpl::MobileBertClassifierImpl(const models::MobileBertConfig& config) : config_(config) {
  const auto& c = config_;
  const std::int64_t h = c.hidden_size, t = c.true_hidden_size(), e = c.embedding_size, inter = c.intermediate_size,
                     b = c.intra_bottleneck_size;
  const double eps = c.layer_norm_eps, default_eps = models::kMobileBertDefaultNormEps;

  auto mobilebert = group(*this, "mobilebert");
  auto embeddings = group(*mobilebert, "embeddings");
  auto word = torch::nn::EmbeddingOptions(c.vocab_size, e);
  if (c.pad_token_id >= 0) word.padding_idx(c.pad_token_id);
  word_embeddings_ = embeddings->register_module("word_embeddings", torch::nn::Embedding(word));
  position_embeddings_ = embeddings->register_module("position_embeddings",
                                                     torch::nn::Embedding(c.max_position_embeddings, h));
  token_type_embeddings_ = embeddings->register_module("token_type_embeddings", torch::nn::Embedding(c.type_vocab_size, h));
  embedding_transformation_ = linear(*embeddings, "embedding_transformation", e * (c.trigram_input ? 3 : 1), h);
  embedding_norm_ = norm(*embeddings, h, c, default_eps);

  auto encoder = group(*mobilebert, "encoder");
  auto layer_list = group(*encoder, "layer");
  for (int i = 0; i < c.num_hidden_layers; ++i) {
    Layer L;
    auto layer = group(*layer_list, std::to_string(i));
    auto attention = group(*layer, "attention");
    auto self = group(*attention, "self");
    L.query = linear(*self, "query", t, t);
    L.key = linear(*self, "key", t, t);
    L.value = linear(*self, "value", c.use_bottleneck_attention ? t : h, t);
    auto attention_out = group(*attention, "output");
    L.attention_output = linear(*attention_out, "dense", t, t);
    L.attention_norm = norm(*attention_out, t, c, eps);
    L.intermediate = linear(*group(*layer, "intermediate"), "dense", t, inter);
    auto output = group(*layer, "output");
    L.output = linear(*output, "dense", inter, t);
    L.output_norm = norm(*output, t, c, default_eps);
    if (c.use_bottleneck) {
      auto output_bottleneck = group(*output, "bottleneck");
      L.output_bottleneck = linear(*output_bottleneck, "dense", t, h);
      L.output_bottleneck_norm = norm(*output_bottleneck, h, c, eps);
      auto bottleneck = group(*layer, "bottleneck");
      auto input = group(*bottleneck, "input");
      L.bottleneck_input = linear(*input, "dense", h, b);
      L.bottleneck_input_norm = norm(*input, b, c, eps);
      if (c.key_query_shared_bottleneck) {
        auto shared = group(*bottleneck, "attention");
        L.bottleneck_attention = linear(*shared, "dense", h, b);
        L.bottleneck_attention_norm = norm(*shared, b, c, eps);
      }
    }
    if (c.num_feedforward_networks > 1) {
      auto ffn_list = group(*layer, "ffn");
      for (int k = 0; k + 1 < c.num_feedforward_networks; ++k) {
        auto ffn = group(*ffn_list, std::to_string(k));
        Ffn F;
        F.intermediate = linear(*group(*ffn, "intermediate"), "dense", t, inter);
        auto ffn_out = group(*ffn, "output");
        F.output = linear(*ffn_out, "dense", inter, t);
        F.norm = norm(*ffn_out, t, c, eps);
        L.ffn.push_back(F);
      }
    }
    layers_.push_back(std::move(L));
  }
  if (c.classifier_activation) pooler_ = linear(*group(*mobilebert, "pooler"), "dense", h, h);
  classifier_ = linear(*this, "classifier", h, c.num_labels);
  init_weights();
}

void MobileBertClassifierImpl::init_weights() {
  torch::NoGradGuard no_grad;
  const double stddev = config_.initializer_range;
  for (auto& module : modules(/*include_self=*/false)) {
    if (auto* l = module->as<torch::nn::Linear>()) {
      l->weight.normal_(0.0, stddev);
      l->bias.zero_();
    } else if (auto* emb = module->as<torch::nn::Embedding>()) {
      emb->weight.normal_(0.0, stddev);
      if (emb->options.padding_idx().has_value()) emb->weight[*emb->options.padding_idx()].zero_();
    }
  }  // norms start at weight 1, bias 0 from their constructor
}

torch::Tensor MobileBertClassifierImpl::activation(const torch::Tensor& x) const {
  return config_.hidden_act == models::MobileBertActivation::relu ? torch::relu(x) : torch::gelu(x);
}

torch::Tensor MobileBertClassifierImpl::embed(const torch::Tensor& input_ids, const torch::Tensor& token_type_ids) {
  const auto& c = config_;
  const std::int64_t seq = input_ids.size(1);
  torch::Tensor x = word_embeddings_(input_ids);  // (B, L, E)
  if (c.trigram_input) {
    namespace F = torch::nn::functional;
    using torch::indexing::Slice;
    const auto next = F::pad(x.index({Slice(), Slice(1)}), F::PadFuncOptions({0, 0, 0, 1}));
    const auto previous = F::pad(x.index({Slice(), Slice(0, seq - 1)}), F::PadFuncOptions({0, 0, 1, 0}));
    x = torch::cat({next, x, previous}, 2);
  }
  if (c.trigram_input || c.embedding_size != c.hidden_size) x = embedding_transformation_(x);
  const auto positions = torch::arange(seq, torch::dtype(torch::kLong).device(input_ids.device()));
  x = x + position_embeddings_(positions).unsqueeze(0) + token_type_embeddings_(token_type_ids);
  x = embedding_norm_(x);
  return torch::dropout(x, c.hidden_dropout_prob, is_training());
}

torch::Tensor MobileBertClassifierImpl::self_attention(Layer& L, const torch::Tensor& q_in, const torch::Tensor& k_in,
                                                       const torch::Tensor& v_in, const torch::Tensor& mask_bias) {
  const std::int64_t batch = q_in.size(0), seq = q_in.size(1), heads = config_.num_attention_heads,
                     head_size = config_.attention_head_size();
  const auto split = [&](const torch::Tensor& x) { return x.view({batch, seq, heads, head_size}).transpose(1, 2); };
  const auto q = split(L.query->forward(q_in)), k = split(L.key->forward(k_in)), v = split(L.value->forward(v_in));
  auto scores = torch::matmul(q, k.transpose(-1, -2)) / std::sqrt(static_cast<double>(head_size));
  auto probs = torch::softmax(scores + mask_bias, -1);
  probs = torch::dropout(probs, config_.attention_probs_dropout_prob, is_training());
  return torch::matmul(probs, v).transpose(1, 2).contiguous().view({batch, seq, heads * head_size});
}

torch::Tensor MobileBertClassifierImpl::layer_forward(Layer& L, const torch::Tensor& hidden,
                                                      const torch::Tensor& mask_bias) {
  const auto& c = config_;
  torch::Tensor q = hidden, k = hidden, v = hidden, layer_input = hidden;
  if (c.use_bottleneck) {
    layer_input = L.bottleneck_input_norm(L.bottleneck_input(hidden));
    if (c.use_bottleneck_attention) {
      q = k = v = layer_input;
    } else if (c.key_query_shared_bottleneck) {
      q = k = L.bottleneck_attention_norm(L.bottleneck_attention(hidden));
    }
  }
  auto attended = L.attention_output(self_attention(L, q, k, v, mask_bias));
  if (!c.use_bottleneck) attended = torch::dropout(attended, c.hidden_dropout_prob, is_training());
  auto a = L.attention_norm(attended + layer_input);
  for (Ffn& F : L.ffn) a = F.norm(F.output(activation(F.intermediate(a))) + a);
  auto o = L.output_norm(L.output(activation(L.intermediate(a))) + a);
  if (!c.use_bottleneck) return torch::dropout(o, c.hidden_dropout_prob, is_training());
  const auto projected = torch::dropout(L.output_bottleneck(o), c.hidden_dropout_prob, is_training());
  return L.output_bottleneck_norm(projected + hidden);
}

MobileBertForwardResult MobileBertClassifierImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                                          const torch::Tensor& token_type_ids, bool keep_hidden_states) {
  MobileBertForwardResult result;
  auto h = embed(input_ids, token_type_ids);
  // HF's get_extended_attention_mask: (1 - mask) · finfo(dtype).min, broadcast over heads and
  // queries, in the model's dtype (float32, or bfloat16 for a module moved to it).
  const double lowest = h.scalar_type() == torch::kBFloat16
                            ? static_cast<double>(std::numeric_limits<c10::BFloat16>::lowest())
                            : static_cast<double>(std::numeric_limits<float>::lowest());
  const auto mask_bias = (1.0 - attention_mask.to(h.scalar_type())).unsqueeze(1).unsqueeze(2) * lowest;
  if (keep_hidden_states) result.hidden_states.push_back(h);
  for (Layer& L : layers_) {
    h = layer_forward(L, h, mask_bias);
    if (keep_hidden_states) result.hidden_states.push_back(h);
  }
  using torch::indexing::Slice;
  auto pooled = h.index({Slice(), 0});
  if (config_.classifier_activation) pooled = torch::tanh(pooler_(pooled));
  const double dropout = config_.classifier_dropout >= 0 ? config_.classifier_dropout : config_.hidden_dropout_prob;
  result.logits = classifier_(torch::dropout(pooled, dropout, is_training()));
  return result;
}

}  // namespace bfedge::train
