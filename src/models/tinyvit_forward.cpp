// TinyViT's FP32 reference forward pass (timm's TinyVit, eval mode) over NHWC float maps.
// Dot products and norm statistics accumulate in double: the oracle should be the most exact
// path, not the fastest.
#include <algorithm>
#include <cmath>

#include "bfedge/models/tinyvit.hpp"

namespace bfedge::models {
namespace {

// A batch of NHWC feature maps; the same floats are the token rows (batch · h · w, channels).
struct Map {
  int batch = 0, height = 0, width = 0, channels = 0;
  std::vector<float> data;
  std::size_t rows() const { return static_cast<std::size_t>(batch) * height * width; }
  float& at(int b, int y, int x, int c) {
    return data[((static_cast<std::size_t>(b) * height + y) * width + x) * channels + c];
  }
  float at(int b, int y, int x, int c) const {
    return data[((static_cast<std::size_t>(b) * height + y) * width + x) * channels + c];
  }
};

Map conv(const Map& x, const TinyVitConv& c) {
  Map y{x.batch, (x.height + 2 * c.padding - c.kernel) / c.stride + 1,
        (x.width + 2 * c.padding - c.kernel) / c.stride + 1, c.out_channels, {}};
  y.data.resize(y.rows() * static_cast<std::size_t>(y.channels));
  const int in_per_group = c.in_channels / c.groups, out_per_group = c.out_channels / c.groups;
  for (int b = 0; b < y.batch; ++b)
    for (int oy = 0; oy < y.height; ++oy)
      for (int ox = 0; ox < y.width; ++ox)
        for (int o = 0; o < y.channels; ++o) {
          const int group = o / out_per_group;
          double sum = c.bias[static_cast<std::size_t>(o)];
          for (int ky = 0; ky < c.kernel; ++ky) {
            const int iy = oy * c.stride - c.padding + ky;
            if (iy < 0 || iy >= x.height) continue;
            for (int kx = 0; kx < c.kernel; ++kx) {
              const int ix = ox * c.stride - c.padding + kx;
              if (ix < 0 || ix >= x.width) continue;
              for (int i = 0; i < in_per_group; ++i) {
                const float w = c.weight[((static_cast<std::size_t>(o) * in_per_group + i) * c.kernel + ky) * c.kernel + kx];
                sum += static_cast<double>(w) * x.at(b, iy, ix, group * in_per_group + i);
              }
            }
          }
          y.at(b, oy, ox, o) = static_cast<float>(sum);
        }
  return y;
}

float gelu(float x) { return static_cast<float>(0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)))); }
void gelu_all(std::vector<float>& v) {
  for (float& x : v) x = gelu(x);
}

// y (rows, out) = x (rows, in) · Wᵀ + b.
std::vector<float> linear(const std::vector<float>& x, std::size_t rows, const TinyVitLinear& l) {
  const std::size_t out = l.bias.size(), in = l.weight.size() / out;
  std::vector<float> y(rows * out);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t o = 0; o < out; ++o) {
      double sum = l.bias[o];
      for (std::size_t i = 0; i < in; ++i) sum += static_cast<double>(x[r * in + i]) * l.weight[o * in + i];
      y[r * out + o] = static_cast<float>(sum);
    }
  return y;
}

std::vector<float> layer_norm(const std::vector<float>& x, std::size_t rows, const TinyVitNorm& n) {
  const std::size_t width = n.weight.size();
  std::vector<float> y(x.size());
  for (std::size_t r = 0; r < rows; ++r) {
    const float* row = x.data() + r * width;
    double mean = 0.0, var = 0.0;
    for (std::size_t j = 0; j < width; ++j) mean += row[j];
    mean /= static_cast<double>(width);
    for (std::size_t j = 0; j < width; ++j) var += (row[j] - mean) * (row[j] - mean);
    const double inv = 1.0 / std::sqrt(var / static_cast<double>(width) + kTinyVitNormEps);
    for (std::size_t j = 0; j < width; ++j) {
      y[r * width + j] = static_cast<float>((row[j] - mean) * inv * n.weight[j] + n.bias[j]);
    }
  }
  return y;
}

// Window attention with zero-padded windows (timm TinyVitBlock.forward's window path; a map that
// is exactly one window is the same computation).
Map window_attention(const Map& x, const TinyVitBlock& k, int heads, int window) {
  const int c = x.channels, d = c / heads, tokens = window * window;
  const int padded_h = (x.height + window - 1) / window * window, padded_w = (x.width + window - 1) / window * window;
  const std::vector<int> bias_index = tinyvit_attention_bias_index(window);
  const std::size_t table = static_cast<std::size_t>(tokens);
  Map out = x;
  std::vector<float> tile(static_cast<std::size_t>(tokens) * c);
  std::vector<float> context(tile.size());
  for (int b = 0; b < x.batch; ++b)
    for (int wy = 0; wy < padded_h; wy += window)
      for (int wx = 0; wx < padded_w; wx += window) {
        for (int t = 0; t < tokens; ++t) {  // gather, zeros past the map
          const int y = wy + t / window, xx = wx + t % window;
          for (int ch = 0; ch < c; ++ch) {
            tile[static_cast<std::size_t>(t) * c + ch] = (y < x.height && xx < x.width) ? x.at(b, y, xx, ch) : 0.0f;
          }
        }
        const std::vector<float> normed = layer_norm(tile, static_cast<std::size_t>(tokens), k.attention_norm);
        const std::vector<float> qkv = linear(normed, static_cast<std::size_t>(tokens), k.qkv);
        const double scale = 1.0 / std::sqrt(static_cast<double>(d));
        for (int h = 0; h < heads; ++h) {
          const std::size_t q0 = static_cast<std::size_t>(h) * 3 * d, k0 = q0 + d, v0 = q0 + 2 * d;
          for (int i = 0; i < tokens; ++i) {
            double top = -INFINITY;
            std::vector<double> s(static_cast<std::size_t>(tokens));
            for (int j = 0; j < tokens; ++j) {
              double dot = 0.0;
              for (int e = 0; e < d; ++e) {
                dot += static_cast<double>(qkv[static_cast<std::size_t>(i) * 3 * c + q0 + e]) *
                       qkv[static_cast<std::size_t>(j) * 3 * c + k0 + e];
              }
              s[static_cast<std::size_t>(j)] =
                  dot * scale + k.attention_biases[static_cast<std::size_t>(h) * table +
                                                   static_cast<std::size_t>(bias_index[static_cast<std::size_t>(i) * table + j])];
              top = std::max(top, s[static_cast<std::size_t>(j)]);
            }
            double total = 0.0;
            for (double& v : s) total += (v = std::exp(v - top));
            for (int e = 0; e < d; ++e) {
              double acc = 0.0;
              for (int j = 0; j < tokens; ++j) {
                acc += s[static_cast<std::size_t>(j)] * qkv[static_cast<std::size_t>(j) * 3 * c + v0 + e];
              }
              context[static_cast<std::size_t>(i) * c + static_cast<std::size_t>(h) * d + e] = static_cast<float>(acc / total);
            }
          }
        }
        const std::vector<float> projected = linear(context, static_cast<std::size_t>(tokens), k.proj);
        for (int t = 0; t < tokens; ++t) {  // scatter the rows inside the map
          const int y = wy + t / window, xx = wx + t % window;
          if (y >= x.height || xx >= x.width) continue;
          for (int ch = 0; ch < c; ++ch) out.at(b, y, xx, ch) = projected[static_cast<std::size_t>(t) * c + ch];
        }
      }
  return out;
}

void add_into(std::vector<float>& x, const std::vector<float>& y) {
  for (std::size_t i = 0; i < x.size(); ++i) x[i] += y[i];
}

Map block(const Map& x, const TinyVitBlock& k, int heads, int window) {
  Map a = window_attention(x, k, heads, window);
  add_into(a.data, x.data);
  Map local = conv(a, k.local_conv);
  std::vector<float> h = linear(layer_norm(local.data, local.rows(), k.mlp_norm), local.rows(), k.fc1);
  gelu_all(h);
  add_into(local.data, linear(h, local.rows(), k.fc2));
  return local;
}

Map mbconv(const Map& x, const TinyVitMbConv& m) {
  Map h = conv(x, m.expand);
  gelu_all(h.data);
  h = conv(h, m.depthwise);
  gelu_all(h.data);
  h = conv(h, m.project);
  add_into(h.data, x.data);
  gelu_all(h.data);
  return h;
}

}  // namespace

Result<TinyVitOutputs> tinyvit_forward_f32(const TinyVitConfig& c, const TinyVitWeights& w, const std::vector<float>& images,
                                           int batch, bool keep_hidden_states) {
  const std::size_t expected = static_cast<std::size_t>(batch) * c.image_height * c.image_width * c.in_chans;
  if (batch < 1 || images.size() != expected) {
    return invalid_argument("tinyvit forward: " + std::to_string(images.size()) + " input values, expected " +
                            std::to_string(expected) + " (batch " + std::to_string(batch) + " of " +
                            std::to_string(c.image_height) + "x" + std::to_string(c.image_width) + "x" +
                            std::to_string(c.in_chans) + ")");
  }
  TinyVitOutputs out;
  const auto keep = [&](const std::string& name, const Map& m) {
    if (!keep_hidden_states) return;
    out.hidden_names.push_back(name);
    out.hidden_states.push_back(m.data);
  };
  Map x{batch, c.image_height, c.image_width, c.in_chans, images};
  x = conv(x, w.stem1);
  gelu_all(x.data);
  x = conv(x, w.stem2);
  keep("stem", x);
  for (int i = 0; i < c.stages(); ++i) {
    const TinyVitStage& s = w.stages[static_cast<std::size_t>(i)];
    const std::string p = "stages." + std::to_string(i) + ".";
    if (i > 0) {
      x = conv(x, s.merge_expand);
      gelu_all(x.data);
      x = conv(x, s.merge_depthwise);
      gelu_all(x.data);
      x = conv(x, s.merge_project);
      keep(p + "downsample", x);
    }
    for (std::size_t j = 0; j < s.mbconv.size(); ++j) {
      x = mbconv(x, s.mbconv[j]);
      keep(p + "blocks." + std::to_string(j), x);
    }
    for (std::size_t j = 0; j < s.blocks.size(); ++j) {
      x = block(x, s.blocks[j], c.num_heads[static_cast<std::size_t>(i)], c.window_sizes[static_cast<std::size_t>(i)]);
      keep(p + "blocks." + std::to_string(j), x);
    }
  }
  // Head: mean over the map, LayerNorm, fc.
  const std::size_t tokens = static_cast<std::size_t>(x.height) * x.width, ch = static_cast<std::size_t>(x.channels);
  std::vector<float> pooled(static_cast<std::size_t>(batch) * ch);
  for (int b = 0; b < batch; ++b)
    for (std::size_t k = 0; k < ch; ++k) {
      double sum = 0.0;
      for (std::size_t t = 0; t < tokens; ++t) sum += x.data[(static_cast<std::size_t>(b) * tokens + t) * ch + k];
      pooled[static_cast<std::size_t>(b) * ch + k] = static_cast<float>(sum / static_cast<double>(tokens));
    }
  out.logits = linear(layer_norm(pooled, static_cast<std::size_t>(batch), w.head_norm), static_cast<std::size_t>(batch),
                      w.head_fc);
  return out;
}

}  // namespace bfedge::models
