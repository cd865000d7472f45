#include "bfedge/core/bf16.hpp"

namespace bfedge {

void convert_f32_to_bf16(const float* src, bf16* dst, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) dst[i] = to_bf16(src[i]);
}

void convert_bf16_to_f32(const bf16* src, float* dst, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) dst[i] = to_f32(src[i]);
}

}  // namespace bfedge
