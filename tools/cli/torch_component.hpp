// The CLI's door to libbfedge_torch.so (tools/cli/torch): found beside the bfedge executable and
// opened on first use. Without it (libtorch-dev was not installed at build time) each call is
// one clear error saying so.
#pragma once

#include <optional>
#include <string>

#include "bfedge/core/status.hpp"
#include "bfedge/models/mobilebert.hpp"
#include "bfedge/train/mobilebert_trainer.hpp"
#include "bfedge/train/tinyvit_trainer.hpp"

namespace bfedge::train {
struct TorchMobileBert;
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

}  // namespace bfedge::cli::torch_component
