// What `bfedge deploy` compiles: a checkpoint of any supported family read into its BF16 graph
// for one inference on the MCU (batch 1):
//   llama2.c .bin file   one decoder step; the KV cache holds `positions` tokens (default: the
//                        model's seq_len);
//   MobileBERT folder    (HF config.json + model.safetensors) one sequence of `seq_len` tokens
//                        (default: max_position_embeddings, the task's length after pruning);
//   TinyViT folder       (timm's Hub layout) one image at the configured resolution.
#pragma once

#include <optional>
#include <string>

#include "bfedge/core/status.hpp"
#include "bfedge/graph/graph.hpp"

namespace bfedge::deploy {

enum class ModelFamily : unsigned char { llama, mobilebert, tinyvit };
const char* model_family_name(ModelFamily family);  // "llama", "mobilebert", "tinyvit"

struct DeployModelOptions {
  std::optional<int> positions;  // llama only
  std::optional<int> seq_len;    // MobileBERT only
};

struct DeployModel {
  ModelFamily family = ModelFamily::llama;
  std::string path;
  int sequence = 0;  // llama: KV positions; MobileBERT: tokens; TinyViT: 0
  graph::Graph graph;
};

// Errors name the path (and the option when it does not apply or is out of range).
Result<DeployModel> load_deploy_model(const std::string& path, const DeployModelOptions& options);

}  // namespace bfedge::deploy
