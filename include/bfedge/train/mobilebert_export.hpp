// Moving MobileBERT weights between the torch module and the Hugging Face folder layout that
// models::load_mobilebert reads: DIR/config.json, DIR/model.safetensors (F32, HF names), and
// DIR/vocab.txt.
#pragma once

#include <string>

#include "bfedge/core/status.hpp"
#include "bfedge/train/mobilebert_module.hpp"

namespace bfedge::train {

// Writes the three files into `dir` (created when missing). Each file is written atomically, so a
// failure leaves either the old file or none. `vocab_path` is copied as vocab.txt.
Status export_mobilebert(MobileBertClassifier& model, const std::string& dir, const std::string& vocab_path);

// A module built from DIR/config.json with DIR/model.safetensors' weights (every name and shape
// checked as models::load_mobilebert checks them). Errors name the file.
Result<MobileBertClassifier> import_mobilebert(const std::string& dir);

}  // namespace bfedge::train
