#include "bfedge/io/tensor_table.hpp"

namespace bfedge::io {

const char* tensor_dtype_name(TensorDtype dtype) {
  switch (dtype) {
    case TensorDtype::f32:
      return "F32";
    case TensorDtype::f16:
      return "F16";
    case TensorDtype::bf16:
      return "BF16";
  }
  return "?";
}

std::size_t tensor_dtype_bytes(TensorDtype dtype) { return dtype == TensorDtype::f32 ? 4 : 2; }

std::int64_t TensorEntry::elements() const {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;
  return n;
}

const TensorEntry* TensorTable::find(std::string_view name) const {
  for (const TensorEntry& e : entries_) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

std::int64_t TensorTable::total_elements() const {
  std::int64_t n = 0;
  for (const TensorEntry& e : entries_) n += e.elements();
  return n;
}

}  // namespace bfedge::io
