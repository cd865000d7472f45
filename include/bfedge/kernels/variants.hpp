// Every op's variant list in one include, and a flat listing of all variants (the tests use it
// to prove each listed variant has a test, on the host and on each target). Freestanding.
#pragma once

#include <span>

#include "bfedge/kernels/activation.hpp"
#include "bfedge/kernels/attention_decode.hpp"
#include "bfedge/kernels/attention_encoder.hpp"
#include "bfedge/kernels/conv.hpp"
#include "bfedge/kernels/elementwise.hpp"
#include "bfedge/kernels/matmul.hpp"
#include "bfedge/kernels/matvec.hpp"
#include "bfedge/kernels/rv32.hpp"
#include "bfedge/kernels/mhsa.hpp"
#include "bfedge/kernels/norm.hpp"
#include "bfedge/kernels/softmax.hpp"
#include "bfedge/kernels/window.hpp"

namespace bfedge::kernels {

struct VariantInfo {
  const char* op;
  const char* name;
  VariantKey key;
};

std::span<const VariantInfo> all_variants();

}  // namespace bfedge::kernels
