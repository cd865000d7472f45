// The job image the host hands to the MCU firmware (QEMU's loader puts it at the start of L3):
// a header saying what to run and where its operands are (byte offsets from the image start),
// followed by the operands. Freestanding: the firmware reads it, bfedge mcu writes it.
#pragma once

#include <cstdint>

namespace bfedge::mcu {

inline constexpr std::uint32_t kJobMagic = 0x4a4d4642u;  // "BFMJ"
inline constexpr std::uint32_t kJobVersion = 1;

enum class JobKind : std::uint32_t { mhsa = 1, llama = 2 };
enum class MhsaKernel : std::uint32_t { naive = 0, tiled = 1, fused = 2 };

struct JobHeader {
  std::uint32_t magic = kJobMagic;
  std::uint32_t version = kJobVersion;
  JobKind kind = JobKind::mhsa;
  std::uint32_t image_bytes = 0;
};

// MHSA (nn.MultiheadAttention forward): naive takes FP32 operands, tiled and fused BF16.
struct MhsaJob {
  JobHeader header;
  MhsaKernel kernel = MhsaKernel::fused;
  std::uint32_t seq = 0, embed = 0, heads = 0, causal = 0;
  std::uint32_t cores = 8;      // worker cores for tiled and fused (naive: 1)
  std::uint32_t l1_budget = 0;  // bytes of L1 the fused kernel may use
  std::uint32_t x = 0, in_proj_weight = 0, in_proj_bias = 0, out_proj_weight = 0, out_proj_bias = 0;
};

}  // namespace bfedge::mcu
