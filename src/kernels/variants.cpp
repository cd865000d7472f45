// The one list of kernel variants per op, reference first, then by increasing ISA level.
// Dispatch (select_variant), the tests (tests/kernels) and the benchmarks (bench/) all read it.
#include "bfedge/kernels/activation.hpp"
#include "bfedge/kernels/attention_decode.hpp"
#include "bfedge/kernels/matmul.hpp"
#include "bfedge/kernels/matvec.hpp"
#include "bfedge/kernels/mhsa.hpp"

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

std::span<const MatvecVariant> matvec_variants() {
  static constexpr MatvecVariant kList[] = {
      {"matvec__ref", Isa::reference, &matvec__ref, nullptr},
      {"matvec__portable_16row", Isa::portable, &matvec__portable_16row,
       &matvec__portable_16row_scratch},
      {"matvec__avx2_16row", Isa::avx2, &matvec__avx2_16row, nullptr},
      {"matvec__avx512bf16_16row", Isa::avx512bf16, &matvec__avx512bf16_16row, nullptr},
  };
  return kList;
}

std::span<const AttentionDecodeVariant> attention_decode_variants() {
  static constexpr AttentionDecodeVariant kList[] = {
      {"attention_decode__ref", Isa::reference, &attention_decode__ref, &attention_decode_scratch},
      {"attention_decode__portable_fastexp", Isa::portable, &attention_decode__portable_fastexp,
       &attention_decode_scratch},
      {"attention_decode__avx512bf16", Isa::avx512bf16, &attention_decode__avx512bf16,
       &attention_decode_scratch},
  };
  return kList;
}

std::span<const SwigluVariant> swiglu_variants() {
  static constexpr SwigluVariant kList[] = {
      {"swiglu__ref", Isa::reference, &swiglu__ref, nullptr},
      {"swiglu__portable_fastexp", Isa::portable, &swiglu__portable_fastexp, nullptr},
      {"swiglu__avx512bf16", Isa::avx512bf16, &swiglu__avx512bf16, nullptr},
  };
  return kList;
}

std::span<const MhsaVariant> mhsa_variants() {
  static constexpr MhsaVariant kList[] = {
      {"mhsa__ref", Isa::reference, &mhsa__ref, nullptr, &mhsa__ref_workspace},
      {"mhsa__tiled_portable", Isa::portable, &mhsa__tiled_portable, &mhsa__tiled_scratch,
       &mhsa__tiled_workspace},
      {"mhsa__fused_portable", Isa::portable, &mhsa__fused_portable, &mhsa__fused_scratch,
       &mhsa__fused_workspace},
      {"mhsa__tiled_avx512bf16", Isa::avx512bf16, &mhsa__tiled_avx512bf16, &mhsa__tiled_scratch,
       &mhsa__tiled_workspace},
      {"mhsa__fused_avx512bf16", Isa::avx512bf16, &mhsa__fused_avx512bf16, &mhsa__fused_scratch,
       &mhsa__fused_workspace},
  };
  return kList;
}

std::span<const MhsaF32Variant> mhsa_f32_variants() {
  static constexpr MhsaF32Variant kList[] = {
      {"mhsa__naive_port", Isa::reference, &mhsa__naive_port, nullptr, &mhsa__naive_port_workspace},
  };
  return kList;
}

}  // namespace bfedge::kernels
