// LLaMA-style decoder (llama2.c family): hyper-parameters and weights.
// Weights follow PyTorch's (out_features, in_features) layout, one array per tensor kind with
// all layers stacked, as llama2.c's run.c does.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bfedge/core/status.hpp"

namespace bfedge::models {

struct LlamaConfig {
  int dim = 0;         // transformer width
  int hidden_dim = 0;  // SwiGLU FFN width
  int n_layers = 0;
  int n_heads = 0;     // query heads
  int n_kv_heads = 0;  // key/value heads (grouped-query attention when < n_heads)
  int vocab_size = 0;
  int seq_len = 0;                // maximum positions (KV cache length)
  bool shared_classifier = true;  // classifier reuses the token embedding table

  int head_size() const { return dim / n_heads; }
  int kv_dim() const { return n_kv_heads * head_size(); }
  int kv_group() const { return n_heads / n_kv_heads; }  // query heads per KV head

  std::int64_t parameter_count() const;
  // Run-time state (KV cache, activations, attention scratch, logits) for one sequence.
  std::int64_t state_bytes(std::int64_t element_bytes) const;
};

// Largest run-time state a host model may allocate; a header asking for more is rejected.
inline constexpr std::int64_t kMaxLlamaStateBytes = std::int64_t{8} << 30;

// Largest accepted value for any single dimension; anything above is treated as corrupt input.
inline constexpr int kMaxLlamaDimension = 1 << 20;

// Checks positivity, limits and divisibility. `source` (a file path) prefixes the message.
Status validate_llama_config(const LlamaConfig& config, const std::string& source);

template <class T>
struct LlamaWeights {
  std::vector<T> token_embedding;  // (vocab_size, dim)
  std::vector<T> rms_att;          // (n_layers, dim)
  std::vector<T> wq;               // (n_layers, n_heads * head_size, dim)
  std::vector<T> wk;               // (n_layers, n_kv_heads * head_size, dim)
  std::vector<T> wv;               // (n_layers, n_kv_heads * head_size, dim)
  std::vector<T> wo;               // (n_layers, dim, n_heads * head_size)
  std::vector<T> rms_ffn;          // (n_layers, dim)
  std::vector<T> w1;               // (n_layers, hidden_dim, dim)   gate
  std::vector<T> w2;               // (n_layers, dim, hidden_dim)   down
  std::vector<T> w3;               // (n_layers, hidden_dim, dim)   up
  std::vector<T> rms_final;        // (dim)
  std::vector<T> classifier;       // (vocab_size, dim); empty when shared with token_embedding

  const T* classifier_data() const {
    return classifier.empty() ? token_embedding.data() : classifier.data();
  }
};

// Calls f(a.tensor, b.tensor) for every tensor kind, in declaration order.
template <class WeightsA, class WeightsB, class F>
void zip_llama_tensors(WeightsA& a, WeightsB& b, F f) {
  f(a.token_embedding, b.token_embedding);
  f(a.rms_att, b.rms_att);
  f(a.wq, b.wq);
  f(a.wk, b.wk);
  f(a.wv, b.wv);
  f(a.wo, b.wo);
  f(a.rms_ffn, b.rms_ffn);
  f(a.w1, b.w1);
  f(a.w2, b.w2);
  f(a.w3, b.w3);
  f(a.rms_final, b.rms_final);
  f(a.classifier, b.classifier);
}

// Allocates every tensor of `weights` at the sizes `config` implies (zero-filled).
template <class T>
void resize_llama_weights(const LlamaConfig& config, LlamaWeights<T>& weights);

// Element-wise conversion between storage types (f32 -> bf16 rounds to nearest even).
template <class To, class From>
LlamaWeights<To> convert_llama_weights(const LlamaWeights<From>& weights);

}  // namespace bfedge::models
