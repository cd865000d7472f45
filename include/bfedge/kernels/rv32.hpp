// Kernels for the MCU cluster (8 cores, a small shared L1, operands in L2/L3, a DMA engine):
// every operand tile is brought into L1 by DMA, widened from BF16 to FP32 once as it lands (the
// PULP lesson: widening inside the inner loop costs ~40 %), and the next tile's transfer overlaps
// the current tile's compute (double buffering). Freestanding: the same source runs on the RV32
// firmware (with the DMA hart) and on the host (tests, with a synchronous copy as the DMA).
//
//   linear__rv32_dma     C[m×n] = A[m×k] · W[n×k]ᵀ + bias (PyTorch Linear layout), BF16 in and out.
//                       K is split into chunks of tk that fit L1 with all of A's rows; C partial
//                       sums travel L1↔workspace by DMA between chunks; cores share each W panel.
//   attention__rv32_dma  per head, all in L1. When a head's L×L scores fit: Q, K, V land and are
//                       widened into the micro-kernel's layouts, S = Q·Kᵀ and P·V run on it
//                       (the GEMM form). Otherwise K and V land (the next head's while this one
//                       computes) and cores take blocks of 4 query rows: scores, softmax
//                       (fast exp) and ·V stay in registers and per-core L1.
//   matvec__rv32_8row    the LLaMA decoder's matvec on weights streamed into L1 (see below).
//   matvec__rv32_dma     the same, streaming whole 16-row blocks through two L1 slots itself.
//   attention_decode__rv32_dma  decode attention on the layer's KV window, brought into L1.
//   mhsa__rv32_fused     linear (QKV) → attention → linear (output), nn.MultiheadAttention's
//                       forward with the MhsaArgs interface of mhsa.hpp.
// Plans fail (ok = false, with a reason) when even the smallest tiles exceed the L1 budget.
//
// Registry (src/kernels/variants.cpp): key kRv32 (target rv32, plain C++, so they run on the
// host too). matvec__rv32_8row, attention_decode__rv32_heads and rmsnorm__rv32_columns are in their
// op's lists; the DMA-tiled kernels have their own: linear_dma_variants() (oracle: matmul__ref
// with Bᵀ), attention_dma_variants() and mhsa_dma_variants() (oracle: mhsa__ref).
#pragma once

#include <cstddef>
#include <cstdint>

#include "bfedge/core/bf16.hpp"
#include "bfedge/kernels/attention_decode.hpp"
#include "bfedge/kernels/variant.hpp"
#include "bfedge/runtime/team.hpp"

namespace bfedge::kernels {

// One strided transfer: rows of row_bytes from src (rows src_stride apart) to dst (dst_stride apart).
struct DmaTransfer {
  const void* src = nullptr;
  void* dst = nullptr;
  std::size_t row_bytes = 0;
  int rows = 0;
  std::size_t src_stride = 0, dst_stride = 0;
};

// The DMA engine as kernels see it: asynchronous 2D copies (rows of row_bytes, strided).
struct DmaOps {
  std::uint32_t (*start)(void* ctx, const void* src, void* dst, std::uint32_t row_bytes, std::uint32_t rows,
                         std::uint32_t src_stride, std::uint32_t dst_stride) = nullptr;
  void (*wait)(void* ctx, std::uint32_t ticket) = nullptr;
  void* ctx = nullptr;
};

// Matvec on matvec_pack weights (kernels/matvec.hpp) split in 8-row halves of the 16-row blocks
// (8 cores share a 64-row matrix); same parameters and layout as the matvec variants. The f32x
// form takes x already widened (callers that apply several matrices to one x widen it once).
struct MatvecParams;
void matvec__rv32_8row(const MatvecParams& p, const runtime::Team& team);
std::size_t matvec__rv32_8row_scratch(const MatvecParams& p);
struct MatvecF32xArgs {
  int rows = 0, cols = 0;
  const bf16* w_packed = nullptr;
  const float* x = nullptr;  // (2 · matvec_pairs(cols)), zero past cols
  void* y = nullptr;
  bool y_f32 = false;
};
void matvec_f32x__rv32_8row(const MatvecF32xArgs& p, const runtime::Team& team);
// Widens x (cols) into out (2 · matvec_pairs(cols) floats, the odd one zero-padded).
void widen_matvec_x(const bf16* x, int cols, float* out);

// Decode attention with each head's q and accumulators in registers (attention_decode.hpp's
// parameters and scratch); bit-identical to attention_decode__portable_fastexp.
struct AttentionDecodeParams;
void attention_decode__rv32_heads(const AttentionDecodeParams& p, const runtime::Team& team);

// RMSNorm of rows shared by all cores (each core reduces the row and writes a slice); out must
// not alias x (other cores are still reading it).
struct NormParams;
void rmsnorm__rv32_columns(const NormParams& p, const runtime::Team& team);

// Matvec on matvec_pack weights far from the cores (L2 or L3): whole 16-row blocks stream through
// two L1 slots by DMA, the next piece landing while the cores run this one (matvec_f32x on it);
// x is widened once into L1, each core a slice. The deploy compiler's schedule calls it for every
// matvec of a decoder; the tiling planner sizes the slots. It returns after a barrier of the team:
// its outputs, and every write before it, are visible to all cores.
struct DmaMatvecArgs {
  int rows = 0, cols = 0;
  const bf16* w_packed = nullptr;  // matvec_pack layout, far
  const bf16* x = nullptr;         // (cols)
  void* y = nullptr;               // (rows), FP32 when y_f32, else BF16
  bool y_f32 = false;
  std::size_t slot_bytes = 0;      // a multiple of matvec_dma_block_bytes(cols), at least one
  void* l1 = nullptr;              // matvec_dma_l1_bytes(cols, slot_bytes), 16-byte aligned
  DmaOps dma;
  // Prefetch across nodes: first_piece, when set, is this matvec's first piece already in L1 (the
  // previous streamed matvec fetched it) and no slot holds it; next_w_packed, when set, is the next
  // streamed matvec's weights, whose first piece (next_first_piece_bytes) lands in next_first_piece
  // during this matvec's last piece. Neither buffer may overlap l1.
  const void* first_piece = nullptr;
  const bf16* next_w_packed = nullptr;
  std::size_t next_first_piece_bytes = 0;
  void* next_first_piece = nullptr;
  // Transfers carried for a later node (a decoder's KV window, fetched ahead of its attention):
  // core 0 starts them once every core is past the nodes before (after the widening barrier,
  // ahead of the second piece's transfer) and waits for them before the last barrier, so they are
  // complete for every core when the matvec returns; they share the DMA engine with the pieces.
  // Their destinations may not overlap l1 or either buffer. At most two (more are not started);
  // an array the caller keeps (a pointer: the struct stays small enough to be filled field by
  // field on the MCU, not by picolibc's memset).
  const DmaTransfer* carried = nullptr;
  int carried_count = 0;
};
// One 16-row block of the packed layout (the smallest piece), the L1 the kernel needs, and the
// bytes of the first piece (what a prefetch fetches).
std::size_t matvec_dma_block_bytes(int cols);
std::size_t matvec_dma_l1_bytes(int cols, std::size_t slot_bytes);
std::size_t matvec_dma_first_piece_bytes(int rows, int cols, std::size_t slot_bytes);
void matvec__rv32_dma(const DmaMatvecArgs& args, const runtime::Team& team);

// A layer's KV window in L1 (attention_decode__rv32_dma's, or one a streamed matvec fills ahead of
// the attention): the keys (n_kv_heads · head_size rows of window_positions), then the values
// (n_kv_heads blocks of window_positions · head_size), each 16-byte aligned. The scores of decode
// attention over at most window_positions, each core's slice, in L1.
std::size_t kv_window_bytes(int n_kv_heads, int head_size, int window_positions);
std::size_t kv_window_values_offset(int n_kv_heads, int head_size, int window_positions);
std::size_t attention_decode_scores_l1_bytes(int n_heads, int n_kv_heads, int head_size, int window_positions, int cores);
// The two transfers (keys, values) that bring positions 0..positions-1 of a layer's far cache
// (far.k_cache, far.v_cache, far.seq_cap) into a window at `window`; returns how many it wrote to
// `out`: 2, or 0 when positions is 0.
int kv_window_transfers(const AttentionDecodeParams& far, int positions, void* window, int window_positions,
                        DmaTransfer out[2]);

// Decode attention with the layer's KV cache far (L2): core 0 brings the keys and values of
// positions 0..n_positions-1 into an L1 window by two strided DMA transfers, then the cores run
// attention_decode__rv32_heads on the window with their scores in L1 too. Bit-identical to
// attention_decode__rv32_heads on the far cache. The deploy compiler's schedule calls it for a
// decoder's attention when the window of the plan's positions fits L1 (deploy/tile_plan.hpp).
struct DmaAttentionDecodeArgs {
  AttentionDecodeParams attention;  // k_cache, v_cache far; scratch unused (the scores are in l1)
  int window_positions = 0;         // the window's capacity, >= attention.n_positions
  void* l1 = nullptr;               // attention_decode_dma_l1_bytes(..., the team's cores), 16-byte aligned
  DmaOps dma;
};
std::size_t attention_decode_dma_l1_bytes(int n_heads, int n_kv_heads, int head_size, int window_positions, int cores);
void attention_decode__rv32_dma(const DmaAttentionDecodeArgs& args, const runtime::Team& team);

struct DmaLinearPlan {
  bool ok = false;
  const char* reason = "";  // why not, when !ok
  int tn = 0;               // W rows (output columns) per panel, a multiple of 4
  int tk = 0;               // K per chunk, a multiple of 4
  std::size_t l1_bytes = 0;
};
DmaLinearPlan plan_linear_mcu(int m, int n, int k, std::size_t l1_budget);

struct DmaLinearArgs {
  int m = 0, n = 0, k = 0;
  const bf16* a = nullptr;  // (m, k), row stride lda
  int lda = 0;
  const bf16* w = nullptr;  // (n, k), row stride ldw
  int ldw = 0;
  const bf16* bias = nullptr;  // (n) or null
  bf16* c = nullptr;           // (m, n), row stride ldc
  int ldc = 0;
  DmaLinearPlan plan;
  void* l1 = nullptr;         // plan.l1_bytes, 16-byte aligned, shared by the cores
  float* partial = nullptr;   // (m, n) f32 workspace when plan.tk < k
  DmaOps dma;
};
// Bytes of DmaLinearArgs::partial a plan needs (0 when the partial sums stay in L1).
std::size_t linear_dma_partial_bytes(int m, int n, int k, const DmaLinearPlan& plan);
void linear__rv32_dma(const DmaLinearArgs& args, const runtime::Team& team);

struct DmaAttentionPlan {
  bool ok = false;
  const char* reason = "";
  bool gemm = false;  // the whole score matrix of a head fits L1: S and P·V on the micro-kernel
  std::size_t l1_bytes = 0;
};
DmaAttentionPlan plan_attention_mcu(int seq, int head_dim, int cores, std::size_t l1_budget);

struct DmaAttentionArgs {
  int seq = 0, heads = 0, head_dim = 0;
  bool causal = false;
  const bf16* qkv = nullptr;  // (seq, 3·heads·head_dim): q | k | v, heads side by side
  bf16* out = nullptr;        // (seq, heads·head_dim)
  bool gemm = false;          // plan.gemm
  void* l1 = nullptr;         // plan.l1_bytes
  DmaOps dma;
};
void attention__rv32_dma(const DmaAttentionArgs& args, const runtime::Team& team);

struct DmaMhsaPlan {
  bool ok = false;
  const char* reason = "";
  DmaLinearPlan in_proj, out_proj;
  DmaAttentionPlan attention;
  std::size_t l1_bytes = 0;      // the largest stage
  std::size_t l2_bytes = 0;      // workspace: qkv, attention output, partial sums
};
DmaMhsaPlan plan_mhsa_mcu(int seq, int embed, int heads, int cores, std::size_t l1_budget);
// An upper bound of the barriers mhsa__rv32_fused runs with this plan (linear: 1 + 2 per panel and
// K chunk; attention: 1 + at most 8 per head): what the firmware's per-run logs must hold.
std::size_t mhsa_dma_phase_bound(const DmaMhsaPlan& plan, int seq, int embed, int heads);

struct DmaMhsaArgs {
  int seq = 0, embed = 0, heads = 0;
  bool causal = false;
  const bf16* x = nullptr;                // (seq, embed)
  const bf16* in_proj_weight = nullptr;   // (3 embed, embed)
  const bf16* in_proj_bias = nullptr;     // (3 embed)
  const bf16* out_proj_weight = nullptr;  // (embed, embed)
  const bf16* out_proj_bias = nullptr;    // (embed)
  bf16* y = nullptr;                      // (seq, embed)
  DmaMhsaPlan plan;
  void* l1 = nullptr;         // plan.l1_bytes
  void* workspace = nullptr;  // plan.l2_bytes
  DmaOps dma;
};
void mhsa__rv32_fused(const DmaMhsaArgs& args, const runtime::Team& team);

using DmaLinearVariant = Variant<DmaLinearArgs>;
using DmaAttentionVariant = Variant<DmaAttentionArgs>;
using DmaMhsaVariant = Variant<DmaMhsaArgs>;
std::span<const DmaLinearVariant> linear_dma_variants();
std::span<const DmaAttentionVariant> attention_dma_variants();
std::span<const DmaMhsaVariant> mhsa_dma_variants();

}  // namespace bfedge::kernels
