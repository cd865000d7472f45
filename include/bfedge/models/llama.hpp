// LLaMA decoder forward pass (llama2.c family): RMSNorm, RoPE, grouped-query attention with a
// KV cache, SwiGLU FFN, tied or separate classifier. One position per call (decode).
//
// Llama<float> is the reference path and follows run.c's arithmetic order exactly.
// Llama<bf16> keeps weights, activations and the KV cache in BF16 and accumulates every dot
// product and reduction in FP32; attention scores and logits stay FP32.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "bfedge/core/bf16.hpp"
#include "bfedge/core/dtype.hpp"
#include "bfedge/core/status.hpp"
#include "bfedge/models/llama_config.hpp"
#include "bfedge/runtime/cluster.hpp"

namespace bfedge::models {

template <class T>
struct LlamaState {
  std::vector<T> x;            // (dim) residual stream
  std::vector<T> xb;           // (dim) normed input, then attention output
  std::vector<T> xb2;          // (dim) projection output
  std::vector<T> q;            // (dim) query
  std::vector<T> hb;           // (hidden_dim) FFN gate, then SwiGLU output
  std::vector<T> hb2;          // (hidden_dim) FFN up
  std::vector<T> key_cache;    // (n_layers, seq_len, kv_dim)
  std::vector<T> value_cache;  // (n_layers, seq_len, kv_dim)
  std::vector<float> att;      // (n_heads, seq_len + head_size) attention scratch
  std::vector<float> logits;   // (vocab_size)
};

// cos/sin of every (position, pair) RoPE uses, computed as run.c does: theta = 10000.
struct RopeTable {
  std::vector<float> cos;  // (seq_len, head_size / 2)
  std::vector<float> sin;  // (seq_len, head_size / 2)
};
RopeTable make_rope_table(int seq_len, int head_size);

template <class T>
class Llama {
 public:
  // Allocates the state once; forward() never allocates.
  Llama(LlamaConfig config, LlamaWeights<T> weights);

  const LlamaConfig& config() const { return config_; }
  const LlamaWeights<T>& weights() const { return weights_; }

  // Logits for the next token after `token` at position `pos` (0 <= pos < seq_len).
  // Positions must be fed in order: the KV cache holds positions 0..pos-1.
  std::span<float> forward(int token, int pos, runtime::HostCluster& cluster);

 private:
  void attention_block(int layer, int pos, runtime::HostCluster& cluster);
  void ffn_block(int layer, runtime::HostCluster& cluster);

  LlamaConfig config_;
  LlamaWeights<T> weights_;
  LlamaState<T> state_;
  RopeTable rope_;
};

}  // namespace bfedge::models
