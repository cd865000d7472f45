// The variant lists of the ops the RV32 firmware uses, restricted to what this target has (the
// host's src/kernels/variants.cpp also lists the x86 variants, which do not compile here).
#include "bfedge/kernels/matmul.hpp"

namespace bfedge::kernels {

std::span<const MatmulVariant> matmul_variants() {
  static const MatmulVariant variants[] = {
      {"matmul__ref", Isa::reference, &matmul__ref, nullptr},
      {"matmul__portable_4x4", Isa::portable, &matmul__portable_4x4, &matmul__portable_4x4_scratch},
  };
  return variants;
}

}  // namespace bfedge::kernels
