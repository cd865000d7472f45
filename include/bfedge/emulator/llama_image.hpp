// LLaMA decoders on the MCU: the plan (does the model fit L1/L2/L3, how big are the streamed
// weight pieces, where do the weights live) and the job image (rv32/job.hpp rv32::LlamaJob).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "bfedge/core/bf16.hpp"
#include "bfedge/core/status.hpp"
#include "bfedge/models/llama_config.hpp"

namespace bfedge::emulator {

struct LlamaMcuPlan {
  std::size_t chunk_bytes = 0;   // one L1 slot (two are used)
  std::size_t l1_bytes = 0;      // all L1 buffers at that chunk size
  std::size_t weights_bytes = 0; // the blob
  std::size_t l2_bytes = 0;      // what L2 holds: the KV cache, and the blob when it fits
  bool weights_in_l2 = false;
  bool logits_in_l2 = false;     // a large vocabulary's logits do not fit L1 beside the rest
};

// Fails (capacity error with a one-line reason) when the model cannot run within the firmware's
// L1 and L2 arenas and the L3 region.
Result<LlamaMcuPlan> plan_llama_mcu(const models::LlamaConfig& config, int steps, int cores, std::size_t l1_arena,
                                    std::size_t l2_arena, std::size_t l3_bytes);

std::vector<unsigned char> llama_image(const models::LlamaConfig& config, const models::LlamaWeights<bf16>& weights,
                                       const LlamaMcuPlan& plan, const std::vector<int>& prompt, int steps, int cores,
                                       int stop_token);

}  // namespace bfedge::emulator
