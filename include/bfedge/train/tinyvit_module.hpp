// TinyViT as a torch::nn module (libtorch, training component only). Its state_dict names and
// shapes are timm's tiny_vit (models::tinyvit_tensor_specs: parameters and BatchNorm buffers), its
// forward is timm's TinyVit (include/bfedge/models/tinyvit.hpp has the arithmetic, which the FP32
// reference shares) with bfedge's stem_strides. Weights start as timm's: linears truncated
// N(0, 0.02) with zero biases, LayerNorms 1 / 0, convs PyTorch's default, BatchNorm weight 1 (0 for
// the last conv of each MBConv) and bias 0, attention biases 0.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "bfedge/models/tinyvit_config.hpp"

namespace bfedge::train {

// timm's ConvNorm: Conv2d without bias ("conv") + BatchNorm2d ("bn").
class TinyVitConvNormImpl : public torch::nn::Module {
 public:
  TinyVitConvNormImpl(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride, std::int64_t groups,
                      double bn_weight_init = 1.0);
  torch::Tensor forward(const torch::Tensor& x);  // NCHW

  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
};
TORCH_MODULE(TinyVitConvNorm);

struct TinyVitForwardResult {
  torch::Tensor logits;                      // (batch, num_classes)
  std::vector<std::string> hidden_names;     // as models::TinyVitOutputs
  std::vector<torch::Tensor> hidden_states;  // NHWC (batch, h, w, channels), contiguous
};

class TinyVitClassifierImpl : public torch::nn::Module {
 public:
  // Builds every submodule under its timm name and initializes it from torch's current generator.
  explicit TinyVitClassifierImpl(const models::TinyVitConfig& config);

  // images: float NCHW (batch, in_chans, image_height, image_width), normalized.
  TinyVitForwardResult forward(const torch::Tensor& images, bool keep_hidden_states = false);

  const models::TinyVitConfig& config() const { return config_; }

 private:
  models::TinyVitConfig config_;
  torch::nn::ModuleList stages_{nullptr};
};
TORCH_MODULE(TinyVitClassifier);

}  // namespace bfedge::train
