// What a producing kernel (matmul, conv2d, depthwise_conv2d, add) does to each finished FP32
// value, bias included, before its one rounding to BF16. Fusing the activation into its producer
// saves a BF16 rounding of the pre-activation and a pass over memory (docs/adr/0001).
#pragma once

#include <cmath>

namespace bfedge::kernels {

enum class Epilogue : unsigned char { none, gelu_erf };

constexpr const char* epilogue_name(Epilogue e) { return e == Epilogue::gelu_erf ? "gelu_erf" : "none"; }

// GELU with the exact erf: the oracle's (gelu_erf__ref) and every scalar epilogue's.
inline float gelu_erf_value(float x) { return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f)); }

inline float apply_epilogue(Epilogue e, float value) {
  return e == Epilogue::gelu_erf ? gelu_erf_value(value) : value;
}

}  // namespace bfedge::kernels
