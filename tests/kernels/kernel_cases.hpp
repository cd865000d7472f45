// The one table of kernel test cases: per op, the tile-edge shapes every variant is run at and
// the tolerance against the op's reference (docs/kernels.md, "Ops, variants, tolerances"). The
// host tests (tests/kernels/*_test.cpp) and the on-target tests (src/targets/rv32/kernel_tests.cpp,
// run under QEMU) both read it; the firmware skips the shapes its static buffers cannot hold.
// Freestanding: no allocation, no exceptions, no <vector>.
#pragma once

#include <cstddef>

namespace bfedge::kernels::cases {

// |got − ref| ≤ rel·|ref| + abs·scale, with the op's scale (below). NaN never passes.
struct Tolerance {
  float rel;
  float abs;
};
constexpr bool within(const Tolerance& t, float got, float ref, float scale) {
  const float diff = got > ref ? got - ref : ref - got;
  const float mag = ref < 0 ? -ref : ref;
  return diff <= t.rel * mag + t.abs * scale;
}

// One BF16 ULP at `ref` (2^(exponent - 7)); normal numbers only, 0 below.
constexpr float bf16_ulp(float ref) {
  const unsigned exponent = (__builtin_bit_cast(unsigned, ref) >> 23) & 0xffu;
  return exponent > 7 ? __builtin_bit_cast(float, (exponent - 7) << 23) : 0.0f;
}

// For outputs rounded to BF16: a whole ULP of the reference instead of rel·|ref| (which is less
// than an ULP at the bottom of a binade), since a last-bit difference in FP32 sums sitting on a
// rounding midpoint moves the rounded value by one ULP.
constexpr bool within_bf16(const Tolerance& t, float got, float ref, float scale) {
  const float diff = got > ref ? got - ref : ref - got;
  const float mag = ref < 0 ? -ref : ref;
  const float ulp = bf16_ulp(ref);
  return diff <= (t.rel * mag > ulp ? t.rel * mag : ulp) + t.abs * scale;
}

// matmul and matvec (linear__rv32_dma too): scale = Σ_k |a·b| (+ |bias|): 1 BF16 ULP + order.
inline constexpr Tolerance kMatmul{0x1p-8f, 0x1p-14f};
inline constexpr Tolerance kMatvec = kMatmul;
// conv2d and depthwise_conv2d (BF16 out): scale = Σ_taps |x·w| + |bias|, as for matmul.
inline constexpr Tolerance kConv = kMatmul;
// The scale of a producer (matmul, conv) with a fused GELU epilogue: GELU's slope lies in
// [-0.17, 1.13], so the summation-order term carries through at most 1.13×, and the vector
// GELU polynomials add under 1e-6 (2^-14 · 0.02).
constexpr float gelu_epilogue_scale(float scale) { return 1.25f * scale + 0.02f; }
// attention_decode: scale = max |v|.
inline constexpr Tolerance kAttentionDecode{0x1p-8f, 0x1p-12f};
// attention_encoder: scale = max |v|.
inline constexpr Tolerance kAttentionEncoder{0x1p-8f, 0x1p-12f};
// rmsnorm, layernorm, nonorm, add_layernorm, add_nonorm: scale = max |ref|.
inline constexpr Tolerance kNorm{0x1p-8f, 0x1p-14f};
// swiglu, silu, relu, gelu_*, tanh: scale = max(1, |x|).
inline constexpr Tolerance kActivation{0x1p-8f, 1e-5f};
// softmax: scale = 1.
inline constexpr Tolerance kSoftmax{0.0f, 1e-5f};
// mhsa (every BF16 variant and the MCU's fused one) against mhsa__ref: normalized MSE.
inline constexpr double kMhsaNmse = 2e-4;
inline constexpr double kMhsaNaivePortNmse = 1e-4;
// window_attention: scale = max |v|.
inline constexpr Tolerance kWindowAttention{0x1p-8f, 0x1p-12f};
// mean_tokens: scale = max |x|.
inline constexpr Tolerance kMeanTokens{0x1p-8f, 0x1p-14f};
// add, rope, embedding, transpose, trigram_embedding, first_token, window_partition,
// window_reverse: bit-identical.

// The on-target tests skip shapes above this many multiply-accumulates (QEMU time; the host runs
// them all).
inline constexpr double kOnTargetMaxMacs = 8.0 * 1024 * 1024;

// ---- matmul: C[m×n] = A·op(B) + bias --------------------------------------------------------
struct MatmulShape {
  int m, n, k;
};
inline constexpr MatmulShape kMatmulSmallShapes[] = {{1, 1, 1}, {1, 1, 2}, {2, 3, 1}, {1, 2, 5}};
// The product of these (register-tile edges: below, at and above 4, 6, 8 rows; 16 and 32 columns).
inline constexpr int kMatmulM[] = {3, 4, 5, 6, 7, 8, 9, 13};
inline constexpr int kMatmulN[] = {1, 3, 15, 16, 17, 31, 32, 33};
inline constexpr int kMatmulK[] = {1, 7, 8, 33};
// Model shapes: stories260K decode/prefill, MobileBERT, TinyViT window, reference MHSA.
inline constexpr MatmulShape kMatmulModelShapes[] = {{1, 172, 64},   {5, 64, 172},    {128, 128, 512},
                                                     {49, 192, 64}, {64, 1536, 512}, {197, 96, 192}};

// ---- conv2d and depthwise_conv2d (NHWC, kernels/conv.hpp) ------------------------------------
// Channels at vector and panel edges (1, 3, 15/16/17, 31/32/33, 64/65), odd and even H/W
// including 1, stride 1 and 2, pad 0 up to kernel/2, kernels 1, 2, 3, 5, 7, batch 1 and 2.
// Dense: enough pixels for several im2col blocks (2×17×19, 32×32), TinyViT's stem shapes.
struct Conv2dShape {
  int batch, in_h, in_w, in_channels, out_channels, kernel, stride, pad;
};
inline constexpr Conv2dShape kConv2dShapes[] = {
    {1, 1, 1, 1, 1, 1, 1, 0},    {1, 1, 1, 3, 16, 3, 1, 1},   {2, 5, 7, 3, 16, 3, 2, 1},   {1, 8, 8, 3, 32, 3, 1, 1},
    {2, 9, 6, 1, 15, 3, 2, 1},   {1, 7, 9, 15, 17, 3, 1, 0},  {2, 6, 5, 16, 33, 3, 2, 0},  {1, 5, 5, 17, 31, 3, 1, 1},
    {1, 4, 7, 33, 1, 3, 2, 1},   {1, 16, 16, 32, 64, 3, 2, 1}, {2, 11, 13, 65, 65, 3, 1, 1}, {1, 9, 9, 4, 8, 5, 1, 2},
    {1, 10, 7, 3, 5, 7, 2, 3},   {1, 6, 6, 5, 7, 7, 1, 3},    {1, 8, 8, 8, 9, 1, 1, 0},    {1, 7, 7, 6, 6, 1, 2, 0},
    {1, 12, 10, 2, 3, 2, 2, 0},  {2, 17, 19, 3, 32, 3, 1, 1}, {1, 32, 32, 3, 32, 3, 1, 1}, {1, 2, 3, 16, 16, 3, 2, 1}};
struct DepthwiseConv2dShape {
  int batch, in_h, in_w, channels, kernel, stride, pad;
};
inline constexpr DepthwiseConv2dShape kDepthwiseConv2dShapes[] = {
    {1, 1, 1, 1, 3, 1, 1},    {1, 1, 1, 16, 3, 2, 1},   {2, 5, 7, 3, 3, 1, 1},    {1, 8, 8, 15, 3, 2, 1},
    {2, 9, 6, 16, 3, 2, 1},   {1, 7, 9, 17, 3, 1, 0},   {1, 6, 5, 33, 3, 2, 0},   {2, 4, 4, 65, 3, 1, 1},
    {1, 16, 16, 64, 3, 1, 1}, {1, 16, 16, 128, 3, 2, 1}, {1, 7, 7, 160, 3, 1, 1}, {1, 9, 11, 31, 5, 1, 2},
    {1, 10, 7, 20, 7, 2, 3},  {1, 8, 8, 8, 1, 1, 0},    {1, 12, 10, 18, 2, 2, 0}, {1, 14, 14, 48, 7, 1, 3},
    {1, 3, 2, 70, 3, 2, 1},   {2, 6, 6, 129, 3, 1, 1}};

// ---- matvec: y[rows] = W (16-row packed) · x[cols] -------------------------------------------
inline constexpr int kMatvecRows[] = {1, 2, 7, 8, 9, 15, 16, 17, 33, 64, 172, 512};
inline constexpr int kMatvecCols[] = {1, 2, 3, 7, 8, 9, 63, 64, 172};

// ---- element-wise ops, norms, activations, softmax: vector lengths ---------------------------
inline constexpr int kVectorSizes[] = {1, 2, 7, 15, 16, 17, 31, 64, 172, 513};

// ---- attention_decode: heads, KV heads, head size, cache capacity; at these positions --------
struct AttentionDecodeShape {
  int heads, kv_heads, head_size, seq_cap;
};
inline constexpr AttentionDecodeShape kAttentionDecodeShapes[] = {
    {8, 4, 8, 512}, {4, 4, 128, 80}, {3, 1, 32, 40}, {5, 5, 33, 40}, {2, 1, 144, 20}, {1, 1, 16, 300}};
inline constexpr int kAttentionDecodePositions[] = {1, 2, 15, 16, 17, 20, 33};

// ---- attention_encoder: sequences, length, heads, head size; every sequence but the first has
// its last (seq · b) % 4 keys masked, the last one all of them when masked_all --------------------
struct AttentionEncoderShape {
  int batch, seq, heads, head_size;
  bool masked_all;
};
inline constexpr AttentionEncoderShape kAttentionEncoderShapes[] = {
    {1, 1, 1, 1, false},  {1, 7, 2, 8, false},  {3, 5, 1, 16, true},  {2, 16, 4, 32, false},
    {3, 17, 4, 32, false}, {2, 33, 3, 33, true}, {4, 64, 4, 32, false}, {1, 130, 4, 128, false}};

// ---- window_partition / window_reverse / window_attention: images, map height and width,
// channels, window side, heads (channels = heads · head_size); maps that windows divide, that
// they do not (padding), one window larger than the map, 1×1 windows ------------------------------
struct WindowShape {
  int batch, height, width, channels, window, heads;
};
inline constexpr WindowShape kWindowShapes[] = {
    {1, 1, 1, 1, 1, 1},  {1, 4, 4, 8, 2, 2},   {2, 5, 7, 6, 3, 2},   {1, 8, 8, 32, 8, 4},  {2, 7, 7, 40, 7, 5},
    {1, 3, 2, 16, 4, 1}, {2, 9, 9, 24, 4, 3}, {1, 14, 14, 20, 14, 1}, {3, 2, 2, 64, 2, 4},
    {2, 8, 8, 64, 8, 2},  {1, 13, 13, 64, 7, 2}};

// ---- mean_tokens: images, tokens, channels ------------------------------------------------------
struct MeanTokensShape {
  int batch, tokens, channels;
};
inline constexpr MeanTokensShape kMeanTokensShapes[] = {{1, 1, 1}, {2, 4, 17}, {3, 49, 320}, {1, 196, 33}, {5, 3, 2}};

// ---- mhsa (x[seq×embed], heads) ---------------------------------------------------------------
struct MhsaShape {
  int seq, embed, heads;
};
inline constexpr MhsaShape kMhsaShapes[] = {{1, 8, 1},   {5, 16, 2},  {17, 32, 4},  {16, 64, 8},  {33, 96, 3},
                                            {64, 64, 8}, {49, 64, 2}, {65, 128, 4}, {64, 512, 4}, {197, 192, 3}};

// ---- MCU kernels (kernels/rv32.hpp) -----------------------------------------------------------
// linear__rv32_dma: m, n, k under an L1 budget (small budgets: K in chunks, partial sums through
// the workspace; panels of 4).
struct LinearMcuCase {
  int m, n, k;
  std::size_t l1_budget;
};
inline constexpr LinearMcuCase kLinearMcuCases[] = {
    {1, 3, 4, 64 * 1024},   {5, 33, 7, 64 * 1024},  {64, 70, 130, 24 * 1024}, {64, 70, 130, 8 * 1024},
    {13, 4, 100, 3 * 1024}, {17, 37, 9, 3 * 1024},  {64, 1536, 512, 112 * 1024}};

// attention__rv32_dma: per head all in L1 (the GEMM form when a head's scores fit, else blocks
// of 4 query rows).
struct AttentionMcuCase {
  int seq, heads, head_dim;
  bool causal;
  std::size_t l1_budget;
};
inline constexpr AttentionMcuCase kAttentionMcuCases[] = {
    {1, 1, 8, false, 112 * 1024}, {5, 2, 8, true, 112 * 1024},  {17, 4, 8, false, 112 * 1024},
    {33, 3, 32, true, 112 * 1024}, {7, 5, 8, true, 112 * 1024}, {120, 2, 16, true, 112 * 1024}};

// mhsa__rv32_fused, planned for an L1 of 112 KiB.
struct MhsaMcuCase {
  int seq, embed, heads;
  bool causal;
};
inline constexpr MhsaMcuCase kMhsaMcuCases[] = {{1, 8, 1, false},   {5, 16, 2, true},   {17, 32, 4, false},
                                                {33, 96, 3, true},  {64, 512, 4, false}, {64, 512, 4, true},
                                                {7, 40, 5, true},   {120, 32, 2, true}};
inline constexpr std::size_t kMcuL1Budget = 112 * 1024;

}  // namespace bfedge::kernels::cases
