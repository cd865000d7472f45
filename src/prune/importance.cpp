// Width spaces by tensor name (the planners' rules, read the other way: tests/prune check that the
// two agree), importance accumulated over them, and keep lists from importance.
#include "bfedge/prune/importance.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>

namespace bfedge::prune {
namespace {

using Indices = std::vector<int>;

DimSpace identity(const std::string& space, std::int64_t size) { return {space, first_indices(static_cast<int>(size))}; }
DimSpace none() { return {}; }

// Dimensions of a 1-D or 2-D tensor: (rows, cols) spaces, identity maps.
std::vector<DimSpace> dims_of(const std::vector<std::int64_t>& shape, const std::string& rows, const std::string& cols = "") {
  std::vector<DimSpace> d;
  d.push_back(rows.empty() ? none() : identity(rows, shape[0]));
  if (shape.size() > 1) d.push_back(cols.empty() ? none() : identity(cols, shape[1]));
  for (std::size_t i = 2; i < shape.size(); ++i) d.push_back(none());
  return d;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// The MobileBERT rules of mobilebert_prune.cpp's Planner, by HF name.
TensorSpaces mobilebert_tensor(const models::MobileBertConfig& c, const models::MobileBertTensorSpec& spec) {
  TensorSpaces t{spec.name, spec.shape, {}, ""};
  const std::string& n = spec.name;
  const bool weight = ends_with(n, ".weight") && spec.shape.size() == 2;
  const auto linear = [&](const std::string& rows, const std::string& cols) {
    t.dims = weight ? dims_of(spec.shape, rows, cols) : dims_of(spec.shape, rows);
  };
  if (spec.component == models::MobileBertComponent::layer) {
    const std::string l = "layer." + std::to_string(spec.layer) + ".";
    t.structure = "layer." + std::to_string(spec.layer);
    const bool shared = c.key_query_shared_bottleneck && !c.use_bottleneck_attention;
    const std::string stream = l + "stream", attention = l + "attention", qk_in = shared ? l + "shared_qk" : stream;
    const std::size_t ffn_at = n.find(".ffn.");
    if (ffn_at != std::string::npos) {
      const std::string k = n.substr(ffn_at + 5, n.find('.', ffn_at + 5) - ffn_at - 5);
      t.structure += ".ffn." + k;
      const std::string inter = l + "ffn." + k + ".intermediate";
      if (has(n, "intermediate.dense")) linear(inter, stream);
      else if (has(n, "output.dense")) linear(stream, inter);
      else linear(stream, "");  // output.LayerNorm
    } else if (has(n, "attention.self.query") || has(n, "attention.self.key")) {
      linear(attention, qk_in);
    } else if (has(n, "attention.self.value")) {
      linear(attention, c.use_bottleneck_attention ? stream : "hidden");
    } else if (has(n, "attention.output.dense")) {
      linear(stream, attention);
    } else if (has(n, "intermediate.dense")) {
      linear(l + "intermediate", stream);
    } else if (has(n, "output.bottleneck.dense")) {
      linear("hidden", stream);
    } else if (has(n, "output.bottleneck.LayerNorm")) {
      linear("hidden", "");
    } else if (has(n, "output.dense")) {
      linear(stream, l + "intermediate");
    } else if (has(n, "bottleneck.input.dense")) {
      linear(stream, "hidden");
    } else if (has(n, "bottleneck.attention.dense")) {
      linear(shared ? l + "shared_qk" : stream, "hidden");
    } else if (has(n, "bottleneck.attention.LayerNorm")) {
      linear(shared ? l + "shared_qk" : stream, "");
    } else {  // attention.output.LayerNorm, output.LayerNorm, bottleneck.input.LayerNorm
      linear(stream, "");
    }
    return t;
  }
  if (has(n, "word_embeddings")) {
    t.dims = dims_of(spec.shape, "vocab", "embedding");
  } else if (has(n, "position_embeddings") || has(n, "token_type_embeddings")) {
    t.dims = dims_of(spec.shape, "", "hidden");
  } else if (has(n, "embedding_transformation")) {
    linear("hidden", "embedding");
    if (weight) {  // each third of the trigram columns indexes the same embedding channels
      for (int& i : t.dims[1].index) i %= c.embedding_size;
    }
  } else if (has(n, "embeddings.LayerNorm")) {
    linear("hidden", "");
  } else if (has(n, "pooler.dense")) {
    linear("pooled", "hidden");
  } else {  // classifier
    linear("", c.classifier_activation ? "pooled" : "hidden");
  }
  return t;
}

// The TinyViT rules of tinyvit_prune.cpp's Planner, by timm name.
TensorSpaces tinyvit_tensor(const models::TinyVitConfig& c, const models::TinyVitTensorSpec& spec) {
  TensorSpaces t{spec.name, spec.shape, {}, ""};
  const std::string& n = spec.name;
  const auto conv = [&](const std::string& out, const std::string& in) {  // conv.weight or a BatchNorm vector
    t.dims = dims_of(spec.shape, out, spec.shape.size() == 4 && spec.shape[1] > 1 ? in : "");  // I64 counters are skipped
  };
  const auto linear = [&](const std::string& rows, const std::string& cols) {
    t.dims = spec.shape.size() == 2 ? dims_of(spec.shape, rows, cols) : dims_of(spec.shape, rows);
  };
  if (spec.component == models::TinyVitComponent::stem) {
    if (has(n, "conv1")) conv("stem", "");
    else conv("stage.0.channels", "stem");
    return t;
  }
  if (spec.component == models::TinyVitComponent::head) {
    const std::string last = "stage." + std::to_string(c.stages() - 1) + ".channels";
    if (has(n, "head.norm")) linear(last, "");
    else linear("", last);
    return t;
  }
  const int i = spec.stage;
  const std::string stage = "stage." + std::to_string(i) + ".", channels = stage + "channels";
  if (has(n, ".downsample.")) {
    const std::string previous = "stage." + std::to_string(i - 1) + ".channels", merge = stage + "merge";
    if (has(n, "conv1")) conv(merge, previous);
    else if (has(n, "conv2")) conv(merge, "");
    else conv(channels, merge);
    return t;
  }
  const std::size_t at = n.find(".blocks.") + 8;
  const std::string j = n.substr(at, n.find('.', at) - at);
  const std::string block = stage + "block." + j;
  t.structure = block;
  if (i == 0) {
    if (has(n, ".conv1.")) conv(block + ".hidden", channels);
    else if (has(n, ".conv2.")) conv(block + ".hidden", "");
    else conv(channels, block + ".hidden");
    return t;
  }
  const std::string attention = block + ".attention", mlp = block + ".mlp";
  if (has(n, "attention_biases")) {
    t.dims = dims_of(spec.shape, "");
  } else if (has(n, "attn.qkv")) {
    linear(attention, channels);
    const int kd = c.head_dim(i);
    for (int& r : t.dims[0].index) r = r / (3 * kd) * kd + r % kd;  // q, k, v of head h: rows h·3kd + part·kd + d
  } else if (has(n, "attn.proj")) {
    linear(channels, attention);
  } else if (has(n, "mlp.fc1")) {
    linear(mlp, channels);
  } else if (has(n, "mlp.fc2")) {
    linear(channels, mlp);
  } else if (has(n, "local_conv")) {
    conv(channels, "");
  } else {  // attn.norm, mlp.norm
    linear(channels, "");
  }
  return t;
}

// The k highest-scoring indices (ties to the lower index), in increasing order.
Indices top(const std::vector<double>& scores, int k) {
  Indices order = first_indices(static_cast<int>(scores.size()));
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return scores[static_cast<std::size_t>(a)] > scores[static_cast<std::size_t>(b)]; });
  order.resize(static_cast<std::size_t>(std::clamp(k, 0, static_cast<int>(order.size()))));
  std::sort(order.begin(), order.end());
  return order;
}

Result<const std::vector<double>*> space(const Importance& im, const std::string& name) {
  const auto it = im.spaces.find(name);
  if (it == im.spaces.end()) return invalid_argument("pruning: no importance for space \"" + name + "\"");
  return &it->second;
}

Result<Indices> top_of(const Importance& im, const std::string& name, int k) {
  Result<const std::vector<double>*> s = space(im, name);
  if (!s.is_ok()) return s.status();
  if (k < 1 || k > static_cast<int>(s.value()->size())) {
    return invalid_argument("pruning: " + name + " cannot keep " + std::to_string(k) + " of " +
                            std::to_string(s.value()->size()));
  }
  return top(*s.value(), k);
}

// Whole heads of `head_dim` by summed score, then `keep_dims` dimensions in each.
Result<Indices> top_heads(const Importance& im, const std::string& name, int head_dim, int heads, int keep_dims) {
  Result<const std::vector<double>*> s = space(im, name);
  if (!s.is_ok()) return s.status();
  const std::vector<double>& scores = *s.value();
  const int teacher_heads = static_cast<int>(scores.size()) / head_dim;
  if (heads < 1 || heads > teacher_heads || keep_dims < 1 || keep_dims > head_dim) {
    return invalid_argument("pruning: " + name + " cannot keep " + std::to_string(heads) + " heads of " +
                            std::to_string(keep_dims) + " (the teacher has " + std::to_string(teacher_heads) +
                            " of " + std::to_string(head_dim) + ")");
  }
  std::vector<double> per_head(static_cast<std::size_t>(teacher_heads), 0.0);
  for (std::size_t i = 0; i < scores.size(); ++i) per_head[i / static_cast<std::size_t>(head_dim)] += scores[i];
  Indices out;
  for (int h : top(per_head, heads)) {
    const std::vector<double> dims(scores.begin() + h * head_dim, scores.begin() + (h + 1) * head_dim);
    for (int d : top(dims, keep_dims)) out.push_back(h * head_dim + d);
  }
  return out;
}

double structure(const Importance& im, const std::string& name) {
  const auto it = im.structures.find(name);
  return it == im.structures.end() ? 0.0 : it->second;
}

}  // namespace

std::vector<TensorSpaces> mobilebert_spaces(const models::MobileBertConfig& c) {
  std::vector<TensorSpaces> out;
  for (const models::MobileBertTensorSpec& s : models::mobilebert_tensor_specs(c, models::MobileBertHead::sequence_classification)) {
    out.push_back(mobilebert_tensor(c, s));
  }
  return out;
}

std::vector<TensorSpaces> tinyvit_spaces(const models::TinyVitConfig& c) {
  std::vector<TensorSpaces> out;
  for (const models::TinyVitTensorSpec& s : models::tinyvit_tensor_specs(c)) {
    if (!s.is_i64) out.push_back(tinyvit_tensor(c, s));
  }
  return out;
}

Importance accumulate_importance(const std::vector<TensorSpaces>& tensors, const ElementScores& scores) {
  std::map<std::string, std::vector<double>> counts;
  Importance im;
  for (const TensorSpaces& t : tensors) {
    for (const DimSpace& d : t.dims) {
      if (d.space.empty()) continue;
      const int size = d.index.empty() ? 0 : *std::max_element(d.index.begin(), d.index.end()) + 1;
      for (auto* m : {&im.spaces[d.space], &counts[d.space]}) {
        if (static_cast<int>(m->size()) < size) m->resize(static_cast<std::size_t>(size), 0.0);
      }
    }
    const std::span<const float> s = scores(t);
    if (s.empty()) continue;
    std::vector<std::size_t> at(t.shape.size(), 0);
    double total = 0.0;
    for (float v : s) {
      total += v;
      for (std::size_t d = 0; d < t.dims.size(); ++d) {
        if (t.dims[d].space.empty()) continue;
        const std::size_t i = static_cast<std::size_t>(t.dims[d].index[at[d]]);
        im.spaces[t.dims[d].space][i] += v;
        counts[t.dims[d].space][i] += 1.0;
      }
      for (std::size_t d = at.size(); d-- > 0;) {
        if (++at[d] < static_cast<std::size_t>(t.shape[d])) break;
        at[d] = 0;
      }
    }
    // The structure and every enclosing one ("layer.3.ffn.1" also counts for "layer.3").
    for (std::size_t dot = t.structure.find('.'); !t.structure.empty(); dot = t.structure.find('.', dot + 1)) {
      const std::string prefix = dot == std::string::npos ? t.structure : t.structure.substr(0, dot);
      if (!prefix.empty() && std::isdigit(static_cast<unsigned char>(prefix.back()))) im.structures[prefix] += total;
      if (dot == std::string::npos) break;
    }
  }
  for (auto& [name, sums] : im.spaces) {
    const std::vector<double>& n = counts[name];
    for (std::size_t i = 0; i < sums.size(); ++i) sums[i] = n[i] > 0 ? sums[i] / n[i] : 0.0;
  }
  return im;
}

Result<Importance> magnitude_importance(const std::vector<TensorSpaces>& tensors, const io::TensorTable& table,
                                        const std::string& source) {
  std::map<std::string, std::vector<float>> magnitudes;
  for (const TensorSpaces& t : tensors) {
    const io::TensorEntry* e = table.find(t.name);
    if (e == nullptr) return invalid_argument(source + ": no tensor \"" + t.name + "\" to score");
    if (e->shape != t.shape) return invalid_argument(source + ": tensor \"" + t.name + "\" does not have the config's shape");
    Result<std::vector<float>> w = io::read_finite_floats(table, *e, source);
    if (!w.is_ok()) return w.status();
    for (float& x : w.value()) x = std::fabs(x);
    magnitudes[t.name] = std::move(w.value());
  }
  return accumulate_importance(tensors, [&](const TensorSpaces& t) { return std::span<const float>(magnitudes.at(t.name)); });
}

Result<MobileBertKeep> select_mobilebert_keep(const models::MobileBertConfig& t, const Importance& im,
                                              const MobileBertShape& shape) {
  if (shape.layers < 1 || shape.layers > t.num_hidden_layers || shape.ffns < 1 || shape.ffns > t.num_feedforward_networks) {
    return invalid_argument("pruning: cannot keep " + std::to_string(shape.layers) + " layers with " +
                            std::to_string(shape.ffns) + " FFNs each of the teacher's " +
                            std::to_string(t.num_hidden_layers) + " with " + std::to_string(t.num_feedforward_networks));
  }
  MobileBertKeep k;
  k.vocab = shape.vocab;
  k.positions = shape.positions;
  k.heads = shape.heads;
  const int width = shape.heads * shape.head_size;
  BFEDGE_ASSIGN_OR_RETURN(k.embedding, top_of(im, "embedding", shape.embedding));
  BFEDGE_ASSIGN_OR_RETURN(k.hidden, top_of(im, "hidden", shape.hidden));
  if (t.classifier_activation) BFEDGE_ASSIGN_OR_RETURN(k.pooled, top_of(im, "pooled", shape.hidden));
  std::vector<double> layer_scores;
  for (int l = 0; l < t.num_hidden_layers; ++l) layer_scores.push_back(structure(im, "layer." + std::to_string(l)));
  for (int l : top(layer_scores, shape.layers)) {
    const std::string p = "layer." + std::to_string(l) + ".";
    MobileBertLayerKeep layer;
    layer.teacher_layer = l;
    BFEDGE_ASSIGN_OR_RETURN(layer.stream, top_of(im, p + "stream", width));
    if (t.key_query_shared_bottleneck && !t.use_bottleneck_attention) {
      BFEDGE_ASSIGN_OR_RETURN(layer.shared_qk, top_of(im, p + "shared_qk", width));
    }
    BFEDGE_ASSIGN_OR_RETURN(layer.attention, top_heads(im, p + "attention", t.attention_head_size(), shape.heads, shape.head_size));
    std::vector<double> ffn_scores;
    for (int f = 0; f + 1 < t.num_feedforward_networks; ++f) ffn_scores.push_back(structure(im, p + "ffn." + std::to_string(f)));
    layer.ffns = top(ffn_scores, shape.ffns - 1);
    for (int f : layer.ffns) {
      Result<Indices> inter = top_of(im, p + "ffn." + std::to_string(f) + ".intermediate", shape.intermediate);
      if (!inter.is_ok()) return inter.status();
      layer.intermediate.push_back(std::move(inter.value()));
    }
    Result<Indices> own = top_of(im, p + "intermediate", shape.intermediate);
    if (!own.is_ok()) return own.status();
    layer.intermediate.push_back(std::move(own.value()));
    k.layers.push_back(std::move(layer));
  }
  return k;
}

Result<TinyVitKeep> select_tinyvit_keep(const models::TinyVitConfig& t, const Importance& im, const TinyVitShape& shape) {
  const std::size_t stages = static_cast<std::size_t>(t.stages());
  if (shape.depths.size() != stages || shape.heads.size() != stages || shape.key_dims.size() != stages) {
    return invalid_argument("pruning: the TinyViT shape needs depths, heads and key_dims for " +
                            std::to_string(stages) + " stages");
  }
  TinyVitKeep k;
  k.mlp_ratio = shape.mlp_ratio, k.mbconv_expand_ratio = shape.mbconv_expand_ratio;
  const int c0 = shape.stage0_channels;
  BFEDGE_ASSIGN_OR_RETURN(k.stem, top_of(im, "stem", c0 / 2));
  for (int i = 0; i < t.stages(); ++i) {
    const std::size_t si = static_cast<std::size_t>(i);
    const std::string stage = "stage." + std::to_string(i) + ".";
    const int width = i == 0 ? c0 : shape.heads[si] * shape.key_dims[si];
    TinyVitStageKeep s;
    BFEDGE_ASSIGN_OR_RETURN(s.channels, top_of(im, stage + "channels", width));
    if (shape.depths[si] < 1 || shape.depths[si] > t.depths[si]) {
      return invalid_argument("pruning: stage " + std::to_string(i) + " cannot keep " + std::to_string(shape.depths[si]) +
                              " of " + std::to_string(t.depths[si]) + " blocks");
    }
    std::vector<double> block_scores;
    for (int j = 0; j < t.depths[si]; ++j) block_scores.push_back(structure(im, stage + "block." + std::to_string(j)));
    const Indices blocks = top(block_scores, shape.depths[si]);
    if (i > 0) {
      BFEDGE_ASSIGN_OR_RETURN(s.merge, top_of(im, stage + "merge", width));
      s.heads = shape.heads[si];
    }
    for (int j : blocks) {
      const std::string b = stage + "block." + std::to_string(j) + ".";
      if (i == 0) {
        TinyVitMbConvKeep m{j, {}};
        BFEDGE_ASSIGN_OR_RETURN(m.hidden, top_of(im, b + "hidden", static_cast<int>(width * shape.mbconv_expand_ratio)));
        s.mbconv.push_back(std::move(m));
        continue;
      }
      TinyVitBlockKeep block{j, {}, {}};
      BFEDGE_ASSIGN_OR_RETURN(block.attention, top_heads(im, b + "attention", t.head_dim(i), shape.heads[si], shape.key_dims[si]));
      BFEDGE_ASSIGN_OR_RETURN(block.mlp, top_of(im, b + "mlp", static_cast<int>(width * shape.mlp_ratio)));
      s.blocks.push_back(std::move(block));
    }
    k.stages.push_back(std::move(s));
  }
  return k;
}

}  // namespace bfedge::prune
