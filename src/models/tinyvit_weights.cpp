// TinyViT weights: read from a timm checkpoint with BatchNorm folded into the convs, or seeded.
#include <cmath>
#include <random>

#include "bfedge/io/safetensors.hpp"
#include "bfedge/models/tinyvit.hpp"
#include "weight_reader.hpp"

namespace bfedge::models {
namespace {

// Reads tensors by timm name from a checked table; the first problem is kept in status().
class Reader : public WeightReader {
 public:
  using WeightReader::WeightReader;

  // ConvNorm "<p>.conv" + "<p>.bn", folded.
  TinyVitConv conv_norm(const std::string& p, int in, int out, int kernel, int stride, int groups) {
    TinyVitConv c;
    c.in_channels = in, c.out_channels = out, c.kernel = kernel, c.stride = stride, c.padding = kernel / 2;
    c.groups = groups;
    c.weight = get(p + ".conv.weight");
    const std::vector<float> gamma = get(p + ".bn.weight"), beta = get(p + ".bn.bias");
    const std::vector<float> mean = get(p + ".bn.running_mean"), var = get(p + ".bn.running_var");
    if (!status().is_ok()) return c;
    const std::size_t per_output = c.weight.size() / static_cast<std::size_t>(out);
    c.bias.resize(static_cast<std::size_t>(out));
    for (std::size_t o = 0; o < c.bias.size(); ++o) {
      if (var[o] < 0.0f) {
        fail(source() + ": tensor \"" + p + ".bn.running_var\" has a negative value at element " + std::to_string(o));
        return c;
      }
      const double scale = static_cast<double>(gamma[o]) / std::sqrt(static_cast<double>(var[o]) + kTinyVitNormEps);
      for (std::size_t i = 0; i < per_output; ++i) {
        float& w = c.weight[o * per_output + i];
        w = static_cast<float>(static_cast<double>(w) * scale);
      }
      c.bias[o] = static_cast<float>(static_cast<double>(beta[o]) - static_cast<double>(mean[o]) * scale);
    }
    return c;
  }
  TinyVitLinear linear(const std::string& p) { return {get(p + ".weight"), get(p + ".bias")}; }
  TinyVitNorm norm(const std::string& p) { return {get(p + ".weight"), get(p + ".bias")}; }
};

// Walks the architecture once, asking `make` for each conv, linear and norm: shared by the
// checkpoint reader and the seeded weights, so both produce the same shapes.
template <class Maker>
TinyVitWeights build(const TinyVitConfig& c, Maker& make) {
  TinyVitWeights w;
  const int c0 = c.embed_dims[0];
  w.stem1 = make.conv("patch_embed.conv1", c.in_chans, c0 / 2, 3, c.stem_strides[0], 1);
  w.stem2 = make.conv("patch_embed.conv2", c0 / 2, c0, 3, c.stem_strides[1], 1);
  for (int i = 0; i < c.stages(); ++i) {
    TinyVitStage& s = w.stages.emplace_back();
    const std::string p = "stages." + std::to_string(i) + ".";
    const int dim = c.embed_dims[static_cast<std::size_t>(i)];
    if (i == 0) {
      const int mid = c.mbconv_channels();
      for (int j = 0; j < c.depths[0]; ++j) {
        const std::string b = p + "blocks." + std::to_string(j);
        s.mbconv.push_back({make.conv(b + ".conv1", dim, mid, 1, 1, 1), make.conv(b + ".conv2", mid, mid, 3, 1, mid),
                            make.conv(b + ".conv3", mid, dim, 1, 1, 1)});
      }
      continue;
    }
    const int previous = c.embed_dims[static_cast<std::size_t>(i) - 1];
    s.merge_expand = make.conv(p + "downsample.conv1", previous, dim, 1, 1, 1);
    s.merge_depthwise = make.conv(p + "downsample.conv2", dim, dim, 3, 2, dim);
    s.merge_project = make.conv(p + "downsample.conv3", dim, dim, 1, 1, 1);
    const int window = c.window_sizes[static_cast<std::size_t>(i)];
    const int heads = c.num_heads[static_cast<std::size_t>(i)];
    for (int j = 0; j < c.depths[static_cast<std::size_t>(i)]; ++j) {
      const std::string b = p + "blocks." + std::to_string(j);
      TinyVitBlock& k = s.blocks.emplace_back();
      k.attention_biases = make.attention_biases(b + ".attn.attention_biases", heads * window * window);
      k.attention_norm = make.norm(b + ".attn.norm", dim);
      k.qkv = make.linear(b + ".attn.qkv", dim, 3 * dim);
      k.proj = make.linear(b + ".attn.proj", dim, dim);
      k.mlp_norm = make.norm(b + ".mlp.norm", dim);
      k.fc1 = make.linear(b + ".mlp.fc1", dim, c.mlp_hidden(i));
      k.fc2 = make.linear(b + ".mlp.fc2", c.mlp_hidden(i), dim);
      k.local_conv = make.conv(b + ".local_conv", dim, dim, c.local_conv_size, 1, dim);
    }
  }
  w.head_norm = make.norm("head.norm", c.embed_dims.back());
  w.head_fc = make.linear("head.fc", c.embed_dims.back(), c.num_classes);
  return w;
}

struct TableMaker {
  Reader& r;
  TinyVitConv conv(const std::string& p, int in, int out, int k, int stride, int groups) {
    return r.conv_norm(p, in, out, k, stride, groups);
  }
  TinyVitLinear linear(const std::string& p, int, int) { return r.linear(p); }
  TinyVitNorm norm(const std::string& p, int) { return r.norm(p); }
  std::vector<float> attention_biases(const std::string& name, int) { return r.get(name); }
};

struct RandomMaker {
  std::mt19937 rng;
  std::vector<float> normal(std::size_t n, float mean, float stddev) {
    std::normal_distribution<float> d(mean, stddev);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
  }
  TinyVitConv conv(const std::string&, int in, int out, int k, int stride, int groups) {
    TinyVitConv c;
    c.in_channels = in, c.out_channels = out, c.kernel = k, c.stride = stride, c.padding = k / 2, c.groups = groups;
    const int fan_in = in / groups * k * k;
    c.weight = normal(static_cast<std::size_t>(out) * static_cast<std::size_t>(fan_in), 0.0f,
                      1.0f / std::sqrt(static_cast<float>(fan_in)));
    c.bias = normal(static_cast<std::size_t>(out), 0.0f, 0.05f);
    return c;
  }
  TinyVitLinear linear(const std::string&, int in, int out) {
    return {normal(static_cast<std::size_t>(out) * static_cast<std::size_t>(in), 0.0f,
                   1.0f / std::sqrt(static_cast<float>(in))),
            normal(static_cast<std::size_t>(out), 0.0f, 0.02f)};
  }
  TinyVitNorm norm(const std::string&, int n) {
    return {normal(static_cast<std::size_t>(n), 1.0f, 0.05f), normal(static_cast<std::size_t>(n), 0.0f, 0.02f)};
  }
  std::vector<float> attention_biases(const std::string&, int n) { return normal(static_cast<std::size_t>(n), 0.0f, 0.5f); }
};

}  // namespace

Result<TinyVitWeights> tinyvit_weights_from_table(const TinyVitConfig& config, const io::TensorTable& table,
                                                  const std::string& source) {
  BFEDGE_RETURN_IF_ERROR(check_tinyvit_tensors(config, table, source));
  Reader reader(table, source);
  TableMaker maker{reader};
  TinyVitWeights w = build(config, maker);
  if (!reader.status().is_ok()) return reader.status();
  return w;
}

Result<TinyVitModel> load_tinyvit(const std::string& dir) {
  const std::string weights_path = dir + "/model.safetensors";
  Result<TinyVitConfig> config = load_tinyvit_config(dir + "/config.json");
  if (!config.is_ok()) return config.status();
  Result<io::TensorTable> table = io::load_safetensors(weights_path);
  if (!table.is_ok()) return table.status();
  Result<TinyVitWeights> weights = tinyvit_weights_from_table(config.value(), table.value(), weights_path);
  if (!weights.is_ok()) return weights.status();
  return TinyVitModel{std::move(config).value(), std::move(weights).value()};
}

TinyVitWeights tinyvit_random_weights(const TinyVitConfig& config, std::uint32_t seed) {
  RandomMaker maker{std::mt19937(seed)};
  return build(config, maker);
}

std::vector<int> tinyvit_attention_bias_index(int window) {
  const int n = window * window;
  std::vector<int> offset_id(static_cast<std::size_t>(n), -1);  // by |Δy| · window + |Δx|
  std::vector<int> index(static_cast<std::size_t>(n) * static_cast<std::size_t>(n));
  int next = 0;
  for (int p = 0; p < n; ++p) {
    for (int q = 0; q < n; ++q) {
      const int offset = std::abs(p / window - q / window) * window + std::abs(p % window - q % window);
      int& id = offset_id[static_cast<std::size_t>(offset)];
      if (id < 0) id = next++;
      index[static_cast<std::size_t>(p) * static_cast<std::size_t>(n) + static_cast<std::size_t>(q)] = id;
    }
  }
  return index;
}

}  // namespace bfedge::models
