// Row normalizations over `rows` rows of width `n` (row stride n), BF16 in and out, FP32 inside.
//   rmsnorm:   y = x / sqrt(mean(x²) + eps) ∘ gamma                  (LLaMA, eps 1e-5)
//   layernorm: y = (x - mean) / sqrt(var + eps) ∘ scale + shift      (TinyViT, BERT)
//   nonorm:    y = x ∘ scale + shift                                  (MobileBERT's NoNorm)
//   add_layernorm, add_nonorm: the same norms of x + residual, the sum kept in FP32 (MobileBERT's
//              norm(dense(x) + residual), one pass and one rounding)
// out may alias x (and residual). Rows are split over cores.
// The affine norms' scale and shift are FP32: they multiply and offset every row the same way,
// so their BF16 rounding is a systematic per-channel error, not noise. Through MobileBERT's 24
// NoNorm residual stages it grew 7× past the activations' own rounding (docs/mobilebert.md);
// kept FP32 they cost 4 bytes more per channel and norm.
#pragma once

#include <span>

#include "bfedge/core/bf16.hpp"
#include "bfedge/kernels/variant.hpp"

namespace bfedge::kernels {

struct NormParams {
  int rows = 1, n = 0;
  const bf16* x = nullptr;      // (rows, n)
  const bf16* gamma = nullptr;  // (n): rmsnorm's weight
  const float* scale = nullptr;  // (n): layernorm/nonorm's weight (unused by rmsnorm)
  const float* shift = nullptr;  // (n): layernorm/nonorm's bias (unused by rmsnorm)
  const bf16* residual = nullptr;  // (rows, n): added to x by the add_* norms (ignored by the rest)
  bf16* out = nullptr;          // (rows, n)
  float eps = 1e-5f;
  void* scratch = nullptr;
};

using NormVariant = Variant<NormParams>;
std::span<const NormVariant> rmsnorm_variants();
std::span<const NormVariant> layernorm_variants();
std::span<const NormVariant> nonorm_variants();
std::span<const NormVariant> add_layernorm_variants();
std::span<const NormVariant> add_nonorm_variants();

void rmsnorm__ref(const NormParams& p, const runtime::Team& team);
void rmsnorm__portable(const NormParams& p, const runtime::Team& team);
void rmsnorm__avx512bf16(const NormParams& p, const runtime::Team& team);
void layernorm__ref(const NormParams& p, const runtime::Team& team);
void layernorm__portable(const NormParams& p, const runtime::Team& team);
void layernorm__avx512bf16(const NormParams& p, const runtime::Team& team);
void nonorm__ref(const NormParams& p, const runtime::Team& team);
void nonorm__portable(const NormParams& p, const runtime::Team& team);
void add_layernorm__ref(const NormParams& p, const runtime::Team& team);
void add_layernorm__portable(const NormParams& p, const runtime::Team& team);
void add_layernorm__avx512bf16(const NormParams& p, const runtime::Team& team);
void add_nonorm__ref(const NormParams& p, const runtime::Team& team);
void add_nonorm__portable(const NormParams& p, const runtime::Team& team);

}  // namespace bfedge::kernels
