// The CLI's door to libbfedge_torch.so (tools/cli/torch): found beside the bfedge executable and
// opened on first use. Without it (libtorch-dev was not installed at build time) each call is
// one clear error saying so.
#pragma once

#include <optional>
#include <string>

#include "bfedge/core/status.hpp"
#include "bfedge/models/mobilebert.hpp"
#include "bfedge/models/tinyvit.hpp"
#include "bfedge/train/mobilebert_trainer.hpp"
#include "bfedge/train/tinyvit_trainer.hpp"

namespace bfedge::train {
struct TorchMobileBert;
struct TorchTinyVit;
}

namespace bfedge::cli::torch_component {

Status train_mobilebert(const train::MobileBertTrainOptions& options);
Status train_tinyvit(const train::TinyVitTrainOptions& options);

// A libtorch MobileBERT (eval mode) for comparisons and benchmarks.
class TorchMobileBert {
 public:
  // From an HF folder.
  static Result<TorchMobileBert> load(const std::string& dir, int threads);
  // `config` with HF's random init.
  static Result<TorchMobileBert> random(const models::MobileBertConfig& config, unsigned seed, int threads);
  TorchMobileBert(TorchMobileBert&& other) noexcept : model_(other.model_) { other.model_ = nullptr; }
  TorchMobileBert& operator=(TorchMobileBert&&) = delete;
  ~TorchMobileBert();

  Status forward(const models::MobileBertInputs& inputs, bool bf16, bool keep_hidden_states,
                 models::MobileBertOutputs& outputs);

 private:
  explicit TorchMobileBert(train::TorchMobileBert* model) : model_(model) {}
  train::TorchMobileBert* model_;
};

// A libtorch TinyViT (eval mode) for eval --compare torch and bench tinyvit.
class TorchTinyVit {
 public:
  // From a timm folder (config.json, model.safetensors).
  static Result<TorchTinyVit> load(const std::string& dir, int threads);
  // `config` with timm's random init.
  static Result<TorchTinyVit> random(const models::TinyVitConfig& config, unsigned seed, int threads);
  TorchTinyVit(TorchTinyVit&& other) noexcept : model_(other.model_) { other.model_ = nullptr; }
  TorchTinyVit& operator=(TorchTinyVit&&) = delete;
  ~TorchTinyVit();

  // `batch` normalized images, NHWC; FP32 or (bf16) a bfloat16 copy of the module.
  Status forward(const float* images, int batch, bool bf16, bool keep_hidden_states, models::TinyVitOutputs& outputs);

 private:
  explicit TorchTinyVit(train::TorchTinyVit* model) : model_(model) {}
  train::TorchTinyVit* model_;
};

}  // namespace bfedge::cli::torch_component
