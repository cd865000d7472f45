// Element-wise activations on BF16 tensors, FP32 inside.
//   swiglu: gate[i] = silu(gate[i]) · up[i],  silu(x) = x / (1 + e^-x)  (LLaMA FFN)
// Elements are split over cores.
#pragma once

#include <span>

#include "bfedge/core/bf16.hpp"
#include "bfedge/kernels/variant.hpp"

namespace bfedge::kernels {

struct SwigluParams {
  int n = 0;
  bf16* gate = nullptr;       // (n) in: gate projection, out: silu(gate) · up
  const bf16* up = nullptr;   // (n)
  void* scratch = nullptr;
};

using SwigluVariant = Variant<SwigluParams>;
std::span<const SwigluVariant> swiglu_variants();

void swiglu__ref(const SwigluParams& p, const runtime::Team& team);
void swiglu__portable_fastexp(const SwigluParams& p, const runtime::Team& team);
void swiglu__avx512bf16(const SwigluParams& p, const runtime::Team& team);

}  // namespace bfedge::kernels
