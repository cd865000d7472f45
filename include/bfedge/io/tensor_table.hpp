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

namespace bfedge::io {

enum class TensorDtype { f32, f16, bf16 };
const char* tensor_dtype_name(TensorDtype dtype);  // the safetensors spelling: "F32", "F16", "BF16"
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
  // infinities and NaN included).
  float element_f32(const TensorEntry& entry, std::size_t i) const;
  std::uint64_t data_bytes() const { return data_.size(); }
  std::int64_t total_elements() const;

 private:
  std::vector<TensorEntry> entries_;
  std::map<std::string, std::string> metadata_;
  std::span<const std::byte> data_;
  std::shared_ptr<const void> owner_;
};

}  // namespace bfedge::io
