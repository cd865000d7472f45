// The CLI's door to libbfedge_torch.so (tools/cli/torch): found beside the bfedge executable and
// opened on first use. Without it (libtorch-dev was not installed at build time) each call is
// one clear error saying so.
#pragma once

#include "bfedge/core/status.hpp"
#include "bfedge/train/mobilebert_trainer.hpp"

namespace bfedge::cli::torch_component {

Status train_mobilebert(const train::MobileBertTrainOptions& options);

}  // namespace bfedge::cli::torch_component
