#include "bfedge/models/llama_graph.hpp"

#include <string>

#include "bfedge/graph/builder.hpp"
#include "bfedge/models/llama.hpp"

namespace bfedge::models {

namespace {

using graph::ElementType;
using graph::TensorId;

// What the graph's weight tensors point into: the checkpoint's weights, with each layer's
// projections that read the same input stacked into one matrix (wq|wk|wv and w1|w3, as the
// firmware does) so that each group is one matvec.
struct LlamaGraphStorage {
  LlamaWeights<bf16> weights;
  std::vector<bf16> wqkv;  // (n_layers, dim + 2 * kv_dim, dim)
  std::vector<bf16> w13;   // (n_layers, 2 * hidden_dim, dim)
  RopeTable rope;
};

// Per layer, the rows of each part one after the other; the parts are freed.
std::vector<bf16> stack_layers(int layers, std::initializer_list<std::vector<bf16>*> parts) {
  std::vector<bf16> out;
  std::size_t total = 0;
  for (const std::vector<bf16>* part : parts) total += part->size();
  out.reserve(total);
  for (int l = 0; l < layers; ++l) {
    for (const std::vector<bf16>* part : parts) {
      const std::size_t per_layer = part->size() / static_cast<std::size_t>(layers);
      out.insert(out.end(), part->begin() + static_cast<std::ptrdiff_t>(l * per_layer),
                 part->begin() + static_cast<std::ptrdiff_t>((l + 1) * per_layer));
    }
  }
  for (std::vector<bf16>* part : parts) std::vector<bf16>().swap(*part);
  return out;
}

}  // namespace

Result<LlamaGraph> build_llama_graph(const LlamaConfig& c, LlamaWeights<bf16> weights) {
  auto storage = std::make_shared<LlamaGraphStorage>();
  storage->weights = std::move(weights);
  storage->rope = make_rope_table(c.seq_len, c.head_size());
  LlamaWeights<bf16>& w = storage->weights;
  storage->wqkv = stack_layers(c.n_layers, {&w.wq, &w.wk, &w.wv});
  storage->w13 = stack_layers(c.n_layers, {&w.w1, &w.w3});
  const int dim = c.dim, kv = c.kv_dim(), hidden = c.hidden_dim, hs = c.head_size();
  const auto bf = ElementType::bf16;

  graph::GraphBuilder b;
  b.set_max_positions(c.seq_len);
  LlamaGraph out;
  out.token = b.input("token", Shape{1}, ElementType::i32);
  const TensorId embedding = b.weight("token_embedding.weight", Shape{c.vocab_size, dim}, bf, w.token_embedding.data());
  const TensorId cos = b.weight("rope.cos", Shape{c.seq_len, hs / 2}, ElementType::f32, storage->rope.cos.data());
  const TensorId sin = b.weight("rope.sin", Shape{c.seq_len, hs / 2}, ElementType::f32, storage->rope.sin.data());
  auto layer_weight = [&](const std::string& name, int l, const std::vector<bf16>& all, int rows, int cols) {
    const bf16* data = all.data() + static_cast<std::size_t>(l) * rows * cols;
    return cols == 1 ? b.weight(name, Shape{rows}, bf, data) : b.weight(name, Shape{rows, cols}, bf, data);
  };

  TensorId x = b.embedding("embedding", out.token, embedding);
  for (int l = 0; l < c.n_layers; ++l) {
    const std::string p = "layer" + std::to_string(l) + ".";
    TensorId xb = b.rmsnorm(p + "rms_att", x, layer_weight(p + "rms_att.weight", l, w.rms_att, dim, 1));
    const TensorId qkv = b.matvec(p + "wqkv", xb, layer_weight(p + "wqkv.weight", l, storage->wqkv, dim + 2 * kv, dim));
    TensorId q = b.view(p + "q", qkv, 0, Shape{dim});
    TensorId k = b.view(p + "k", qkv, dim, Shape{kv});
    const TensorId v = b.view(p + "v", qkv, dim + kv, Shape{kv});
    std::tie(q, k) = b.rope(p + "rope", q, k, cos, sin, hs);
    const TensorId k_cache = b.state(p + "key_cache", Shape{c.n_kv_heads, hs, c.seq_len}, bf);
    const TensorId v_cache = b.state(p + "value_cache", Shape{c.n_kv_heads, c.seq_len, hs}, bf);
    const auto [k_all, v_all] = b.kv_write(p + "kv_write", k, v, k_cache, v_cache);
    const TensorId att = b.attention_decode(p + "attention", q, k_all, v_all, c.n_heads);
    const TensorId o = b.matvec(p + "wo", att, layer_weight(p + "wo.weight", l, w.wo, dim, dim));
    x = b.add(p + "residual_att", x, o);
    xb = b.rmsnorm(p + "rms_ffn", x, layer_weight(p + "rms_ffn.weight", l, w.rms_ffn, dim, 1));
    const TensorId h13 = b.matvec(p + "w13", xb, layer_weight(p + "w13.weight", l, storage->w13, 2 * hidden, dim));
    TensorId gate = b.view(p + "gate", h13, 0, Shape{hidden});
    const TensorId up = b.view(p + "up", h13, hidden, Shape{hidden});
    gate = b.swiglu(p + "swiglu", gate, up);
    const TensorId down = b.matvec(p + "w2", gate, layer_weight(p + "w2.weight", l, w.w2, dim, hidden));
    x = b.add(p + "residual_ffn", x, down);
  }
  x = b.rmsnorm("rms_final", x, b.weight("rms_final.weight", Shape{dim}, bf, w.rms_final.data()));
  const TensorId classifier =
      c.shared_classifier ? embedding
                          : b.weight("classifier.weight", Shape{c.vocab_size, dim}, bf, w.classifier.data());
  out.logits = b.matvec("classifier", x, classifier, ElementType::f32);
  b.mark_output(out.logits);
  auto graph = std::move(b).finish(std::move(storage));
  if (!graph.is_ok()) return graph.status();
  out.graph = std::move(graph).value();
  return out;
}

}  // namespace bfedge::models
