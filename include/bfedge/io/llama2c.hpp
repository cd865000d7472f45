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
//     | freq_cis (seq_len, head_size): the real then the imaginary halves; unused by run.c
//     | classifier (vocab, dim) only when unshared
//   where head_size = dim / n_heads and kv_dim = n_kv_heads * head_size.
//
// Versioned format "ak42", version 1 (export.py version1_export):
//   uint32 magic 0x616b3432 ("24ka" on disk) | int32 version = 1
//   | int32 dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len
//   | uint8 shared_classifier | zero padding up to byte 256
//   float32 tensors: rms_att | rms_ffn | rms_final | token_embedding | wq | wk | wv | wo
//     | w1 | w2 | w3 | classifier (only when not shared)
// Versions 2 (int8 groups) and 3 (HF layout) are rejected with a clear error.
//
// io reads a checkpoint into a model-neutral form: the header's integers (Llama2cHeader) and a
// TensorTable of the f32 tensors above by name, viewing the file's bytes. Building a model from
// them (and the model's own limits on the header) is models' work (models/llama_checkpoint.hpp).
//
// The file size must equal exactly what the header implies. load_llama2c reads the header
// alone first and compares that size with the file's (stat) before mapping any weights.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/io/tensor_table.hpp"

namespace bfedge::io {

enum class Llama2cFormat { legacy, ak42_v1 };

inline constexpr std::uint32_t kAk42Magic = 0x616b3432u;
inline constexpr std::size_t kAk42HeaderBytes = 256;
inline constexpr std::size_t kLegacyHeaderBytes = 7 * 4;

// What a header says, as plain integers, with the exact file size it implies.
struct Llama2cHeader {
  Llama2cFormat format = Llama2cFormat::legacy;
  std::int32_t dim = 0;
  std::int32_t hidden_dim = 0;
  std::int32_t n_layers = 0;
  std::int32_t n_heads = 0;
  std::int32_t n_kv_heads = 0;
  std::int32_t vocab_size = 0;  // always |vocab_size|: the sign is shared_classifier
  std::int32_t seq_len = 0;
  bool shared_classifier = true;
  std::size_t header_bytes = 0;  // where the tensors start
  std::uint64_t file_bytes = 0;  // set by parse_llama2c_header

  std::int64_t head_size() const { return n_heads > 0 ? dim / n_heads : 0; }
  std::int64_t kv_dim() const { return n_kv_heads * head_size(); }
};

// The header and its tensors (entries in file order; `freq_cis` included, never checked).
struct Llama2cFile {
  Llama2cHeader header;
  TensorTable tensors;
};

// A reader's own limits on a header (a model's: models::check_llama2c_header), run right after
// the header is parsed and before anything is sized or read from it; its error is returned as is.
using Llama2cHeaderCheck = Status (*)(const Llama2cHeader& header, const std::string& name);

// The tensors a header implies, in file order, with their shapes (offsets from the first tensor).
std::vector<TensorEntry> llama2c_layout(const Llama2cHeader& header);

// Parses a header from the first bytes of a checkpoint (kAk42HeaderBytes suffice; `prefix` is the
// whole input when it is shorter). io's own checks: every dimension positive, and a size that
// fits. `name` (a path) prefixes every error.
Result<Llama2cHeader> parse_llama2c_header(std::span<const std::byte> prefix,
                                           const std::string& name,
                                           Llama2cHeaderCheck check = nullptr);

// Parses a whole checkpoint held in memory: the table views `bytes`, which must outlive it. The
// size must be what the header implies; NaN and infinite weights are refused.
Result<Llama2cFile> parse_llama2c(std::span<const std::byte> bytes, const std::string& name,
                                  Llama2cHeaderCheck check = nullptr);

// Loads a checkpoint: the header first, then (only when the file's size is exactly what the header
// implies) the file mapped into memory and parsed by parse_llama2c; the table owns the mapping.
Result<Llama2cFile> load_llama2c(const std::string& path, Llama2cHeaderCheck check = nullptr);

// One tensor for write_llama2c, named as in llama2c_layout.
struct Llama2cTensorValues {
  std::string_view name;
  std::span<const float> values;
};

// Writes a checkpoint atomically (nothing half-written on failure). Every tensor the header's
// layout names must be given with its exact element count, except freq_cis (written as zeros).
Status write_llama2c(const std::string& path, const Llama2cHeader& header,
                     std::span<const Llama2cTensorValues> tensors);

const char* format_name(Llama2cFormat format);

}  // namespace bfedge::io
