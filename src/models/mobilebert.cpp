// MobileBERT weights from a safetensors table, and the FP32 reference forward pass
// (Hugging Face MobileBertForSequenceClassification, eval mode).
#include "bfedge/models/mobilebert.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "bfedge/core/bf16.hpp"
#include "bfedge/io/safetensors.hpp"
#include "weight_reader.hpp"

namespace bfedge::models {
namespace {

// Reads tensors by HF name out of a table already checked against the specs.
class TensorReader : public WeightReader {
 public:
  using WeightReader::WeightReader;

  template <class T>
  void linear(const std::string& prefix, MobileBertLinear<T>& l) {
    l.weight = get(prefix + ".weight");
    l.bias = get(prefix + ".bias");
  }
  void norm(const std::string& prefix, MobileBertNorm& n) {
    n.weight = get(prefix + ".weight");
    n.bias = get(prefix + ".bias");
  }
};

// ---- FP32 building blocks over row-major (rows, features) activations ----

// y (rows, out) = x (rows, in) · Wᵀ + b, float accumulation.
std::vector<float> linear(const std::vector<float>& x, std::size_t rows,
                          const MobileBertLinear<float>& l) {
  const std::size_t out = l.bias.size(), in = l.weight.size() / out;
  std::vector<float> y(rows * out);
  for (std::size_t r = 0; r < rows; ++r) {
    const float* xr = x.data() + r * in;
    for (std::size_t o = 0; o < out; ++o) {
      const float* w = l.weight.data() + o * in;
      float acc = 0.0f;
      for (std::size_t i = 0; i < in; ++i) acc += xr[i] * w[i];
      y[r * out + o] = acc + l.bias[o];
    }
  }
  return y;
}

// In place: NoNorm (x · w + b) or LayerNorm (biased variance, `eps`) over each row.
void normalize(std::vector<float>& x, const MobileBertNorm& n, MobileBertNormalization type,
               double eps) {
  const std::size_t features = n.weight.size(), rows = x.size() / features;
  for (std::size_t r = 0; r < rows; ++r) {
    float* xr = x.data() + r * features;
    if (type == MobileBertNormalization::no_norm) {
      for (std::size_t i = 0; i < features; ++i) xr[i] = xr[i] * n.weight[i] + n.bias[i];
      continue;
    }
    double mean = 0.0, var = 0.0;
    for (std::size_t i = 0; i < features; ++i) mean += xr[i];
    mean /= static_cast<double>(features);
    for (std::size_t i = 0; i < features; ++i) var += (xr[i] - mean) * (xr[i] - mean);
    var /= static_cast<double>(features);
    const double inv = 1.0 / std::sqrt(var + eps);
    for (std::size_t i = 0; i < features; ++i) {
      xr[i] = static_cast<float>((xr[i] - mean) * inv) * n.weight[i] + n.bias[i];
    }
  }
}

void add_in_place(std::vector<float>& x, const std::vector<float>& y) {
  for (std::size_t i = 0; i < x.size(); ++i) x[i] += y[i];
}

void activate(std::vector<float>& x, MobileBertActivation act) {
  for (float& v : x) {
    if (act == MobileBertActivation::relu) {
      v = std::max(v, 0.0f);
    } else {  // HF "gelu": the exact erf form
      v = static_cast<float>(0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))));
    }
  }
}

// norm(dense(x) + residual)
std::vector<float> dense_residual_norm(const std::vector<float>& x, std::size_t rows,
                                       const MobileBertLinear<float>& dense,
                                       const std::vector<float>& residual,
                                       const MobileBertNorm& n, MobileBertNormalization type,
                                       double eps) {
  std::vector<float> y = linear(x, rows, dense);
  add_in_place(y, residual);
  normalize(y, n, type, eps);
  return y;
}

// Multi-head attention per sequence: q, k (rows, T), v (rows, T) → context (rows, T).
std::vector<float> attention(const MobileBertConfig& c, const std::vector<float>& q,
                             const std::vector<float>& k, const std::vector<float>& v,
                             const std::vector<float>& mask_bias, int batch, int seq) {
  const std::size_t t = static_cast<std::size_t>(c.true_hidden_size());
  const std::size_t heads = static_cast<std::size_t>(c.num_attention_heads);
  const std::size_t hs = static_cast<std::size_t>(c.attention_head_size());
  const std::size_t n = static_cast<std::size_t>(seq);
  const float scale = static_cast<float>(std::sqrt(static_cast<double>(hs)));
  std::vector<float> context(static_cast<std::size_t>(batch) * n * t, 0.0f);
  std::vector<float> scores(n);
  for (std::size_t b = 0; b < static_cast<std::size_t>(batch); ++b) {
    for (std::size_t h = 0; h < heads; ++h) {
      for (std::size_t i = 0; i < n; ++i) {
        const float* qi = q.data() + (b * n + i) * t + h * hs;
        float max_score = -std::numeric_limits<float>::infinity();
        for (std::size_t j = 0; j < n; ++j) {
          const float* kj = k.data() + (b * n + j) * t + h * hs;
          float dot = 0.0f;
          for (std::size_t d = 0; d < hs; ++d) dot += qi[d] * kj[d];
          scores[j] = dot / scale + mask_bias[b * n + j];
          max_score = std::max(max_score, scores[j]);
        }
        double sum = 0.0;
        for (float& s : scores) sum += (s = std::exp(s - max_score));
        float* out = context.data() + (b * n + i) * t + h * hs;
        for (std::size_t j = 0; j < n; ++j) {
          const float p = static_cast<float>(scores[j] / sum);
          const float* vj = v.data() + (b * n + j) * t + h * hs;
          for (std::size_t d = 0; d < hs; ++d) out[d] += p * vj[d];
        }
      }
    }
  }
  return context;
}

}  // namespace

Status check_mobilebert_inputs(const MobileBertConfig& c, const MobileBertInputs& in) {
  if (in.batch < 1 || in.seq < 1) return invalid_argument("mobilebert: batch and seq must be >= 1");
  if (in.seq > c.max_position_embeddings) {
    return invalid_argument("mobilebert: seq " + std::to_string(in.seq) +
                            " exceeds max_position_embeddings " +
                            std::to_string(c.max_position_embeddings));
  }
  const std::size_t count = static_cast<std::size_t>(in.batch) * static_cast<std::size_t>(in.seq);
  const auto check = [&](std::span<const int> values, const char* what, int limit, bool optional) {
    if (values.empty() && optional) return Status::ok();
    if (values.size() != count) {
      return invalid_argument(std::string("mobilebert: ") + what + " has " +
                              std::to_string(values.size()) + " values, batch * seq is " +
                              std::to_string(count));
    }
    for (std::size_t i = 0; i < count; ++i) {
      if (values[i] < 0 || values[i] >= limit) {
        return invalid_argument(std::string("mobilebert: ") + what + "[" + std::to_string(i) +
                                "] = " + std::to_string(values[i]) + " is outside [0, " +
                                std::to_string(limit) + ")");
      }
    }
    return Status::ok();
  };
  BFEDGE_RETURN_IF_ERROR(check(in.input_ids, "input_ids", c.vocab_size, false));
  BFEDGE_RETURN_IF_ERROR(check(in.attention_mask, "attention_mask", 2, true));
  BFEDGE_RETURN_IF_ERROR(check(in.token_type_ids, "token_type_ids", c.type_vocab_size, true));
  return Status::ok();
}

namespace {

// The embeddings' output (batch * seq, H).
std::vector<float> embed(const MobileBertConfig& c, const MobileBertWeights<float>& w,
                         const MobileBertInputs& in) {
  const std::size_t e = static_cast<std::size_t>(c.embedding_size);
  const std::size_t h = static_cast<std::size_t>(c.hidden_size);
  const std::size_t n = static_cast<std::size_t>(in.seq);
  const std::size_t rows = static_cast<std::size_t>(in.batch) * n;
  const std::size_t width = c.trigram_input ? 3 * e : e;
  std::vector<float> x(rows * width, 0.0f);
  const auto word = [&](std::size_t row) {
    return w.word_embeddings.data() + static_cast<std::size_t>(in.input_ids[row]) * e;
  };
  for (std::size_t b = 0; b < static_cast<std::size_t>(in.batch); ++b) {
    for (std::size_t t = 0; t < n; ++t) {
      const std::size_t row = b * n + t;
      float* dst = x.data() + row * width;
      if (!c.trigram_input) {
        std::copy(word(row), word(row) + e, dst);
        continue;
      }
      if (t + 1 < n) std::copy(word(row + 1), word(row + 1) + e, dst);      // next token
      std::copy(word(row), word(row) + e, dst + e);                         // this token
      if (t > 0) std::copy(word(row - 1), word(row - 1) + e, dst + 2 * e);  // previous token
    }
  }
  std::vector<float> y =
      (c.trigram_input || e != h) ? linear(x, rows, w.embedding_transformation) : std::move(x);
  for (std::size_t row = 0; row < rows; ++row) {
    const std::size_t pos = row % n;
    const std::size_t type =
        in.token_type_ids.empty() ? 0 : static_cast<std::size_t>(in.token_type_ids[row]);
    for (std::size_t i = 0; i < h; ++i) {
      y[row * h + i] = y[row * h + i] + w.position_embeddings[pos * h + i] +
                       w.token_type_embeddings[type * h + i];
    }
  }
  normalize(y, w.embedding_norm, c.normalization_type, kMobileBertDefaultNormEps);
  return y;
}

// One encoder layer: hidden (rows, H) → (rows, H).
std::vector<float> encoder_layer(const MobileBertConfig& c, const MobileBertLayerWeights<float>& l,
                                 const std::vector<float>& hidden,
                                 const std::vector<float>& mask_bias, int batch, int seq) {
  const std::size_t rows = static_cast<std::size_t>(batch) * static_cast<std::size_t>(seq);
  const MobileBertNormalization nt = c.normalization_type;
  const double eps = c.layer_norm_eps;

  std::vector<float> layer_input = hidden, qk_input = hidden;
  const std::vector<float>* value_input = &hidden;
  if (c.use_bottleneck) {
    layer_input = linear(hidden, rows, l.bottleneck_input);
    normalize(layer_input, l.bottleneck_input_norm, nt, eps);
    if (c.use_bottleneck_attention) {
      qk_input = layer_input;
      value_input = &layer_input;
    } else {  // key_query_shared_bottleneck (validate_mobilebert_config refuses the rest)
      qk_input = linear(hidden, rows, l.bottleneck_attention);
      normalize(qk_input, l.bottleneck_attention_norm, nt, eps);
    }
  }
  const std::vector<float> q = linear(qk_input, rows, l.query);
  const std::vector<float> k = linear(qk_input, rows, l.key);
  const std::vector<float> v = linear(*value_input, rows, l.value);
  const std::vector<float> context = attention(c, q, k, v, mask_bias, batch, seq);
  std::vector<float> a = dense_residual_norm(context, rows, l.attention_output, layer_input,
                                             l.attention_norm, nt, eps);

  for (const MobileBertFfnWeights<float>& f : l.ffn) {
    std::vector<float> inner = linear(a, rows, f.intermediate);
    activate(inner, c.hidden_act);
    a = dense_residual_norm(inner, rows, f.output, a, f.output_norm, nt, eps);
  }
  std::vector<float> inner = linear(a, rows, l.intermediate);
  activate(inner, c.hidden_act);
  std::vector<float> out =
      dense_residual_norm(inner, rows, l.output, a, l.output_norm, nt, kMobileBertDefaultNormEps);
  if (!c.use_bottleneck) return out;
  return dense_residual_norm(out, rows, l.output_bottleneck, hidden, l.output_bottleneck_norm, nt,
                             eps);
}

}  // namespace

Result<MobileBertWeights<float>> mobilebert_weights_from_table(const MobileBertConfig& c,
                                                               const io::TensorTable& table,
                                                               const std::string& source) {
  BFEDGE_RETURN_IF_ERROR(
      check_mobilebert_tensors(c, MobileBertHead::sequence_classification, table, source));
  TensorReader r(table, source);
  MobileBertWeights<float> w;
  const std::string m = "mobilebert.";
  w.word_embeddings = r.get(m + "embeddings.word_embeddings.weight");
  w.position_embeddings = r.get(m + "embeddings.position_embeddings.weight");
  w.token_type_embeddings = r.get(m + "embeddings.token_type_embeddings.weight");
  r.linear(m + "embeddings.embedding_transformation", w.embedding_transformation);
  r.norm(m + "embeddings.LayerNorm", w.embedding_norm);
  w.layers.resize(static_cast<std::size_t>(c.num_hidden_layers));
  for (int i = 0; i < c.num_hidden_layers; ++i) {
    MobileBertLayerWeights<float>& l = w.layers[static_cast<std::size_t>(i)];
    const std::string p = m + "encoder.layer." + std::to_string(i) + ".";
    if (c.use_bottleneck) {
      r.linear(p + "bottleneck.input.dense", l.bottleneck_input);
      r.norm(p + "bottleneck.input.LayerNorm", l.bottleneck_input_norm);
      if (c.key_query_shared_bottleneck) {
        r.linear(p + "bottleneck.attention.dense", l.bottleneck_attention);
        r.norm(p + "bottleneck.attention.LayerNorm", l.bottleneck_attention_norm);
      }
      r.linear(p + "output.bottleneck.dense", l.output_bottleneck);
      r.norm(p + "output.bottleneck.LayerNorm", l.output_bottleneck_norm);
    }
    r.linear(p + "attention.self.query", l.query);
    r.linear(p + "attention.self.key", l.key);
    r.linear(p + "attention.self.value", l.value);
    r.linear(p + "attention.output.dense", l.attention_output);
    r.norm(p + "attention.output.LayerNorm", l.attention_norm);
    l.ffn.resize(static_cast<std::size_t>(c.num_feedforward_networks - 1));
    for (std::size_t k = 0; k < l.ffn.size(); ++k) {
      const std::string f = p + "ffn." + std::to_string(k) + ".";
      r.linear(f + "intermediate.dense", l.ffn[k].intermediate);
      r.linear(f + "output.dense", l.ffn[k].output);
      r.norm(f + "output.LayerNorm", l.ffn[k].output_norm);
    }
    r.linear(p + "intermediate.dense", l.intermediate);
    r.linear(p + "output.dense", l.output);
    r.norm(p + "output.LayerNorm", l.output_norm);
  }
  if (c.classifier_activation) r.linear(m + "pooler.dense", w.pooler);
  r.linear("classifier", w.classifier);
  if (!r.status().is_ok()) return r.status();
  return w;
}

Result<MobileBertModel> load_mobilebert(const std::string& dir) {
  const std::string config_path = dir + "/config.json";
  const std::string weights_path = dir + "/model.safetensors";
  Result<MobileBertConfig> config = load_mobilebert_config(config_path);
  if (!config.is_ok()) return config.status();
  Result<io::TensorTable> table = io::load_safetensors(weights_path);
  if (!table.is_ok()) return table.status();
  Result<MobileBertWeights<float>> weights =
      mobilebert_weights_from_table(config.value(), table.value(), weights_path);
  if (!weights.is_ok()) return weights.status();
  return MobileBertModel{std::move(config).value(), std::move(weights).value()};
}

Result<MobileBertOutputs> mobilebert_forward_f32(const MobileBertConfig& c,
                                                 const MobileBertWeights<float>& w,
                                                 const MobileBertInputs& in,
                                                 bool keep_hidden_states) {
  BFEDGE_RETURN_IF_ERROR(check_mobilebert_inputs(c, in));
  if (w.layers.size() != static_cast<std::size_t>(c.num_hidden_layers)) {
    return invalid_argument("mobilebert: weights have " + std::to_string(w.layers.size()) +
                            " layers, config " + std::to_string(c.num_hidden_layers));
  }
  const std::size_t n = static_cast<std::size_t>(in.seq);
  const std::size_t rows = static_cast<std::size_t>(in.batch) * n;
  const std::size_t h = static_cast<std::size_t>(c.hidden_size);
  // HF: (1.0 - mask) * torch.finfo(float32).min, added to the scaled scores.
  std::vector<float> mask_bias(rows, 0.0f);
  for (std::size_t i = 0; i < rows && !in.attention_mask.empty(); ++i) {
    mask_bias[i] =
        static_cast<float>(1 - in.attention_mask[i]) * std::numeric_limits<float>::lowest();
  }

  MobileBertOutputs out;
  std::vector<float> hidden = embed(c, w, in);
  if (keep_hidden_states) out.hidden_states.push_back(hidden);
  for (const MobileBertLayerWeights<float>& layer : w.layers) {
    hidden = encoder_layer(c, layer, hidden, mask_bias, in.batch, in.seq);
    if (keep_hidden_states) out.hidden_states.push_back(hidden);
  }
  std::vector<float> first(static_cast<std::size_t>(in.batch) * h);
  for (std::size_t b = 0; b < static_cast<std::size_t>(in.batch); ++b) {
    std::copy_n(hidden.begin() + static_cast<std::ptrdiff_t>(b * n * h), h,
                first.begin() + static_cast<std::ptrdiff_t>(b * h));
  }
  if (c.classifier_activation) {
    first = linear(first, static_cast<std::size_t>(in.batch), w.pooler);
    for (float& v : first) v = std::tanh(v);
  }
  out.logits = linear(first, static_cast<std::size_t>(in.batch), w.classifier);
  return out;
}

}  // namespace bfedge::models
