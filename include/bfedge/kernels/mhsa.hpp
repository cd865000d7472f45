// Multi-head self-attention, the interface of PyTorch's nn.MultiheadAttention(E, H) inference
// forward with batch 1 and need_weights=False:  x[L×E] → y[L×E], H heads of d = E / H.
//   [q k v] = x · in_proj_weightᵀ + in_proj_bias        in_proj_weight (3E, E), bias (3E)
//   per head: o_h = softmax(q_h k_hᵀ / sqrt(d) [+ causal mask]) v_h
//   y = [o_1 … o_H] · out_proj_weightᵀ + out_proj_bias  out_proj_weight (E, E), bias (E)
//
// Variants (docs/kernels.md):
//   mhsa__naive_port  FP32, one core: a line-by-line C++ port of PyTorch's forward (materialized
//                     head split and merge transposes, explicit Kᵀ, expf softmax). The baseline
//                     bfedge's speedups are measured against. Its own params type (f32).
//   mhsa__ref         BF16 storage, FP32 accumulation, scalar, one core: the oracle of the BF16
//                     variants.
//   mhsa__tiled_*     the reference work's approach done well: blocked matmuls on all cores, an
//                     explicit L×L score buffer per head, softmax over whole rows; heads are read
//                     in place from the QKV buffer, so no transposes.
//   mhsa__fused_*     per head and query tile: Q·Kᵀ → online softmax (running max and sum) → ·V,
//                     no L×L buffer, no transposes; tiles sized from l1_budget_bytes.
#pragma once

#include <cstddef>
#include <span>

#include "bfedge/core/bf16.hpp"
#include "bfedge/kernels/variant.hpp"

namespace bfedge::kernels {

template <class T>
struct MhsaArgs {
  int seq = 0, embed = 0, heads = 0;
  bool causal = false;  // query i attends to keys 0..i only
  const T* x = nullptr;                // (seq, embed)
  const T* in_proj_weight = nullptr;   // (3 embed, embed)
  const T* in_proj_bias = nullptr;     // (3 embed)
  const T* out_proj_weight = nullptr;  // (embed, embed)
  const T* out_proj_bias = nullptr;    // (embed)
  T* y = nullptr;                      // (seq, embed)
  std::size_t l1_budget_bytes = 64 * 1024;  // per core, for the fused variant's tiles
  void* workspace = nullptr;  // shared by all cores: variant.workspace_bytes(args)
  void* scratch = nullptr;    // per core: variant.scratch_bytes(args)
};

using MhsaParams = MhsaArgs<bf16>;
using MhsaF32Params = MhsaArgs<float>;
using MhsaVariant = Variant<MhsaParams>;
using MhsaF32Variant = Variant<MhsaF32Params>;

std::span<const MhsaVariant> mhsa_variants();          // mhsa__ref first
std::span<const MhsaF32Variant> mhsa_f32_variants();  // mhsa__naive_port

// Fused-attention tiles: query rows and key rows per step, from the L1 budget.
struct FusedTiles {
  int query_rows;
  int key_rows;
  std::size_t bytes;  // working set per core
};
FusedTiles mhsa_fused_tiles(int seq, int head_dim, std::size_t l1_budget_bytes);

void mhsa__naive_port(const MhsaF32Params& p, const runtime::Team& team);
std::size_t mhsa__naive_port_workspace(const MhsaF32Params& p);
void mhsa__ref(const MhsaParams& p, const runtime::Team& team);
std::size_t mhsa__ref_workspace(const MhsaParams& p);

void mhsa__tiled_portable(const MhsaParams& p, const runtime::Team& team);
void mhsa__fused_portable(const MhsaParams& p, const runtime::Team& team);
void mhsa__tiled_avx2(const MhsaParams& p, const runtime::Team& team);
void mhsa__fused_avx2(const MhsaParams& p, const runtime::Team& team);
void mhsa__tiled_avx512bf16(const MhsaParams& p, const runtime::Team& team);
void mhsa__fused_avx512bf16(const MhsaParams& p, const runtime::Team& team);
std::size_t mhsa__tiled_workspace(const MhsaParams& p);
std::size_t mhsa__fused_workspace(const MhsaParams& p);
std::size_t mhsa__tiled_scratch(const MhsaParams& p);
std::size_t mhsa__fused_scratch(const MhsaParams& p);

}  // namespace bfedge::kernels
