// A model-neutral table of named tensors over one byte buffer: what io's format readers produce
// (safetensors today) and model builders consume. io knows no model: mapping names to a model's
// weights lives with the model builders.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bfedge/core/status.hpp"

namespace bfedge::io {

// i64 holds counters such as BatchNorm's num_batches_tracked (timm checkpoints).
enum class TensorDtype { f32, f16, bf16, i64 };
const char* tensor_dtype_name(TensorDtype dtype);  // the safetensors spelling: "F32", "F16", "BF16", "I64"
std::size_t tensor_dtype_bytes(TensorDtype dtype);

struct TensorEntry {
  std::string name;
  TensorDtype dtype = TensorDtype::f32;
  std::vector<std::int64_t> shape;
  std::uint64_t offset = 0;  // from the start of the table's data
  std::uint64_t bytes = 0;
  std::int64_t elements() const;
};

class TensorTable {
 public:
  TensorTable() = default;
  // `entries` in data order; `owner` keeps `data` alive (a mapped file), or null for a view.
  TensorTable(std::vector<TensorEntry> entries, std::map<std::string, std::string> metadata,
              std::span<const std::byte> data, std::shared_ptr<const void> owner)
      : entries_(std::move(entries)), metadata_(std::move(metadata)), data_(data), owner_(std::move(owner)) {}

  const std::vector<TensorEntry>& entries() const { return entries_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const TensorEntry* find(std::string_view name) const;
  // The tensor's bytes, little-endian, possibly unaligned (read them with memcpy).
  std::span<const std::byte> bytes(const TensorEntry& entry) const { return data_.subspan(entry.offset, entry.bytes); }
  // Element `i` of the tensor as f32, exactly (F32 as is; F16 and BF16 widened, subnormals,
  // infinities and NaN included; I64 converted, exact up to 2^24).
  float element_f32(const TensorEntry& entry, std::size_t i) const;
  std::uint64_t data_bytes() const { return data_.size(); }
  std::int64_t total_elements() const;

 private:
  std::vector<TensorEntry> entries_;
  std::map<std::string, std::string> metadata_;
  std::span<const std::byte> data_;
  std::shared_ptr<const void> owner_;
};

// The elements of a floating-point tensor (F32, F16, BF16) as f32, for weights. Errors, one line
// starting with `source`: an integer dtype ("tensor \"x\" is I64, a weight must be F32, F16 or
// BF16") and a non-finite value ("tensor \"x\" has a non-finite value at element 7").
Result<std::vector<float>> read_finite_floats(const TensorTable& table, const TensorEntry& entry,
                                              const std::string& source);

}  // namespace bfedge::io
