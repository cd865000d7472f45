// TinyViT weights between the torch module and timm's layout: DIR/config.json (timm's Hub layout,
// models::tinyvit_config_json) and DIR/model.safetensors (F32, num_batches_tracked I64, timm names).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/train/tinyvit_module.hpp"

namespace bfedge::train {

// The module's state_dict (parameters and BatchNorm buffers) as safetensors bytes, in
// models::tinyvit_tensor_specs order.
Result<std::vector<std::byte>> tinyvit_safetensors(TinyVitClassifier& model);

// Writes both files into `dir` (created when missing), each atomically.
Status export_tinyvit(TinyVitClassifier& model, const std::string& dir);

// A module built from DIR/config.json with DIR/model.safetensors' parameters and BatchNorm buffers
// (every name and shape checked as models::load_tinyvit checks them; F32, F16 or BF16 values).
// Errors name the file.
Result<TinyVitClassifier> import_tinyvit(const std::string& dir);

}  // namespace bfedge::train
