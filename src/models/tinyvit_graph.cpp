// build_tinyvit_graph: TinyViT's weights converted once into storage the graph owns, then the
// nodes of tinyvit_forward_f32 in its order (tinyvit_graph.hpp).
#include "bfedge/models/tinyvit_graph.hpp"

#include <deque>
#include <memory>
#include <utility>

#include "bfedge/graph/builder.hpp"
#include "bfedge/kernels/conv.hpp"

namespace bfedge::models {

namespace {

using graph::ElementType;
using graph::Op;
using graph::TensorId;
using kernels::Epilogue;

// What the graph's weight tensors point into. Deques: adding a tensor never moves the others.
struct TinyVitGraphStorage {
  std::deque<std::vector<bf16>> bf16_tensors;
  std::deque<std::vector<float>> f32_tensors;
};

// An NHWC map in the graph and its size (the builder keeps shapes; this keeps the geometry).
struct Map {
  TensorId id = graph::kNone;
  int height = 0, width = 0, channels = 0;
};

// The stem's first conv over the image carried as two BF16 halves per channel, [hi, lo] with
// hi = bf16(x), lo = bf16(x − hi): the input channels doubled and the weights repeated, so the
// FP32 accumulation sums w·hi + w·lo = w·x to within 2⁻¹⁷ |x|, and zero padding stays zero.
TinyVitConv split_input_conv(const TinyVitConv& c) {
  TinyVitConv out = c;
  const std::size_t taps = static_cast<std::size_t>(c.kernel) * static_cast<std::size_t>(c.kernel);
  const std::size_t per_out = static_cast<std::size_t>(c.in_channels) * taps;
  out.in_channels = 2 * c.in_channels;
  out.weight.clear();
  if (c.groups != 1 || c.weight.size() != per_out * static_cast<std::size_t>(c.out_channels)) {
    return c;  // not a dense conv over the image: conv() reports it
  }
  for (int o = 0; o < c.out_channels; ++o) {
    const auto row = c.weight.begin() + static_cast<std::ptrdiff_t>(per_out * static_cast<std::size_t>(o));
    out.weight.insert(out.weight.end(), row, row + static_cast<std::ptrdiff_t>(per_out));  // hi
    out.weight.insert(out.weight.end(), row, row + static_cast<std::ptrdiff_t>(per_out));  // lo
  }
  return out;
}

std::vector<bf16> to_bf16(const std::vector<float>& v) {
  std::vector<bf16> out(v.size());
  convert_f32_to_bf16(v.data(), out.data(), v.size());
  return out;
}

// Adds the nodes; weights go into `storage` as they are used. The first inconsistency between
// a weight and the map it applies to is kept in error() (nodes are still added).
class Builder {
 public:
  Builder(graph::GraphBuilder& b, TinyVitGraphStorage& storage, int batch, bool keep_hidden_states)
      : b_(b), s_(storage), batch_(batch), keep_hidden_states_(keep_hidden_states) {}

  const std::string& error() const { return error_; }

  TensorId bf16_weight(const std::string& name, Shape shape, std::vector<bf16> data) {
    const std::vector<bf16>& kept = s_.bf16_tensors.emplace_back(std::move(data));
    return b_.weight(name, shape, ElementType::bf16, kept.data());
  }
  TensorId f32_weight(const std::string& name, Shape shape, const std::vector<float>& data) {
    const std::vector<float>& kept = s_.f32_tensors.emplace_back(data);
    return b_.weight(name, shape, ElementType::f32, kept.data());
  }

  // A folded conv: depthwise (groups == channels), 1×1 stride 1 as a linear over the rows, or dense.
  Map conv(const std::string& name, const Map& x, const TinyVitConv& c, Epilogue epilogue = Epilogue::none) {
    const int k = c.kernel, o = c.out_channels, in = c.in_channels;
    const bool depthwise = c.groups == in && c.groups == o && c.groups > 1;
    const std::size_t want = static_cast<std::size_t>(o) * static_cast<std::size_t>(in / (c.groups > 0 ? c.groups : 1)) *
                             static_cast<std::size_t>(k) * static_cast<std::size_t>(k);
    if (in != x.channels || (c.groups != 1 && !depthwise) || c.weight.size() != want ||
        c.bias.size() != static_cast<std::size_t>(o) || k < 1) {
      fail(name + ": conv (" + std::to_string(in) + " -> " + std::to_string(o) + ", " + std::to_string(k) + "x" +
           std::to_string(k) + ", groups " + std::to_string(c.groups) + ", " + std::to_string(c.weight.size()) +
           " weights) does not apply to a map of " + std::to_string(x.channels) + " channels");
      return x;
    }
    const TensorId bias = bf16_weight(name + ".bias", Shape{o}, to_bf16(c.bias));
    Map y{graph::kNone, kernels::conv_output_size(x.height, k, c.stride, c.padding),
          kernels::conv_output_size(x.width, k, c.stride, c.padding), o};
    if (depthwise) {
      std::vector<bf16> w(want);
      kernels::depthwise_weight_from_oihw(c.weight.data(), o, k, k, w.data());
      y.id = b_.depthwise_conv2d(name, x.id, bf16_weight(name + ".weight", Shape{k, k, o}, std::move(w)), bias,
                                 c.stride, c.padding, epilogue);
    } else if (k == 1 && c.stride == 1 && c.padding == 0) {  // OIHW with k = 1 is Linear's (O, I)
      y.id = b_.linear(name, x.id, bf16_weight(name + ".weight", Shape{o, in}, to_bf16(c.weight)), bias,
                       ElementType::bf16, epilogue);
    } else {
      std::vector<bf16> w(want);
      kernels::conv2d_weight_from_oihw(c.weight.data(), o, in, k, k, w.data());
      y.id = b_.conv2d(name, x.id, bf16_weight(name + ".weight", Shape{o, k, k, in}, std::move(w)), bias, c.stride,
                       c.padding, epilogue);
    }
    return y;
  }

  TensorId linear(const std::string& name, TensorId x, int in, const TinyVitLinear& l,
                  ElementType out = ElementType::bf16, Epilogue epilogue = Epilogue::none) {
    const int o = static_cast<int>(l.bias.size());
    if (o == 0 || l.weight.size() != static_cast<std::size_t>(o) * static_cast<std::size_t>(in)) {
      fail(name + ": linear with " + std::to_string(l.weight.size()) + " weights and " + std::to_string(o) +
           " biases does not take " + std::to_string(in) + " inputs");
    }
    const TensorId w = bf16_weight(name + ".weight", Shape{o, in}, to_bf16(l.weight));
    return b_.linear(name, x, w, bf16_weight(name + ".bias", Shape{o}, to_bf16(l.bias)), out, epilogue);
  }

  TensorId norm(const std::string& name, TensorId x, int width, const TinyVitNorm& n) {
    if (n.weight.size() != static_cast<std::size_t>(width) || n.bias.size() != n.weight.size()) {
      fail(name + ": LayerNorm of " + std::to_string(n.weight.size()) + " does not take " + std::to_string(width) +
           " channels");
    }
    const TensorId scale = f32_weight(name + ".weight", Shape{width}, n.weight);
    const TensorId shift = f32_weight(name + ".bias", Shape{width}, n.bias);
    return b_.layernorm(name, x, scale, shift, static_cast<float>(kTinyVitNormEps));
  }

  // gelu(conv3(gelu(conv2(gelu(conv1(x))))) + x), each GELU fused into the node before it.
  Map mbconv(const std::string& p, const Map& x, const TinyVitMbConv& m) {
    Map h = conv(p + "conv1", x, m.expand, Epilogue::gelu_erf);
    h = conv(p + "conv2", h, m.depthwise, Epilogue::gelu_erf);
    h = conv(p + "conv3", h, m.project);
    h.id = b_.add(p + "residual", h.id, x.id, Epilogue::gelu_erf, residual_over(x.id, h.id));
    return h;
  }

  Map patch_merging(const std::string& p, const Map& x, const TinyVitStage& s) {
    Map h = conv(p + "conv1", x, s.merge_expand, Epilogue::gelu_erf);
    h = conv(p + "conv2", h, s.merge_depthwise, Epilogue::gelu_erf);
    return conv(p + "conv3", h, s.merge_project);
  }

  // x + attn(x) (windowed), then local_conv, then + mlp.
  Map block(const std::string& p, const Map& x, const TinyVitBlock& k, int heads, int window) {
    const int c = x.channels;
    const bool one_window = x.height == window && x.width == window;  // partition = identity
    TensorId t = one_window ? x.id : b_.window_partition(p + "attn.window_partition", x.id, window);
    t = norm(p + "attn.norm", t, c, k.attention_norm);
    t = linear(p + "attn.qkv", t, c, k.qkv);
    const std::size_t table = static_cast<std::size_t>(heads) * static_cast<std::size_t>(window) * window;
    if (k.attention_biases.size() != table) {
      fail(p + "attn.attention_biases: " + std::to_string(k.attention_biases.size()) + " values, expected " +
           std::to_string(table));
    }
    const TensorId bias =
        f32_weight(p + "attn.attention_biases", Shape{heads, std::int64_t{window} * window}, k.attention_biases);
    t = b_.window_attention(p + "attn", t, bias, window, heads);
    t = linear(p + "attn.proj", t, c, k.proj);
    if (!one_window) t = b_.window_reverse(p + "attn.window_reverse", t, batch_, x.height, x.width, window);
    Map a = x;
    a.id = b_.add(p + "attn.residual", x.id, t, Epilogue::none, residual_over(x.id, t));  // x first: its shape
    const Map local = conv(p + "local_conv", a, k.local_conv);
    TensorId m = norm(p + "mlp.norm", local.id, c, k.mlp_norm);
    const int hidden = static_cast<int>(k.fc1.bias.size());
    m = linear(p + "mlp.fc1", m, c, k.fc1, ElementType::bf16, Epilogue::gelu_erf);
    m = linear(p + "mlp.fc2", m, hidden, k.fc2);
    Map out = local;
    out.id = b_.add(p + "mlp.residual", local.id, m, Epilogue::none, residual_over(local.id, m));
    return out;
  }

 private:
  // Which input a residual sum overwrites: the stream itself (one buffer per stream, updated in
  // place), unless the stream is a hidden state kept as a graph output; then the branch's result.
  TensorId residual_over(TensorId stream, TensorId branch) const { return keep_hidden_states_ ? branch : stream; }

  void fail(const std::string& what) {
    if (error_.empty()) error_ = what;
  }

  graph::GraphBuilder& b_;
  TinyVitGraphStorage& s_;
  int batch_;
  bool keep_hidden_states_;
  std::string error_;
};

}  // namespace

void split_image_halves(const float* values, std::size_t pixels, int channels, bf16* out) {
  const auto c = static_cast<std::size_t>(channels);
  for (std::size_t q = 0; q < pixels; ++q) {
    const float* x = values + q * c;
    bf16* hi = out + q * 2 * c;
    for (std::size_t k = 0; k < c; ++k) {
      hi[k] = bfedge::to_bf16(x[k]);
      hi[c + k] = bfedge::to_bf16(x[k] - bfedge::to_f32(hi[k]));
    }
  }
}

Result<TinyVitGraph> build_tinyvit_graph(const TinyVitConfig& c, const TinyVitWeights& w, int batch,
                                         bool keep_hidden_states) {
  BFEDGE_RETURN_IF_ERROR(validate_tinyvit_config(c, "tinyvit graph"));
  if (batch < 1) return invalid_argument("tinyvit graph: batch " + std::to_string(batch) + " must be >= 1");
  if (w.stages.size() != static_cast<std::size_t>(c.stages())) {
    return invalid_argument("tinyvit graph: weights have " + std::to_string(w.stages.size()) + " stages, config " +
                            std::to_string(c.stages()));
  }
  for (int i = 0; i < c.stages(); ++i) {
    const TinyVitStage& s = w.stages[static_cast<std::size_t>(i)];
    const std::size_t depth = static_cast<std::size_t>(c.depths[static_cast<std::size_t>(i)]);
    if ((i == 0 ? s.mbconv.size() : s.blocks.size()) != depth) {
      return invalid_argument("tinyvit graph: stage " + std::to_string(i) + " weights do not have its " +
                              std::to_string(depth) + " blocks");
    }
  }
  auto storage = std::make_shared<TinyVitGraphStorage>();
  graph::GraphBuilder b;
  Builder m(b, *storage, batch, keep_hidden_states);
  TinyVitGraph out;
  out.batch = batch;
  out.images = b.input("images", Shape{batch, c.image_height, c.image_width, 2 * c.in_chans}, ElementType::bf16);
  const auto keep = [&](const std::string& name, const Map& x) {
    if (!keep_hidden_states) return;
    out.hidden_names.push_back(name);
    out.hidden_states.push_back(x.id);
  };

  Map x{out.images, c.image_height, c.image_width, 2 * c.in_chans};
  x = m.conv("patch_embed.conv1", x, split_input_conv(w.stem1), Epilogue::gelu_erf);
  x = m.conv("patch_embed.conv2", x, w.stem2);
  keep("stem", x);
  for (int i = 0; i < c.stages(); ++i) {
    const TinyVitStage& s = w.stages[static_cast<std::size_t>(i)];
    const std::string p = "stages." + std::to_string(i) + ".";
    if (i > 0) {
      x = m.patch_merging(p + "downsample.", x, s);
      keep(p + "downsample", x);
    }
    for (std::size_t j = 0; j < s.mbconv.size(); ++j) {
      x = m.mbconv(p + "blocks." + std::to_string(j) + ".", x, s.mbconv[j]);
      keep(p + "blocks." + std::to_string(j), x);
    }
    for (std::size_t j = 0; j < s.blocks.size(); ++j) {
      x = m.block(p + "blocks." + std::to_string(j) + ".", x, s.blocks[j], c.num_heads[static_cast<std::size_t>(i)],
                  c.window_sizes[static_cast<std::size_t>(i)]);
      keep(p + "blocks." + std::to_string(j), x);
    }
  }

  // Head: global average pool, LayerNorm, fc.
  TensorId pooled = b.mean_tokens("head.pool", x.id, batch);
  pooled = m.norm("head.norm", pooled, x.channels, w.head_norm);
  out.logits = m.linear("head.fc", pooled, x.channels, w.head_fc, ElementType::f32);
  if (!m.error().empty()) return invalid_argument("tinyvit graph: " + m.error());
  for (TensorId t : out.hidden_states) b.mark_output(t);
  b.mark_output(out.logits);
  auto built = std::move(b).finish(std::move(storage));
  if (!built.is_ok()) return built.status();
  out.graph = std::move(built).value();
  return out;
}

}  // namespace bfedge::models
