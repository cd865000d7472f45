// The job image the host hands to the MCU firmware (QEMU's loader puts it at the start of L3):
// a header saying what to run and where its operands are (byte offsets from the image start),
// followed by the operands. Freestanding: the firmware reads it, bfedge mcu writes it.
#pragma once

#include <cstdint>

namespace bfedge::rv32 {

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

// Greedy generation with a LLaMA decoder (llama2.c semantics: `steps` positions, prompt
// included; stops early at BOS). The weights are one blob (offsets below are from its start) laid
// out in the order the forward pass streams them: per layer [wq wk wv] [wo] [w1] [w3] [w2], then
// the classifier; every matrix in matvec_pack layout. The firmware copies the blob to L2 when it
// fits (weights_in_l2) and streams chunks of at most chunk_bytes into L1 slots by DMA.
inline constexpr std::uint32_t kMaxLlamaSteps = 1024;  // the firmware keeps the ids in a fixed array
// The DMA engine's transfer log: one entry per phase with transfers, printed and emptied after each
// measured run (each token of a decoder). Plans check that one run cannot need more.
inline constexpr std::uint32_t kDmaLogEntries = 16384;

struct LlamaJob {
  JobHeader header;
  std::uint32_t dim = 0, hidden_dim = 0, n_layers = 0, n_heads = 0, n_kv_heads = 0, vocab_size = 0, seq_len = 0;
  std::uint32_t steps = 0, prompt_tokens = 0, prompt = 0;  // prompt: offset of int32 ids
  std::uint32_t stop_token = 1;  // BOS: generation ends when it is sampled
  std::uint32_t cores = 8;
  std::uint32_t weights = 0, weights_bytes = 0, weights_in_l2 = 1;
  std::uint32_t chunk_bytes = 0;  // the largest streamed chunk (the L1 slot size)
  std::uint32_t kv_positions = 0; // positions of the L1 KV window (>= steps)
  std::uint32_t logits_in_l2 = 0; // logits (vocab f32) in L2 when L1 cannot hold them
  // Within the blob:
  std::uint32_t token_embedding = 0;   // (vocab, dim), plain
  std::uint32_t rms_att = 0, rms_ffn = 0, rms_final = 0;  // (layers, dim), (layers, dim), (dim)
  std::uint32_t rope_cos = 0, rope_sin = 0;               // (seq_len, head_size / 2) f32
  std::uint32_t layers = 0, layer_bytes = 0;              // layer l's matrices at layers + l·layer_bytes
  std::uint32_t wq = 0, wk = 0, wv = 0, wo = 0, w1 = 0, w3 = 0, w2 = 0;  // offsets inside a layer
  std::uint32_t classifier = 0;
};

}  // namespace bfedge::rv32
