#include "bfedge/io/tensor_table.hpp"

#include <bit>
#include <cmath>
#include <cstring>

#include "bfedge/core/bf16.hpp"

namespace bfedge::io {

const char* tensor_dtype_name(TensorDtype dtype) {
  switch (dtype) {
    case TensorDtype::f32:
      return "F32";
    case TensorDtype::f16:
      return "F16";
    case TensorDtype::bf16:
      return "BF16";
    case TensorDtype::i64:
      return "I64";
  }
  return "?";
}

std::size_t tensor_dtype_bytes(TensorDtype dtype) {
  switch (dtype) {
    case TensorDtype::f32:
      return 4;
    case TensorDtype::i64:
      return 8;
    case TensorDtype::f16:
    case TensorDtype::bf16:
      return 2;
  }
  return 0;
}

std::int64_t TensorEntry::elements() const {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;
  return n;
}

namespace {

// IEEE-754 binary16 → binary32, exact.
float f16_to_f32(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1fu;
  const std::uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0x1f) return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
  if (exponent != 0) return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
  const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
  return sign ? -magnitude : magnitude;
}

}  // namespace

float TensorTable::element_f32(const TensorEntry& entry, std::size_t i) const {
  const std::byte* at = data_.data() + entry.offset + i * tensor_dtype_bytes(entry.dtype);
  if (entry.dtype == TensorDtype::f32) {
    float f = 0.0f;
    std::memcpy(&f, at, sizeof f);
    return f;
  }
  if (entry.dtype == TensorDtype::i64) {
    std::int64_t v = 0;
    std::memcpy(&v, at, sizeof v);
    return static_cast<float>(v);
  }
  std::uint16_t bits = 0;
  std::memcpy(&bits, at, sizeof bits);
  return entry.dtype == TensorDtype::f16 ? f16_to_f32(bits) : to_f32(bf16_from_bits(bits));
}

const TensorEntry* TensorTable::find(std::string_view name) const {
  for (const TensorEntry& e : entries_) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

Result<std::vector<float>> read_finite_floats(const TensorTable& table, const TensorEntry& entry,
                                              const std::string& source) {
  const std::string what = source + ": tensor \"" + entry.name + "\"";
  if (entry.dtype == TensorDtype::i64) {
    return format_error(what + " is " + tensor_dtype_name(entry.dtype) + ", a weight must be F32, F16 or BF16");
  }
  const std::size_t count = static_cast<std::size_t>(entry.elements());
  std::vector<float> out(count);
  for (std::size_t i = 0; i < count; ++i) {
    out[i] = table.element_f32(entry, i);
    if (!std::isfinite(out[i])) return format_error(what + " has a non-finite value at element " + std::to_string(i));
  }
  return out;
}

std::int64_t TensorTable::total_elements() const {
  std::int64_t n = 0;
  for (const TensorEntry& e : entries_) n += e.elements();
  return n;
}

}  // namespace bfedge::io
