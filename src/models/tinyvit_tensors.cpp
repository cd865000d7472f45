// TinyViT's state_dict layout (timm names, registration order), parameter counts and the check of
// a checkpoint's tensors against them.
#include <map>

#include "bfedge/models/tinyvit_config.hpp"
#include "tensor_messages.hpp"

namespace bfedge::models {
namespace {

using Shape = std::vector<std::int64_t>;

class SpecList {
 public:
  SpecList(TinyVitComponent component, int stage) : component_(component), stage_(stage) {}

  std::vector<TinyVitTensorSpec> take() { return std::move(specs_); }
  void at(TinyVitComponent component, int stage) { component_ = component, stage_ = stage; }

  void param(std::string name, Shape shape) { add(std::move(name), std::move(shape), TinyVitTensorKind::parameter); }
  // ConvNorm: a conv without bias, then BatchNorm2d with its running statistics.
  void conv_norm(const std::string& p, std::int64_t out, std::int64_t in_per_group, std::int64_t k) {
    param(p + ".conv.weight", {out, in_per_group, k, k});
    param(p + ".bn.weight", {out});
    param(p + ".bn.bias", {out});
    add(p + ".bn.running_mean", {out}, TinyVitTensorKind::buffer);
    add(p + ".bn.running_var", {out}, TinyVitTensorKind::buffer);
    add(p + ".bn.num_batches_tracked", {}, TinyVitTensorKind::buffer, /*is_i64=*/true);
  }
  void norm(const std::string& p, std::int64_t n) {
    param(p + ".weight", {n});
    param(p + ".bias", {n});
  }
  void linear(const std::string& p, std::int64_t out, std::int64_t in) {
    param(p + ".weight", {out, in});
    param(p + ".bias", {out});
  }

 private:
  void add(std::string name, Shape shape, TinyVitTensorKind kind, bool is_i64 = false) {
    specs_.push_back({std::move(name), std::move(shape), kind, is_i64, component_, stage_});
  }
  std::vector<TinyVitTensorSpec> specs_;
  TinyVitComponent component_;
  int stage_;
};

bool is_bias_index_buffer(const std::string& name) {
  const std::string suffix = ".attn.attention_bias_idxs";
  return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::int64_t TinyVitTensorSpec::elements() const {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;
  return n;
}

std::int64_t TinyVitParameterCounts::total() const {
  std::int64_t n = stem + head;
  for (std::int64_t s : stages) n += s;
  return n;
}

std::vector<TinyVitTensorSpec> tinyvit_tensor_specs(const TinyVitConfig& c) {
  SpecList s(TinyVitComponent::stem, -1);
  const std::int64_t c0 = c.embed_dims[0];
  s.conv_norm("patch_embed.conv1", c0 / 2, c.in_chans, 3);
  s.conv_norm("patch_embed.conv2", c0, c0 / 2, 3);
  for (int i = 0; i < c.stages(); ++i) {
    s.at(TinyVitComponent::stage, i);
    const std::string stage = "stages." + std::to_string(i) + ".";
    const std::int64_t dim = c.embed_dims[static_cast<std::size_t>(i)];
    if (i == 0) {
      const std::int64_t mid = c.mbconv_channels();
      for (int j = 0; j < c.depths[0]; ++j) {
        const std::string b = stage + "blocks." + std::to_string(j);
        s.conv_norm(b + ".conv1", mid, dim, 1);
        s.conv_norm(b + ".conv2", mid, 1, 3);
        s.conv_norm(b + ".conv3", dim, mid, 1);
      }
      continue;
    }
    const std::int64_t previous = c.embed_dims[static_cast<std::size_t>(i) - 1];
    s.conv_norm(stage + "downsample.conv1", dim, previous, 1);
    s.conv_norm(stage + "downsample.conv2", dim, 1, 3);
    s.conv_norm(stage + "downsample.conv3", dim, dim, 1);
    const std::int64_t heads = c.num_heads[static_cast<std::size_t>(i)];
    const std::int64_t window = c.window_sizes[static_cast<std::size_t>(i)];
    for (int j = 0; j < c.depths[static_cast<std::size_t>(i)]; ++j) {
      const std::string b = stage + "blocks." + std::to_string(j);
      s.param(b + ".attn.attention_biases", {heads, window * window});
      s.norm(b + ".attn.norm", dim);
      s.linear(b + ".attn.qkv", 3 * dim, dim);  // per head: key_dim, key_dim, val_dim = dim / heads
      s.linear(b + ".attn.proj", dim, dim);
      s.norm(b + ".mlp.norm", dim);
      s.linear(b + ".mlp.fc1", c.mlp_hidden(i), dim);
      s.linear(b + ".mlp.fc2", dim, c.mlp_hidden(i));
      s.conv_norm(b + ".local_conv", dim, 1, c.local_conv_size);
    }
  }
  s.at(TinyVitComponent::head, -1);
  s.norm("head.norm", c.embed_dims.back());
  s.linear("head.fc", c.num_classes, c.embed_dims.back());
  return s.take();
}

TinyVitParameterCounts tinyvit_parameter_counts(const TinyVitConfig& c) {
  TinyVitParameterCounts n;
  n.stages.assign(static_cast<std::size_t>(c.stages()), 0);
  for (const TinyVitTensorSpec& s : tinyvit_tensor_specs(c)) {
    if (s.kind == TinyVitTensorKind::buffer) {
      n.buffers += s.elements();
    } else if (s.component == TinyVitComponent::stem) {
      n.stem += s.elements();
    } else if (s.component == TinyVitComponent::head) {
      n.head += s.elements();
    } else {
      n.stages[static_cast<std::size_t>(s.stage)] += s.elements();
    }
  }
  return n;
}

Status check_tinyvit_tensors(const TinyVitConfig& c, const io::TensorTable& table, const std::string& source) {
  const std::vector<TinyVitTensorSpec> specs = tinyvit_tensor_specs(c);
  std::map<std::string_view, const TinyVitTensorSpec*> expected;
  for (const TinyVitTensorSpec& s : specs) expected.emplace(s.name, &s);
  std::vector<const io::TensorEntry*> unknown;
  for (const io::TensorEntry& e : table.entries()) {
    if (expected.count(e.name) == 0 && !is_bias_index_buffer(e.name)) unknown.push_back(&e);
  }
  if (!unknown.empty()) {
    return format_error(source + ": unknown tensor \"" + unknown.front()->name + "\"" + and_more(unknown.size()) +
                        " for this config.json's TinyViT");
  }
  std::vector<const TinyVitTensorSpec*> missing;
  for (const TinyVitTensorSpec& s : specs) {
    const io::TensorEntry* e = table.find(s.name);
    if (e == nullptr) {
      missing.push_back(&s);
      continue;
    }
    if (e->shape != s.shape) {
      return format_error(source + ": tensor \"" + s.name + "\" has shape " + shape_text(e->shape) +
                          ", config.json implies " + shape_text(s.shape));
    }
    if (s.is_i64 != (e->dtype == io::TensorDtype::i64)) {
      return format_error(source + ": tensor \"" + s.name + "\" is " + io::tensor_dtype_name(e->dtype) + ", expected " +
                          (s.is_i64 ? "I64" : "F32, F16 or BF16"));
    }
  }
  if (!missing.empty()) {
    return format_error(source + ": missing tensor \"" + missing.front()->name + "\"" + and_more(missing.size()));
  }
  return Status::ok();
}

}  // namespace bfedge::models
