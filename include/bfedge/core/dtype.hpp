// Storage types a model can run in.
#pragma once

#include <string_view>

#include "bfedge/core/status.hpp"

namespace bfedge {

enum class Dtype {
  f32,   // the reference path: FP32 weights, activations and KV cache
  bf16,  // BF16 weights, activations and KV cache; FP32 accumulation in every reduction
};

constexpr const char* dtype_name(Dtype dtype) { return dtype == Dtype::f32 ? "f32" : "bf16"; }

inline Result<Dtype> parse_dtype(std::string_view text) {
  if (text == "f32") return Dtype::f32;
  if (text == "bf16") return Dtype::bf16;
  return invalid_argument("unknown dtype '" + std::string(text) + "' (expected bf16 or f32)");
}

}  // namespace bfedge
