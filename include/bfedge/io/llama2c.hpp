// llama2.c checkpoints (karpathy/llama2.c, run.c and export.py). All values little-endian.
//
// Legacy format (no magic):
//   int32 dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len   (28 bytes)
//     vocab_size > 0: the classifier shares the token embedding table
//     vocab_size < 0: a separate classifier follows; the vocabulary is |vocab_size|
//   float32 tensors, layers stacked, PyTorch (out, in) layout:
//     token_embedding (vocab, dim) | rms_att (L, dim) | wq (L, dim, dim) | wk (L, kv_dim, dim)
//     wv (L, kv_dim, dim) | wo (L, dim, dim) | rms_ffn (L, dim) | w1 (L, hidden, dim)
//     w2 (L, dim, hidden) | w3 (L, hidden, dim) | rms_final (dim)
//     | freq_cis_real, freq_cis_imag (seq_len * head_size / 2 each; unused, skipped)
//     | classifier (vocab, dim) only when unshared
//
// Versioned format "ak42", version 1 (export.py version1_export):
//   uint32 magic 0x616b3432 ("24ka" on disk) | int32 version = 1
//   | int32 dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len
//   | uint8 shared_classifier | zero padding up to byte 256
//   float32 tensors: rms_att | rms_ffn | rms_final | token_embedding | wq | wk | wv | wo
//     | w1 | w2 | w3 | classifier (only when not shared)
// Versions 2 (int8 groups) and 3 (HF layout) are rejected with a clear error.
//
// The file size must equal exactly what the header implies.
#pragma once

#include <string>

#include "bfedge/core/status.hpp"
#include "bfedge/models/llama_config.hpp"

namespace bfedge::io {

enum class Llama2cFormat { legacy, ak42_v1 };

inline constexpr std::uint32_t kAk42Magic = 0x616b3432u;
inline constexpr std::size_t kAk42HeaderBytes = 256;
inline constexpr std::size_t kLegacyHeaderBytes = 7 * 4;

template <class T>
struct LlamaCheckpoint {
  models::LlamaConfig config;
  models::LlamaWeights<T> weights;
  Llama2cFormat format = Llama2cFormat::legacy;
};

// Loads and validates a checkpoint; weights are converted to T (float or bf16) as they are read.
template <class T>
Result<LlamaCheckpoint<T>> load_llama2c(const std::string& path);

// Writes f32 weights in either format (atomically: nothing half-written on failure).
Status write_llama2c(const std::string& path, const models::LlamaConfig& config,
                     const models::LlamaWeights<float>& weights, Llama2cFormat format);

const char* format_name(Llama2cFormat format);

}  // namespace bfedge::io
