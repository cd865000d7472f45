// MobileBERT for sequence classification as a torch::nn module (libtorch, training component only:
// the inference library never includes this). Its named_parameters() are exactly Hugging Face
// MobileBertForSequenceClassification's state_dict names and shapes
// (models::mobilebert_tensor_specs(config, MobileBertHead::sequence_classification)), and its
// forward pass is HF's (see include/bfedge/models/mobilebert.hpp for the arithmetic, which the
// FP32 reference path shares). Dropout is where HF puts it: the attention probabilities
// (attention_probs_dropout_prob), the embeddings, the bottleneck output and, when not using
// bottlenecks, the self-output (hidden_dropout_prob), and before the classifier
// (classifier_dropout, else hidden_dropout_prob). Weights start as HF's _init_weights: linears
// and embeddings N(0, initializer_range) with zero biases and a zero [PAD] row, norms weight 1,
// bias 0.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "bfedge/models/mobilebert.hpp"
#include "bfedge/models/mobilebert_config.hpp"

namespace bfedge::train {

// NoNorm (x · weight + bias) or LayerNorm(eps) over the last dimension; parameters weight, bias.
class MobileBertNormImpl : public torch::nn::Module {
 public:
  MobileBertNormImpl(std::int64_t features, models::MobileBertNormalization type, double eps);
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight, bias;

 private:
  std::int64_t features_;
  models::MobileBertNormalization type_;
  double eps_;
};
TORCH_MODULE(MobileBertNorm);

struct MobileBertForwardResult {
  torch::Tensor logits;                      // (batch, num_labels)
  std::vector<torch::Tensor> hidden_states;  // embeddings, then each layer: (batch, seq, H)
};

class MobileBertClassifierImpl : public torch::nn::Module {
 public:
  // Builds every submodule under its HF name and initialises the weights from torch's current
  // random generator (seed it with torch::manual_seed first for a reproducible start).
  explicit MobileBertClassifierImpl(const models::MobileBertConfig& config);

  // input_ids, attention_mask, token_type_ids: int64 (batch, seq); mask 1 = attend, 0 = pad.
  MobileBertForwardResult forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                  const torch::Tensor& token_type_ids, bool keep_hidden_states = false);

  const models::MobileBertConfig& config() const { return config_; }

 private:
  struct Ffn {
    torch::nn::Linear intermediate{nullptr}, output{nullptr};
    MobileBertNorm norm{nullptr};
  };
  struct Layer {
    torch::nn::Linear bottleneck_input{nullptr}, bottleneck_attention{nullptr};
    MobileBertNorm bottleneck_input_norm{nullptr}, bottleneck_attention_norm{nullptr};
    torch::nn::Linear query{nullptr}, key{nullptr}, value{nullptr}, attention_output{nullptr};
    MobileBertNorm attention_norm{nullptr};
    std::vector<Ffn> ffn;
    torch::nn::Linear intermediate{nullptr}, output{nullptr};
    MobileBertNorm output_norm{nullptr};
    torch::nn::Linear output_bottleneck{nullptr};
    MobileBertNorm output_bottleneck_norm{nullptr};
  };

  torch::Tensor embed(const torch::Tensor& input_ids, const torch::Tensor& token_type_ids);
  torch::Tensor layer_forward(Layer& layer, const torch::Tensor& hidden, const torch::Tensor& mask_bias);
  torch::Tensor self_attention(Layer& layer, const torch::Tensor& q_in, const torch::Tensor& k_in,
                               const torch::Tensor& v_in, const torch::Tensor& mask_bias);
  torch::Tensor activation(const torch::Tensor& x) const;
  void init_weights();

  models::MobileBertConfig config_;
  torch::nn::Embedding word_embeddings_{nullptr}, position_embeddings_{nullptr}, token_type_embeddings_{nullptr};
  torch::nn::Linear embedding_transformation_{nullptr};
  MobileBertNorm embedding_norm_{nullptr};
  std::vector<Layer> layers_;
  torch::nn::Linear pooler_{nullptr}, classifier_{nullptr};
};
TORCH_MODULE(MobileBertClassifier);

}  // namespace bfedge::train
