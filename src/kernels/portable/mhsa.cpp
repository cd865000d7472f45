// Portable MHSA variants: the blocked algorithms (kernels/mhsa_blocked.hpp) over the portable
// matmul, and the fused variant's tile chooser.
#include "../mhsa_blocked.hpp"

namespace bfedge::kernels {

FusedTiles mhsa_fused_tiles(int seq, int head_dim, std::size_t l1_budget_bytes) {
  for (int bq : {64, 32, 16, 8, 4, 2, 1}) {
    if (bq > 1 && bq / 2 >= seq) continue;  // no taller tile than the sequence needs
    for (int bk : {128, 64, 32, 16}) {
      if (bk / 2 >= seq && bk > 16) continue;
      const std::size_t bytes = mhsa_blocked::fused_core_bytes(bq, bk, head_dim);
      if (bytes <= l1_budget_bytes) return {bq, bk, bytes};
    }
  }
  return {1, 16, mhsa_blocked::fused_core_bytes(1, 16, head_dim)};
}

std::size_t mhsa__tiled_workspace(const MhsaParams& p) { return mhsa_blocked::tiled_workspace(p); }
std::size_t mhsa__fused_workspace(const MhsaParams& p) { return mhsa_blocked::fused_workspace(p); }
std::size_t mhsa__tiled_scratch(const MhsaParams& p) { return mhsa_blocked::tiled_scratch(p); }
std::size_t mhsa__fused_scratch(const MhsaParams& p) { return mhsa_blocked::fused_scratch(p); }

void mhsa__tiled_portable(const MhsaParams& p, const runtime::Team& team) {
  mhsa_blocked::tiled(p, &matmul__portable_4x4, team);
}

void mhsa__fused_portable(const MhsaParams& p, const runtime::Team& team) {
  mhsa_blocked::fused(p, {&matmul__portable_4x4, &mhsa_blocked::online_softmax_portable}, team);
}

}  // namespace bfedge::kernels
