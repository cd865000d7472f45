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
// The file size must equal exactly what the header implies. load_llama2c reads the header
// alone first and compares that size with the file's (stat) before reading any weights.
#pragma once

#include <cstdint>
#include <span>
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

// What a header says, with the exact file size it implies.
struct Llama2cHeader {
  models::LlamaConfig config;
  Llama2cFormat format = Llama2cFormat::legacy;
  std::size_t header_bytes = 0;
  std::uint64_t file_bytes = 0;
};

// Parses and validates a header from the first bytes of a checkpoint (kAk42HeaderBytes suffice;
// `prefix` is the whole input when it is shorter). `name` (a path) prefixes every error.
Result<Llama2cHeader> parse_llama2c_header(std::span<const std::byte> prefix,
                                           const std::string& name);

// Parses a whole checkpoint held in memory; weights are converted to T (float or bf16).
template <class T>
Result<LlamaCheckpoint<T>> parse_llama2c(std::span<const std::byte> bytes, const std::string& name);

// Loads a checkpoint: the header first, then (only when the file's size is exactly what the header
// implies) the weights, through parse_llama2c.
template <class T>
Result<LlamaCheckpoint<T>> load_llama2c(const std::string& path);

// Writes f32 weights in either format (atomically: nothing half-written on failure).
Status write_llama2c(const std::string& path, const models::LlamaConfig& config,
                     const models::LlamaWeights<float>& weights, Llama2cFormat format);

const char* format_name(Llama2cFormat format);

}  // namespace bfedge::io
