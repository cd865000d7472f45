// A LLaMA model in the dtype chosen at run time (--dtype): the f32 reference path (run.c's
// arithmetic) or the deployed BF16 path with kernels chosen under an ISA cap.
#pragma once

#include <span>
#include <string>
#include <variant>

#include "bfedge/core/dtype.hpp"
#include "bfedge/models/llama.hpp"
#include "bfedge/models/llama_bf16.hpp"

namespace bfedge::models {

class LlamaRunner {
 public:
  explicit LlamaRunner(Llama<float> model) : model_(std::move(model)) {}
  explicit LlamaRunner(LlamaBf16 model) : model_(std::move(model)) {}

  const LlamaConfig& config() const;
  Dtype dtype() const { return model_.index() == 0 ? Dtype::f32 : Dtype::bf16; }
  std::span<float> forward(int token, int pos, runtime::HostCluster& cluster);

 private:
  std::variant<Llama<float>, LlamaBf16> model_;
};

// Loads a llama2.c checkpoint straight into `dtype` storage (no f32 copy kept for bf16), ready
// to run on clusters of up to `cores` cores.
Result<LlamaRunner> load_llama_runner(const std::string& path, Dtype dtype, kernels::Isa cap, int cores);

}  // namespace bfedge::models
