#include "bfedge/models/mobilebert_graph.hpp"

#include <memory>
#include <string>

#include "bfedge/graph/builder.hpp"

namespace bfedge::models {

namespace {

using graph::ElementType;
using graph::Op;
using graph::TensorId;

// What the graph's weight tensors point into: the weights and the position ids of each row.
struct MobileBertGraphStorage {
  MobileBertWeights<bf16> weights;
  std::vector<int> position_ids;  // (batch · seq): t for row b · seq + t
};

std::vector<bf16> to_bf16(const std::vector<float>& v) {
  std::vector<bf16> out(v.size());
  convert_f32_to_bf16(v.data(), out.data(), v.size());
  return out;
}
MobileBertLinear<bf16> to_bf16(const MobileBertLinear<float>& l) { return {to_bf16(l.weight), to_bf16(l.bias)}; }

// Adds the graph's nodes, reading weights from `w` (which the graph will own).
class Builder {
 public:
  Builder(const MobileBertConfig& c, graph::GraphBuilder& b) : c_(c), b_(b) {}

  TensorId linear(const std::string& name, TensorId x, const MobileBertLinear<bf16>& l,
                  ElementType out = ElementType::bf16) {
    const int rows = static_cast<int>(l.bias.size());
    const int cols = rows == 0 ? 0 : static_cast<int>(l.weight.size()) / rows;
    const TensorId w = b_.weight(name + ".weight", Shape{rows, cols}, ElementType::bf16, l.weight.data());
    const TensorId bias = b_.weight(name + ".bias", Shape{rows}, ElementType::bf16, l.bias.data());
    return b_.linear(name, x, w, bias, out);
  }

  // norm(x) or, with a residual, norm(x + residual).
  TensorId norm(const std::string& name, TensorId x, TensorId residual, const MobileBertNorm& n, double eps) {
    const int width = static_cast<int>(n.weight.size());
    const TensorId scale = b_.weight(name + ".weight", Shape{width}, ElementType::f32, n.weight.data());
    const TensorId shift = b_.weight(name + ".bias", Shape{width}, ElementType::f32, n.bias.data());
    const bool layer_norm = c_.normalization_type == MobileBertNormalization::layer_norm;
    const float e = static_cast<float>(eps);
    if (residual != graph::kNone) {
      return b_.add_norm(layer_norm ? Op::add_layernorm : Op::add_nonorm, name, x, residual, scale, shift, e);
    }
    return layer_norm ? b_.layernorm(name, x, scale, shift, e) : b_.nonorm(name, x, scale, shift);
  }

  TensorId activation(const std::string& name, TensorId x) {
    return b_.unary(c_.hidden_act == MobileBertActivation::relu ? Op::relu : Op::gelu_erf, name, x);
  }

  // norm(dense(act(intermediate(x))) + x)
  TensorId ffn(const std::string& p, TensorId x, const MobileBertLinear<bf16>& intermediate,
               const MobileBertLinear<bf16>& output, const MobileBertNorm& norm_weights, double eps) {
    TensorId inner = linear(p + "intermediate", x, intermediate);
    inner = activation(p + "intermediate.act", inner);
    const TensorId dense = linear(p + "output", inner, output);
    return norm(p + "output.norm", dense, x, norm_weights, eps);
  }

 private:
  const MobileBertConfig& c_;
  graph::GraphBuilder& b_;
};

}  // namespace

MobileBertWeights<bf16> mobilebert_weights_to_bf16(const MobileBertWeights<float>& w) {
  MobileBertWeights<bf16> out;
  out.word_embeddings = to_bf16(w.word_embeddings);
  out.position_embeddings = to_bf16(w.position_embeddings);
  out.token_type_embeddings = to_bf16(w.token_type_embeddings);
  out.embedding_transformation = to_bf16(w.embedding_transformation);
  out.embedding_norm = w.embedding_norm;
  for (const MobileBertLayerWeights<float>& l : w.layers) {
    MobileBertLayerWeights<bf16>& o = out.layers.emplace_back();
    o.bottleneck_input = to_bf16(l.bottleneck_input);
    o.bottleneck_input_norm = l.bottleneck_input_norm;
    o.bottleneck_attention = to_bf16(l.bottleneck_attention);
    o.bottleneck_attention_norm = l.bottleneck_attention_norm;
    o.query = to_bf16(l.query);
    o.key = to_bf16(l.key);
    o.value = to_bf16(l.value);
    o.attention_output = to_bf16(l.attention_output);
    o.attention_norm = l.attention_norm;
    for (const MobileBertFfnWeights<float>& f : l.ffn) {
      o.ffn.push_back({to_bf16(f.intermediate), to_bf16(f.output), f.output_norm});
    }
    o.intermediate = to_bf16(l.intermediate);
    o.output = to_bf16(l.output);
    o.output_norm = l.output_norm;
    o.output_bottleneck = to_bf16(l.output_bottleneck);
    o.output_bottleneck_norm = l.output_bottleneck_norm;
  }
  out.pooler = to_bf16(w.pooler);
  out.classifier = to_bf16(w.classifier);
  return out;
}

Result<MobileBertGraph> build_mobilebert_graph(const MobileBertConfig& c, MobileBertWeights<bf16> weights, int batch,
                                               int seq, bool keep_hidden_states) {
  if (batch < 1 || seq < 1 || seq > c.max_position_embeddings) {
    return invalid_argument("mobilebert graph: batch " + std::to_string(batch) + " and seq " + std::to_string(seq) +
                            " must be >= 1, seq <= max_position_embeddings " +
                            std::to_string(c.max_position_embeddings));
  }
  if (weights.layers.size() != static_cast<std::size_t>(c.num_hidden_layers)) {
    return invalid_argument("mobilebert graph: weights have " + std::to_string(weights.layers.size()) +
                            " layers, config " + std::to_string(c.num_hidden_layers));
  }
  auto storage = std::make_shared<MobileBertGraphStorage>();
  storage->weights = std::move(weights);
  const MobileBertWeights<bf16>& w = storage->weights;
  const int rows = batch * seq, h = c.hidden_size, e = c.embedding_size;
  storage->position_ids.resize(static_cast<std::size_t>(rows));
  for (int r = 0; r < rows; ++r) storage->position_ids[static_cast<std::size_t>(r)] = r % seq;
  const auto bf = ElementType::bf16;
  const double eps = c.layer_norm_eps;

  graph::GraphBuilder b;
  Builder m(c, b);
  MobileBertGraph out;
  out.batch = batch, out.seq = seq;
  out.input_ids = b.input("input_ids", Shape{batch, seq}, ElementType::i32);
  out.attention_mask = b.input("attention_mask", Shape{batch, seq}, ElementType::i32);
  out.token_type_ids = b.input("token_type_ids", Shape{batch, seq}, ElementType::i32);

  // Embeddings.
  const TensorId word = b.weight("word_embeddings.weight", Shape{c.vocab_size, e}, bf, w.word_embeddings.data());
  TensorId x = c.trigram_input ? b.trigram_embedding("word_embeddings", out.input_ids, word, batch)
                               : b.embedding("word_embeddings", out.input_ids, word);
  if (c.trigram_input || e != h) x = m.linear("embedding_transformation", x, w.embedding_transformation);
  const TensorId positions =
      b.weight("position_ids", Shape{batch, seq}, ElementType::i32, storage->position_ids.data());
  const TensorId position_table = b.weight("position_embeddings.weight", Shape{c.max_position_embeddings, h}, bf,
                                           w.position_embeddings.data());
  const TensorId type_table =
      b.weight("token_type_embeddings.weight", Shape{c.type_vocab_size, h}, bf, w.token_type_embeddings.data());
  const TensorId position_rows = b.embedding("position_embeddings", positions, position_table);
  const TensorId type_rows = b.embedding("token_type_embeddings", out.token_type_ids, type_table);
  const TensorId position_type = b.add("position_plus_type", position_rows, type_rows);
  TensorId hidden = m.norm("embeddings.norm", x, position_type, w.embedding_norm, kMobileBertDefaultNormEps);
  if (keep_hidden_states) out.hidden_states.push_back(hidden);

  // Encoder layers.
  for (int i = 0; i < c.num_hidden_layers; ++i) {
    const MobileBertLayerWeights<bf16>& l = w.layers[static_cast<std::size_t>(i)];
    const std::string p = "layer" + std::to_string(i) + ".";
    TensorId layer_input = hidden, qk_input = hidden, value_input = hidden;
    if (c.use_bottleneck) {
      layer_input = m.linear(p + "bottleneck.input", hidden, l.bottleneck_input);
      layer_input = m.norm(p + "bottleneck.input.norm", layer_input, graph::kNone, l.bottleneck_input_norm, eps);
      if (c.use_bottleneck_attention) {
        qk_input = value_input = layer_input;
      } else {  // key_query_shared_bottleneck (validate_mobilebert_config refuses the rest)
        qk_input = m.linear(p + "bottleneck.attention", hidden, l.bottleneck_attention);
        qk_input = m.norm(p + "bottleneck.attention.norm", qk_input, graph::kNone, l.bottleneck_attention_norm, eps);
      }
    }
    const TensorId q = m.linear(p + "query", qk_input, l.query);
    const TensorId k = m.linear(p + "key", qk_input, l.key);
    const TensorId v = m.linear(p + "value", value_input, l.value);
    const TensorId context =
        b.attention_encoder(p + "attention", q, k, v, out.attention_mask, batch, c.num_attention_heads);
    const TensorId dense = m.linear(p + "attention.output", context, l.attention_output);
    TensorId a = m.norm(p + "attention.output.norm", dense, layer_input, l.attention_norm, eps);
    for (std::size_t f = 0; f < l.ffn.size(); ++f) {
      const MobileBertFfnWeights<bf16>& ffn = l.ffn[f];
      a = m.ffn(p + "ffn" + std::to_string(f) + ".", a, ffn.intermediate, ffn.output, ffn.output_norm, eps);
    }
    const TensorId o = m.ffn(p, a, l.intermediate, l.output, l.output_norm, kMobileBertDefaultNormEps);
    if (c.use_bottleneck) {
      const TensorId up = m.linear(p + "output.bottleneck", o, l.output_bottleneck);
      hidden = m.norm(p + "output.bottleneck.norm", up, hidden, l.output_bottleneck_norm, eps);
    } else {
      hidden = o;
    }
    if (keep_hidden_states) out.hidden_states.push_back(hidden);
  }

  // Head.
  TensorId pooled = b.first_token("first_token", hidden, batch);
  if (c.classifier_activation) pooled = b.unary(Op::tanh, "pooler.tanh", m.linear("pooler", pooled, w.pooler));
  out.logits = m.linear("classifier", pooled, w.classifier, ElementType::f32);
  for (TensorId t : out.hidden_states) b.mark_output(t);
  b.mark_output(out.logits);
  auto built = std::move(b).finish(std::move(storage));
  if (!built.is_ok()) return built.status();
  out.graph = std::move(built).value();
  return out;
}

}  // namespace bfedge::models
