#include "bfedge/models/llama.hpp"

#include <algorithm>
#include <cmath>

#include "bfedge/kernels/ref.hpp"

namespace bfedge::models {

namespace k = kernels::ref;
using runtime::split_range;

RopeTable make_rope_table(int seq_len, int head_size) {
  const int pairs = head_size / 2;
  RopeTable table;
  table.cos.resize(static_cast<std::size_t>(seq_len) * pairs);
  table.sin.resize(table.cos.size());
  std::vector<float> freq(static_cast<std::size_t>(pairs));
  for (int pair = 0; pair < pairs; ++pair) {
    freq[pair] = 1.0f / std::pow(10000.0f, static_cast<float>(2 * pair) / static_cast<float>(head_size));
  }
  for (int pos = 0; pos < seq_len; ++pos) {
    for (int pair = 0; pair < pairs; ++pair) {
      const float angle = static_cast<float>(pos) * freq[pair];
      table.cos[static_cast<std::size_t>(pos) * pairs + pair] = std::cos(angle);
      table.sin[static_cast<std::size_t>(pos) * pairs + pair] = std::sin(angle);
    }
  }
  return table;
}

template <class T>
Llama<T>::Llama(LlamaConfig config, LlamaWeights<T> weights)
    : config_(config), weights_(std::move(weights)) {
  const std::size_t dim = config_.dim, hidden = config_.hidden_dim;
  const std::size_t cache =
      static_cast<std::size_t>(config_.n_layers) * config_.seq_len * config_.kv_dim();
  state_.x.resize(dim);
  state_.xb.resize(dim);
  state_.xb2.resize(dim);
  state_.q.resize(dim);
  state_.hb.resize(hidden);
  state_.hb2.resize(hidden);
  state_.key_cache.resize(cache);
  state_.value_cache.resize(cache);
  state_.att.resize(static_cast<std::size_t>(config_.n_heads) *
                    (config_.seq_len + config_.head_size()));
  state_.logits.resize(static_cast<std::size_t>(config_.vocab_size));
  rope_ = make_rope_table(config_.seq_len, config_.head_size());
}

// y = W x with the rows of W split over the cluster's cores.
template <class Out, class T>
static void parallel_matvec(runtime::HostCluster& cluster, Out* out, const T* w, const T* x, int in,
                            int rows) {
  cluster.fork([&](const runtime::Team& team) {
    const runtime::Range r = split_range(rows, team.core, team.cores);
    k::matvec(out, w, x, in, r.begin, r.end);
  });
}

template <class T>
void Llama<T>::attention_block(int layer, int pos, runtime::HostCluster& cluster) {
  const LlamaConfig& c = config_;
  LlamaState<T>& s = state_;
  const int dim = c.dim, kv_dim = c.kv_dim(), head_size = c.head_size();
  const std::size_t l = static_cast<std::size_t>(layer);
  const std::size_t layer_cache = l * c.seq_len * kv_dim;
  T* k_row = s.key_cache.data() + layer_cache + static_cast<std::size_t>(pos) * kv_dim;
  T* v_row = s.value_cache.data() + layer_cache + static_cast<std::size_t>(pos) * kv_dim;

  k::rmsnorm(s.xb.data(), s.x.data(), weights_.rms_att.data() + l * dim, dim);
  parallel_matvec(cluster, s.q.data(), weights_.wq.data() + l * dim * dim, s.xb.data(), dim, dim);
  parallel_matvec(cluster, k_row, weights_.wk.data() + l * kv_dim * dim, s.xb.data(), dim, kv_dim);
  parallel_matvec(cluster, v_row, weights_.wv.data() + l * kv_dim * dim, s.xb.data(), dim, kv_dim);

  const std::size_t rope_row = static_cast<std::size_t>(pos) * (head_size / 2);
  k::rope(s.q.data(), k_row, rope_.cos.data() + rope_row, rope_.sin.data() + rope_row, dim, kv_dim,
          head_size);

  // Each query head attends over its KV head (grouped-query attention); heads split over cores.
  cluster.fork([&](const runtime::Team& team) {
    const runtime::Range heads = split_range(c.n_heads, team.core, team.cores);
    for (int h = heads.begin; h < heads.end; ++h) {
      const std::size_t kv_offset =
          layer_cache + static_cast<std::size_t>(h / c.kv_group()) * head_size;
      k::attention_head(s.xb.data() + h * head_size, s.q.data() + h * head_size,
                        s.key_cache.data() + kv_offset, s.value_cache.data() + kv_offset, kv_dim,
                        pos + 1, head_size,
                        s.att.data() + static_cast<std::size_t>(h) * (c.seq_len + head_size));
    }
  });

  parallel_matvec(cluster, s.xb2.data(), weights_.wo.data() + l * dim * dim, s.xb.data(), dim, dim);
  k::add(s.x.data(), s.xb2.data(), dim);
}

template <class T>
void Llama<T>::ffn_block(int layer, runtime::HostCluster& cluster) {
  const LlamaConfig& c = config_;
  LlamaState<T>& s = state_;
  const int dim = c.dim, hidden = c.hidden_dim;
  const std::size_t l = static_cast<std::size_t>(layer);

  k::rmsnorm(s.xb.data(), s.x.data(), weights_.rms_ffn.data() + l * dim, dim);
  parallel_matvec(cluster, s.hb.data(), weights_.w1.data() + l * hidden * dim, s.xb.data(), dim,
                  hidden);
  parallel_matvec(cluster, s.hb2.data(), weights_.w3.data() + l * hidden * dim, s.xb.data(), dim,
                  hidden);
  k::swiglu(s.hb.data(), s.hb2.data(), hidden);
  parallel_matvec(cluster, s.xb.data(), weights_.w2.data() + l * dim * hidden, s.hb.data(), hidden,
                  dim);
  k::add(s.x.data(), s.xb.data(), dim);
}

template <class T>
std::span<float> Llama<T>::forward(int token, int pos, runtime::HostCluster& cluster) {
  const int dim = config_.dim;
  const T* embedding = weights_.token_embedding.data() + static_cast<std::size_t>(token) * dim;
  std::copy(embedding, embedding + dim, state_.x.begin());

  for (int layer = 0; layer < config_.n_layers; ++layer) {
    attention_block(layer, pos, cluster);
    ffn_block(layer, cluster);
  }

  k::rmsnorm(state_.x.data(), state_.x.data(), weights_.rms_final.data(), dim);
  parallel_matvec(cluster, state_.logits.data(), weights_.classifier_data(), state_.x.data(), dim,
                  config_.vocab_size);
  return state_.logits;
}

template class Llama<float>;
template class Llama<bf16>;

}  // namespace bfedge::models
