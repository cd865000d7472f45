// Row softmax in place on FP32 scores: x = softmax(scale · x) over each of `rows` rows of `cols`
// (row stride ld). -inf entries (masks) get probability 0; a row that is entirely -inf becomes
// all zeros (no NaN). Rows are split over cores.
#pragma once

#include <span>

#include "bfedge/kernels/variant.hpp"

namespace bfedge::kernels {

struct SoftmaxParams {
  int rows = 1, cols = 0, ld = 0;
  float* x = nullptr;
  float scale = 1.0f;
  void* scratch = nullptr;
};

using SoftmaxVariant = Variant<SoftmaxParams>;
std::span<const SoftmaxVariant> softmax_variants();

void softmax__ref(const SoftmaxParams& p, const runtime::Team& team);
void softmax__portable_fastexp(const SoftmaxParams& p, const runtime::Team& team);
void softmax__avx512bf16(const SoftmaxParams& p, const runtime::Team& team);

}  // namespace bfedge::kernels
