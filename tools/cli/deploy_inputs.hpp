// The test inputs `bfedge deploy --out DIR` embeds in the emitted project (deploy/emit_project.hpp):
// a decoder's prompt ids and steps, MobileBERT texts tokenized with the folder's vocab.txt at the
// plan's sequence length, TinyViT test images normalized and split into BF16 halves as the graph
// reads them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/deploy/deploy_model.hpp"
#include "bfedge/deploy/emit_project.hpp"

namespace bfedge::cli {

struct DeployInputOptions {
  std::vector<int> prompt_ids = {1};  // llama2.c: BOS
  std::optional<int> steps;           // llama2.c: default min(64, positions)
  std::vector<std::string> texts = {"a gripping , funny and moving film", "dull , lifeless and far too long"};
  std::string data;                   // TinyViT: cifar10, fashion-mnist or a path (default: by channels)
  int examples = 4;                   // TinyViT: the first test images
};

// Fills `request`'s prompt and steps (llama) or examples (encoders); `graph` is the model's graph.
Status fill_deploy_inputs(const deploy::DeployModel& model, const DeployInputOptions& options,
                          deploy::EmitRequest& request);

}  // namespace bfedge::cli
