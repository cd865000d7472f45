// safetensors (Hugging Face): the checkpoint format of MobileBERT, TinyViT and most hubs' models.
// All values little-endian.
//
//   uint64 N                          the header's length in bytes (at most 100,000,000)
//   N bytes of UTF-8 JSON             one object, optionally padded with spaces:
//     "__metadata__": {string: string}                          (optional)
//     "<tensor name>": {"dtype": "F32" | "F16" | "BF16" | ...,
//                       "shape": [d0, d1, ...],                 (non-negative; [] is a scalar)
//                       "data_offsets": [begin, end]}           (relative to the data below)
//   the data                          every byte belongs to exactly one tensor: no overlap, no hole
//
// bfedge reads F32, F16 and BF16; other dtypes (I64, U8, F64, ...) are refused by name. Each
// tensor's byte count must equal its shape times its dtype's size. Tensor names are unique.
#pragma once

#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/io/tensor_table.hpp"

namespace bfedge::io {

inline constexpr std::uint64_t kSafetensorsMaxHeaderBytes = 100'000'000;

// Parses a whole file's bytes; the table views `bytes` (keep them alive). `name` prefixes errors.
Result<TensorTable> parse_safetensors(std::span<const std::byte> bytes, const std::string& name);

// Maps the file and parses it; the table keeps the mapping.
Result<TensorTable> load_safetensors(const std::string& path);

// True when `prefix` (a file's first bytes, at least 9) looks like safetensors: a header length
// within `file_size` followed by '{'.
bool looks_like_safetensors(std::span<const std::byte> prefix, std::uint64_t file_size);

// One tensor to write: its raw little-endian bytes must be shape × dtype size.
struct SafetensorsTensor {
  std::string name;
  TensorDtype dtype = TensorDtype::f32;
  std::vector<std::int64_t> shape;
  std::vector<std::byte> data;
};
// The file's bytes (tensors in the given order, header padded to 8 bytes), or an error for
// duplicate names or a size that does not match the shape.
Result<std::vector<std::byte>> encode_safetensors(const std::vector<SafetensorsTensor>& tensors,
                                                  const std::map<std::string, std::string>& metadata = {});

}  // namespace bfedge::io
