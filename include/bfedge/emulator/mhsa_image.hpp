// MHSA problems for the MCU: seeded random operands (BF16-representable, so the FP32 naive port
// and the BF16 kernels see the same numbers) and the job images that carry them to the firmware.
#pragma once

#include <cstdint>
#include <vector>

#include "bfedge/core/bf16.hpp"
#include "bfedge/rv32/job.hpp"

namespace bfedge::emulator {

struct MhsaProblem {
  int seq = 0, embed = 0, heads = 0;
  bool causal = false;
  std::vector<bf16> x, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias;
};

MhsaProblem random_mhsa_problem(int seq, int embed, int heads, bool causal, std::uint32_t seed);

// The image for one kernel: rv32::MhsaJob header, then the operands (FP32 for naive, BF16 otherwise).
std::vector<unsigned char> mhsa_image(const MhsaProblem& problem, rv32::MhsaKernel kernel, int cores,
                                      std::uint32_t l1_budget);

}  // namespace bfedge::emulator
