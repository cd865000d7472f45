// The one list of kernel variants per op, reference first, then by increasing ISA level.
// Dispatch (select_variant), the tests (tests/kernels) and the benchmarks (bench/) all read it.
#include "bfedge/kernels/matmul.hpp"

namespace bfedge::kernels {

std::span<const MatmulVariant> matmul_variants() {
  static constexpr MatmulVariant kList[] = {
      {"matmul__ref", Isa::reference, &matmul__ref, nullptr},
      {"matmul__portable_4x4", Isa::portable, &matmul__portable_4x4, &matmul__portable_4x4_scratch},
      {"matmul__avx2_6x16", Isa::avx2, &matmul__avx2_6x16, &matmul__avx2_6x16_scratch},
      {"matmul__avx512bf16_8x32", Isa::avx512bf16, &matmul__avx512bf16_8x32,
       &matmul__avx512bf16_8x32_scratch},
  };
  return kList;
}

}  // namespace bfedge::kernels
