// AVX-512 BF16 MHSA variants: the blocked algorithms over matmul__avx512bf16_8x32.
#include "../mhsa_blocked.hpp"

namespace bfedge::kernels {

void mhsa__tiled_avx512bf16(const MhsaParams& p, const runtime::Team& team) {
  mhsa_blocked::tiled(p, &matmul__avx512bf16_8x32, team);
}

void mhsa__fused_avx512bf16(const MhsaParams& p, const runtime::Team& team) {
  mhsa_blocked::fused(p, &matmul__avx512bf16_8x32, team);
}

}  // namespace bfedge::kernels
