#include "bfedge/models/llama_config.hpp"

#include <algorithm>

#include "bfedge/core/bf16.hpp"

namespace bfedge::models {

std::int64_t LlamaConfig::parameter_count() const {
  const std::int64_t d = dim, h = hidden_dim, kv = kv_dim(), layers = n_layers, v = vocab_size;
  const std::int64_t per_layer = 2 * d + 2 * d * d + 2 * d * kv + 3 * d * h;
  return v * d + layers * per_layer + d + (shared_classifier ? 0 : v * d);
}

std::int64_t LlamaConfig::state_bytes(std::int64_t element_bytes) const {
  const std::int64_t kv_cache = 2LL * n_layers * seq_len * kv_dim();
  const std::int64_t activations = 4LL * dim + 2LL * hidden_dim;
  const std::int64_t f32_scratch =
      static_cast<std::int64_t>(n_heads) * (seq_len + head_size()) + vocab_size;
  return (kv_cache + activations) * element_bytes + 4 * f32_scratch;
}

Status validate_llama_config(const LlamaConfig& c, const std::string& source) {
  const struct {
    const char* name;
    int value;
  } fields[] = {{"dim", c.dim},         {"hidden_dim", c.hidden_dim}, {"n_layers", c.n_layers},
                {"n_heads", c.n_heads}, {"n_kv_heads", c.n_kv_heads}, {"vocab_size", c.vocab_size},
                {"seq_len", c.seq_len}};
  for (const auto& f : fields) {
    if (f.value <= 0) {
      return format_error(source + ": " + f.name + " is " + std::to_string(f.value) +
                          ", must be positive");
    }
    if (f.value > kMaxLlamaDimension) {
      return format_error(source + ": " + f.name + " is " + std::to_string(f.value) +
                          ", larger than the accepted maximum " +
                          std::to_string(kMaxLlamaDimension));
    }
  }
  if (c.dim % c.n_heads != 0) {
    return format_error(source + ": n_heads (" + std::to_string(c.n_heads) +
                        ") does not divide dim (" + std::to_string(c.dim) + ")");
  }
  if (c.n_heads % c.n_kv_heads != 0) {
    return format_error(source + ": n_kv_heads (" + std::to_string(c.n_kv_heads) +
                        ") does not divide n_heads (" + std::to_string(c.n_heads) + ")");
  }
  if (c.head_size() % 2 != 0) {
    return format_error(source + ": head size " + std::to_string(c.head_size()) +
                        " is odd; RoPE rotates pairs");
  }
  return Status::ok();
}

template <class T>
void resize_llama_weights(const LlamaConfig& c, LlamaWeights<T>& w) {
  const std::size_t d = c.dim, h = c.hidden_dim, kv = c.kv_dim(), l = c.n_layers, v = c.vocab_size;
  w.token_embedding.assign(v * d, T{});
  w.rms_att.assign(l * d, T{});
  w.wq.assign(l * d * d, T{});
  w.wk.assign(l * kv * d, T{});
  w.wv.assign(l * kv * d, T{});
  w.wo.assign(l * d * d, T{});
  w.rms_ffn.assign(l * d, T{});
  w.w1.assign(l * h * d, T{});
  w.w2.assign(l * d * h, T{});
  w.w3.assign(l * h * d, T{});
  w.rms_final.assign(d, T{});
  w.classifier.assign(c.shared_classifier ? 0 : v * d, T{});
}

template <class To, class From>
LlamaWeights<To> convert_llama_weights(const LlamaWeights<From>& w) {
  LlamaWeights<To> out;
  zip_llama_tensors(out, w, [](std::vector<To>& dst, const std::vector<From>& src) {
    dst.resize(src.size());
    std::transform(src.begin(), src.end(), dst.begin(),
                   [](From x) { return from_f32<To>(to_f32(x)); });
  });
  return out;
}

template void resize_llama_weights(const LlamaConfig&, LlamaWeights<float>&);
template void resize_llama_weights(const LlamaConfig&, LlamaWeights<bf16>&);
template LlamaWeights<bf16> convert_llama_weights(const LlamaWeights<float>&);
template LlamaWeights<float> convert_llama_weights(const LlamaWeights<bf16>&);
template LlamaWeights<float> convert_llama_weights(const LlamaWeights<float>&);

}  // namespace bfedge::models
