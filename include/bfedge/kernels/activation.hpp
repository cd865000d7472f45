// Element-wise activations on BF16 tensors, FP32 inside. Elements are split over cores.
//   swiglu:    gate[i] = silu(gate[i]) · up[i]                  (LLaMA FFN)
//   silu:      x / (1 + e^-x)
//   relu:      max(x, 0)                                          (MobileBERT)
//   gelu_erf:  x/2 · (1 + erf(x / sqrt 2))                        (PyTorch's default GELU)
//   gelu_tanh: x/2 · (1 + tanh(sqrt(2/pi) (x + 0.044715 x³)))     (approximate="tanh")
//   tanh:      tanh(x)                                             (BERT's pooler)
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

struct UnaryParams {
  int n = 0;
  const bf16* x = nullptr;  // (n)
  bf16* out = nullptr;      // (n), may alias x
  void* scratch = nullptr;
};
using UnaryVariant = Variant<UnaryParams>;
std::span<const UnaryVariant> silu_variants();
std::span<const UnaryVariant> relu_variants();
std::span<const UnaryVariant> gelu_erf_variants();
std::span<const UnaryVariant> gelu_tanh_variants();
std::span<const UnaryVariant> tanh_variants();

void silu__ref(const UnaryParams& p, const runtime::Team& team);
void silu__portable_fastexp(const UnaryParams& p, const runtime::Team& team);
void relu__ref(const UnaryParams& p, const runtime::Team& team);
void relu__portable(const UnaryParams& p, const runtime::Team& team);
void gelu_erf__ref(const UnaryParams& p, const runtime::Team& team);
void gelu_erf__portable_poly(const UnaryParams& p, const runtime::Team& team);
void gelu_erf__avx512bf16(const UnaryParams& p, const runtime::Team& team);  // the same formula on 16 lanes
void gelu_tanh__ref(const UnaryParams& p, const runtime::Team& team);
void gelu_tanh__portable_fastexp(const UnaryParams& p, const runtime::Team& team);
void tanh__ref(const UnaryParams& p, const runtime::Team& team);
void tanh__portable_fastexp(const UnaryParams& p, const runtime::Team& team);
std::span<const SwigluVariant> swiglu_variants();

void swiglu__ref(const SwigluParams& p, const runtime::Team& team);
void swiglu__portable_fastexp(const SwigluParams& p, const runtime::Team& team);
void swiglu__avx512bf16(const SwigluParams& p, const runtime::Team& team);

}  // namespace bfedge::kernels
