#include "bfedge/train/tinyvit_module.hpp"

#include <cmath>

#include "bfedge/models/tinyvit.hpp"

namespace bfedge::train {
namespace {

using Tensor = torch::Tensor;

torch::nn::LayerNorm layer_norm(std::int64_t n) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({n}).eps(models::kTinyVitNormEps));
}

Tensor act(const Tensor& x) { return torch::gelu(x); }  // nn.GELU: the erf form

// timm's MBConv (stage 0): 1×1 → GELU → depthwise 3×3 → GELU → 1×1, + x, GELU.
class MbConvImpl : public torch::nn::Module {
 public:
  MbConvImpl(std::int64_t dim, std::int64_t mid)
      : conv1(register_module("conv1", TinyVitConvNorm(dim, mid, 1, 1, 1))),
        conv2(register_module("conv2", TinyVitConvNorm(mid, mid, 3, 1, mid))),
        conv3(register_module("conv3", TinyVitConvNorm(mid, dim, 1, 1, 1, 0.0))) {}
  Tensor forward(const Tensor& x) {
    return act(conv3->forward(act(conv2->forward(act(conv1->forward(x))))) + x);
  }
  TinyVitConvNorm conv1, conv2, conv3;
};
TORCH_MODULE(MbConv);

class PatchMergingImpl : public torch::nn::Module {
 public:
  PatchMergingImpl(std::int64_t in, std::int64_t out)
      : conv1(register_module("conv1", TinyVitConvNorm(in, out, 1, 1, 1))),
        conv2(register_module("conv2", TinyVitConvNorm(out, out, 3, 2, out))),
        conv3(register_module("conv3", TinyVitConvNorm(out, out, 1, 1, 1))) {}
  Tensor forward(const Tensor& x) { return conv3->forward(act(conv2->forward(act(conv1->forward(x))))); }
  TinyVitConvNorm conv1, conv2, conv3;
};
TORCH_MODULE(PatchMerging);

// timm's Attention with attn_ratio 1 over (windows, window², C) rows.
class AttentionImpl : public torch::nn::Module {
 public:
  AttentionImpl(std::int64_t dim, std::int64_t heads, std::int64_t window) : heads_(heads), head_dim_(dim / heads) {
    attention_biases = register_parameter("attention_biases", torch::zeros({heads, window * window}));
    norm = register_module("norm", layer_norm(dim));
    qkv = register_module("qkv", torch::nn::Linear(dim, 3 * dim));
    proj = register_module("proj", torch::nn::Linear(dim, dim));
    const std::vector<int> index = models::tinyvit_attention_bias_index(static_cast<int>(window));
    bias_index_ = torch::tensor(std::vector<std::int64_t>(index.begin(), index.end()), torch::kLong)
                      .view({window * window, window * window});
  }
  Tensor forward(const Tensor& x) {
    const std::int64_t windows = x.size(0), tokens = x.size(1), dim = x.size(2);
    Tensor parts = qkv->forward(norm->forward(x)).view({windows, tokens, heads_, 3 * head_dim_});
    std::vector<Tensor> qkv_split = parts.split(head_dim_, 3);  // q, k, v per head
    Tensor q = qkv_split[0].permute({0, 2, 1, 3}), k = qkv_split[1].permute({0, 2, 1, 3});
    Tensor v = qkv_split[2].permute({0, 2, 1, 3});
    Tensor scores = torch::matmul(q * (1.0 / std::sqrt(static_cast<double>(head_dim_))), k.transpose(-2, -1));
    scores = scores + attention_biases.index({torch::indexing::Slice(), bias_index_});
    Tensor out = torch::matmul(scores.softmax(-1), v).transpose(1, 2).reshape({windows, tokens, dim});
    return proj->forward(out);
  }
  Tensor attention_biases;
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear qkv{nullptr}, proj{nullptr};

 private:
  std::int64_t heads_, head_dim_;
  Tensor bias_index_;  // timm's non-persistent attention_bias_idxs
};
TORCH_MODULE(Attention);

class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(std::int64_t dim, std::int64_t hidden)
      : norm(register_module("norm", layer_norm(dim))),
        fc1(register_module("fc1", torch::nn::Linear(dim, hidden))),
        fc2(register_module("fc2", torch::nn::Linear(hidden, dim))) {}
  Tensor forward(const Tensor& x) { return fc2->forward(act(fc1->forward(norm->forward(x)))); }
  torch::nn::LayerNorm norm;
  torch::nn::Linear fc1, fc2;
};
TORCH_MODULE(Mlp);

// timm's TinyVitBlock over NHWC maps.
class BlockImpl : public torch::nn::Module {
 public:
  BlockImpl(std::int64_t dim, std::int64_t heads, std::int64_t window, std::int64_t mlp_hidden, std::int64_t local_conv_size)
      : window_(window),
        attn(register_module("attn", Attention(dim, heads, window))),
        mlp(register_module("mlp", Mlp(dim, mlp_hidden))),
        local_conv(register_module("local_conv", TinyVitConvNorm(dim, dim, local_conv_size, 1, dim))) {}
  Tensor forward(const Tensor& x) {
    const std::int64_t b = x.size(0), h = x.size(1), w = x.size(2), c = x.size(3), ws = window_;
    const std::int64_t pad_b = (ws - h % ws) % ws, pad_r = (ws - w % ws) % ws;
    Tensor padded = (pad_b > 0 || pad_r > 0) ? torch::constant_pad_nd(x, {0, 0, 0, pad_r, 0, pad_b}) : x;
    const std::int64_t ph = h + pad_b, pw = w + pad_r, nh = ph / ws, nw = pw / ws;
    Tensor windows = padded.view({b, nh, ws, nw, ws, c}).transpose(2, 3).reshape({b * nh * nw, ws * ws, c});
    Tensor a = attn->forward(windows).view({b, nh, nw, ws, ws, c}).transpose(2, 3).reshape({b, ph, pw, c});
    if (pad_b > 0 || pad_r > 0) {
      a = a.index({torch::indexing::Slice(), torch::indexing::Slice(0, h), torch::indexing::Slice(0, w)});
    }
    Tensor y = x + a;
    y = local_conv->forward(y.permute({0, 3, 1, 2})).permute({0, 2, 3, 1});
    return y + mlp->forward(y);
  }
  std::int64_t window_;
  Attention attn;
  Mlp mlp;
  TinyVitConvNorm local_conv;
};
TORCH_MODULE(Block);

class StageImpl : public torch::nn::Module {
 public:
  explicit StageImpl(const models::TinyVitConfig& c, int i) : index_(i) {
    const std::int64_t dim = c.embed_dims[static_cast<std::size_t>(i)];
    if (i > 0) downsample = register_module("downsample", PatchMerging(c.embed_dims[static_cast<std::size_t>(i) - 1], dim));
    blocks = register_module("blocks", torch::nn::ModuleList());
    for (int j = 0; j < c.depths[static_cast<std::size_t>(i)]; ++j) {
      if (i == 0) {
        mbconv.push_back(MbConv(dim, c.mbconv_channels()));
        blocks->push_back(mbconv.back());
      } else {
        tinyvit.push_back(Block(dim, c.num_heads[static_cast<std::size_t>(i)], c.window_sizes[static_cast<std::size_t>(i)],
                                c.mlp_hidden(i), c.local_conv_size));
        blocks->push_back(tinyvit.back());
      }
    }
  }
  // NCHW in and out; `keep` receives NHWC outputs.
  template <class Keep>
  Tensor forward(Tensor x, const Keep& keep) {
    const std::string p = "stages." + std::to_string(index_) + ".";
    if (downsample) {
      x = downsample->forward(x);
      keep(p + "downsample", x.permute({0, 2, 3, 1}));
    }
    for (std::size_t j = 0; j < mbconv.size(); ++j) {
      x = mbconv[j]->forward(x);
      keep(p + "blocks." + std::to_string(j), x.permute({0, 2, 3, 1}));
    }
    if (!tinyvit.empty()) {
      Tensor nhwc = x.permute({0, 2, 3, 1});
      for (std::size_t j = 0; j < tinyvit.size(); ++j) {
        nhwc = tinyvit[j]->forward(nhwc);
        keep(p + "blocks." + std::to_string(j), nhwc);
      }
      x = nhwc.permute({0, 3, 1, 2});
    }
    return x;
  }
  int index_;
  PatchMerging downsample{nullptr};
  torch::nn::ModuleList blocks{nullptr};
  std::vector<MbConv> mbconv;
  std::vector<Block> tinyvit;
};
TORCH_MODULE(Stage);

void trunc_normal_(Tensor& t, double std) {  // timm's trunc_normal_ with bounds ±2 (≈ ±100 σ at 0.02)
  torch::NoGradGuard no_grad;
  t.normal_(0.0, std).clamp_(-2.0, 2.0);
}

}  // namespace

TinyVitConvNormImpl::TinyVitConvNormImpl(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride,
                                         std::int64_t groups, double bn_weight_init) {
  conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel)
                                                       .stride(stride)
                                                       .padding(kernel / 2)
                                                       .groups(groups)
                                                       .bias(false)));
  bn = register_module("bn", torch::nn::BatchNorm2d(torch::nn::BatchNormOptions(out).eps(models::kTinyVitNormEps)));
  torch::NoGradGuard no_grad;
  bn->weight.fill_(bn_weight_init);
  bn->bias.zero_();
}

Tensor TinyVitConvNormImpl::forward(const Tensor& x) { return bn->forward(conv->forward(x)); }

TinyVitClassifierImpl::TinyVitClassifierImpl(const models::TinyVitConfig& config) : config_(config) {
  const auto& c = config_;
  const std::int64_t c0 = c.embed_dims[0];
  auto patch_embed = register_module("patch_embed", std::make_shared<torch::nn::Module>());
  patch_embed->register_module("conv1", TinyVitConvNorm(c.in_chans, c0 / 2, 3, c.stem_strides[0], 1));
  patch_embed->register_module("conv2", TinyVitConvNorm(c0 / 2, c0, 3, c.stem_strides[1], 1));
  stages_ = register_module("stages", torch::nn::ModuleList());
  for (int i = 0; i < c.stages(); ++i) stages_->push_back(Stage(c, i));
  auto head = register_module("head", std::make_shared<torch::nn::Module>());
  head->register_module("norm", layer_norm(c.embed_dims.back()));
  head->register_module("fc", torch::nn::Linear(c.embed_dims.back(), c.num_classes));
  for (auto& m : modules(/*include_self=*/false)) {  // timm's _init_weights: Linear trunc N(0, 0.02), bias 0
    if (auto* linear = m->as<torch::nn::Linear>()) {
      trunc_normal_(linear->weight, 0.02);
      torch::NoGradGuard no_grad;
      linear->bias.zero_();
    }
  }
}

TinyVitForwardResult TinyVitClassifierImpl::forward(const Tensor& images, bool keep_hidden_states) {
  TinyVitForwardResult out;
  const auto keep = [&](const std::string& name, const Tensor& nhwc) {
    if (!keep_hidden_states) return;
    out.hidden_names.push_back(name);
    out.hidden_states.push_back(nhwc.contiguous());
  };
  auto patch_embed = named_children()["patch_embed"];
  auto conv1 = patch_embed->named_children()["conv1"]->as<TinyVitConvNormImpl>();
  auto conv2 = patch_embed->named_children()["conv2"]->as<TinyVitConvNormImpl>();
  Tensor x = conv2->forward(act(conv1->forward(images)));
  keep("stem", x.permute({0, 2, 3, 1}));
  for (const auto& stage : *stages_) x = stage->as<StageImpl>()->forward(x, keep);
  auto head = named_children()["head"];
  Tensor pooled = x.mean({2, 3});
  pooled = head->named_children()["norm"]->as<torch::nn::LayerNormImpl>()->forward(pooled);
  out.logits = head->named_children()["fc"]->as<torch::nn::LinearImpl>()->forward(pooled);
  return out;
}

}  // namespace bfedge::train
