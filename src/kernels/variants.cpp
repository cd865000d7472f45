// The one list of kernel variants per op, reference first, then by increasing specialization.
// Dispatch (select_variant), the tests (tests/kernels on the host, src/targets/rv32/kernel_tests.cpp
// on the target) and the benchmarks (bench/) all read it. Compiled for every target: where the
// x86 kernels are not built (BFEDGE_KERNELS_X86=0, set by cmake/KernelSources.cmake) their rows
// stay listed without an entry point; their features never occur in that target's spec, so
// nothing selects or runs them there.
#include "bfedge/kernels/variants.hpp"

#include <array>

#ifndef BFEDGE_KERNELS_X86
#define BFEDGE_KERNELS_X86 1
#endif
#if BFEDGE_KERNELS_X86
#define BFEDGE_X86(fn) &fn
#else
#define BFEDGE_X86(fn) nullptr
#endif

namespace bfedge::kernels {
namespace {

constexpr MatmulVariant kMatmul[] = {
    {"matmul__ref", kReference, &matmul__ref, nullptr},
    {"matmul__portable_4x4", kPortable, &matmul__portable_4x4, &matmul__portable_4x4_scratch},
    {"matmul__avx2_6x16", kX86Avx2, BFEDGE_X86(matmul__avx2_6x16), BFEDGE_X86(matmul__avx2_6x16_scratch)},
    {"matmul__avx512bf16_8x32", kX86Avx512Bf16, BFEDGE_X86(matmul__avx512bf16_8x32), BFEDGE_X86(matmul__avx512bf16_8x32_scratch),
     nullptr, BFEDGE_X86(matmul__avx512bf16_8x32_packed_bytes), BFEDGE_X86(matmul__avx512bf16_8x32_pack)},
    {"matmul__amxbf16_32x32", kX86AmxBf16, BFEDGE_X86(matmul__amxbf16_32x32), BFEDGE_X86(matmul__amxbf16_32x32_scratch),
     nullptr, BFEDGE_X86(matmul__amxbf16_32x32_packed_bytes), BFEDGE_X86(matmul__amxbf16_32x32_pack)}};

constexpr Conv2dVariant kConv2d[] = {
    {"conv2d__ref", kReference, &conv2d__ref, nullptr},
    {"conv2d__portable", kPortable, &conv2d__portable, &conv2d__portable_scratch},
    {"conv2d__im2col_avx512bf16", kX86Avx512Bf16, BFEDGE_X86(conv2d__im2col_avx512bf16), BFEDGE_X86(conv2d__im2col_avx512bf16_scratch),
     nullptr, BFEDGE_X86(conv2d__im2col_avx512bf16_packed_bytes), BFEDGE_X86(conv2d__im2col_avx512bf16_pack)}};

constexpr DepthwiseConv2dVariant kDepthwiseConv2d[] = {
    {"depthwise_conv2d__ref", kReference, &depthwise_conv2d__ref, nullptr},
    {"depthwise_conv2d__portable", kPortable, &depthwise_conv2d__portable, &depthwise_conv2d__portable_scratch},
    {"depthwise_conv2d__avx512bf16", kX86Avx512Bf16, BFEDGE_X86(depthwise_conv2d__avx512bf16),
     BFEDGE_X86(depthwise_conv2d__avx512bf16_scratch)}};

constexpr MatvecVariant kMatvec[] = {
    {"matvec__ref", kReference, &matvec__ref, nullptr},
    {"matvec__portable_16row", kPortable, &matvec__portable_16row, &matvec__portable_16row_scratch},
    {"matvec__rv32_8row", kRv32, &matvec__rv32_8row, &matvec__rv32_8row_scratch},
    {"matvec__avx2_16row", kX86Avx2, BFEDGE_X86(matvec__avx2_16row), nullptr},
    {"matvec__avx512bf16_16row", kX86Avx512Bf16, BFEDGE_X86(matvec__avx512bf16_16row), nullptr}};

constexpr AttentionDecodeVariant kAttentionDecode[] = {
    {"attention_decode__ref", kReference, &attention_decode__ref, &attention_decode_scratch},
    {"attention_decode__portable_fastexp", kPortable, &attention_decode__portable_fastexp, &attention_decode_scratch},
    {"attention_decode__rv32_heads", kRv32, &attention_decode__rv32_heads, &attention_decode_scratch},
    {"attention_decode__avx2", kX86Avx2, BFEDGE_X86(attention_decode__avx2), &attention_decode_scratch},
    {"attention_decode__avx512bf16", kX86Avx512Bf16, BFEDGE_X86(attention_decode__avx512bf16), &attention_decode_scratch}};

constexpr AttentionEncoderVariant kAttentionEncoder[] = {
    {"attention_encoder__ref", kReference, &attention_encoder__ref, &attention_encoder_scratch},
    {"attention_encoder__portable", kPortable, &attention_encoder__portable, &attention_encoder_scratch},
    {"attention_encoder__blocked_avx512bf16", kX86Avx512Bf16, BFEDGE_X86(attention_encoder__blocked_avx512bf16),
     BFEDGE_X86(attention_encoder__blocked_avx512bf16_scratch)}};

constexpr MhsaVariant kMhsa[] = {
    {"mhsa__ref", kReference, &mhsa__ref, nullptr, &mhsa__ref_workspace},
    {"mhsa__tiled_portable", kPortable, &mhsa__tiled_portable, &mhsa__tiled_scratch, &mhsa__tiled_workspace},
    {"mhsa__fused_portable", kPortable, &mhsa__fused_portable, &mhsa__fused_scratch, &mhsa__fused_workspace},
    {"mhsa__tiled_avx2", kX86Avx2, BFEDGE_X86(mhsa__tiled_avx2), &mhsa__tiled_scratch, &mhsa__tiled_workspace},
    {"mhsa__fused_avx2", kX86Avx2, BFEDGE_X86(mhsa__fused_avx2), &mhsa__fused_scratch, &mhsa__fused_workspace},
    {"mhsa__tiled_avx512bf16", kX86Avx512Bf16, BFEDGE_X86(mhsa__tiled_avx512bf16), &mhsa__tiled_scratch, &mhsa__tiled_workspace},
    {"mhsa__fused_avx512bf16", kX86Avx512Bf16, BFEDGE_X86(mhsa__fused_avx512bf16), &mhsa__fused_scratch, &mhsa__fused_workspace}};

constexpr MhsaF32Variant kMhsaF32[] = {
    {"mhsa__naive_port", kReference, &mhsa__naive_port, nullptr, &mhsa__naive_port_workspace}};

constexpr SoftmaxVariant kSoftmax[] = {
    {"softmax__ref", kReference, &softmax__ref, nullptr},
    {"softmax__portable_fastexp", kPortable, &softmax__portable_fastexp, nullptr},
    {"softmax__avx512bf16", kX86Avx512Bf16, BFEDGE_X86(softmax__avx512bf16), nullptr}};

constexpr NormVariant kRmsnorm[] = {
    {"rmsnorm__ref", kReference, &rmsnorm__ref, nullptr},
    {"rmsnorm__portable", kPortable, &rmsnorm__portable, nullptr},
    {"rmsnorm__rv32_columns", kRv32, &rmsnorm__rv32_columns, nullptr},
    {"rmsnorm__avx512bf16", kX86Avx512Bf16, BFEDGE_X86(rmsnorm__avx512bf16), nullptr}};

constexpr NormVariant kLayernorm[] = {
    {"layernorm__ref", kReference, &layernorm__ref, nullptr},
    {"layernorm__portable", kPortable, &layernorm__portable, nullptr},
    {"layernorm__avx512bf16", kX86Avx512Bf16, BFEDGE_X86(layernorm__avx512bf16), nullptr}};

constexpr NormVariant kNonorm[] = {
    {"nonorm__ref", kReference, &nonorm__ref, nullptr},
    {"nonorm__portable", kPortable, &nonorm__portable, nullptr}};

constexpr NormVariant kAddLayernorm[] = {
    {"add_layernorm__ref", kReference, &add_layernorm__ref, nullptr},
    {"add_layernorm__portable", kPortable, &add_layernorm__portable, nullptr},
    {"add_layernorm__avx512bf16", kX86Avx512Bf16, BFEDGE_X86(add_layernorm__avx512bf16), nullptr}};

constexpr NormVariant kAddNonorm[] = {
    {"add_nonorm__ref", kReference, &add_nonorm__ref, nullptr},
    {"add_nonorm__portable", kPortable, &add_nonorm__portable, nullptr}};

constexpr SwigluVariant kSwiglu[] = {
    {"swiglu__ref", kReference, &swiglu__ref, nullptr},
    {"swiglu__portable_fastexp", kPortable, &swiglu__portable_fastexp, nullptr},
    {"swiglu__avx512bf16", kX86Avx512Bf16, BFEDGE_X86(swiglu__avx512bf16), nullptr}};

constexpr UnaryVariant kSilu[] = {
    {"silu__ref", kReference, &silu__ref, nullptr},
    {"silu__portable_fastexp", kPortable, &silu__portable_fastexp, nullptr}};

constexpr UnaryVariant kRelu[] = {
    {"relu__ref", kReference, &relu__ref, nullptr},
    {"relu__portable", kPortable, &relu__portable, nullptr}};

constexpr UnaryVariant kGeluErf[] = {
    {"gelu_erf__ref", kReference, &gelu_erf__ref, nullptr},
    {"gelu_erf__portable_poly", kPortable, &gelu_erf__portable_poly, nullptr},
    {"gelu_erf__avx512bf16", kX86Avx512Bf16, BFEDGE_X86(gelu_erf__avx512bf16), nullptr}};

constexpr UnaryVariant kGeluTanh[] = {
    {"gelu_tanh__ref", kReference, &gelu_tanh__ref, nullptr},
    {"gelu_tanh__portable_fastexp", kPortable, &gelu_tanh__portable_fastexp, nullptr}};

constexpr UnaryVariant kTanh[] = {
    {"tanh__ref", kReference, &tanh__ref, nullptr},
    {"tanh__portable_fastexp", kPortable, &tanh__portable_fastexp, nullptr}};

constexpr AddVariant kAdd[] = {
    {"add__ref", kReference, &add__ref, nullptr},
    {"add__portable", kPortable, &add__portable, nullptr},
    {"add__avx512bf16", kX86Avx512Bf16, BFEDGE_X86(add__avx512bf16), nullptr}};

constexpr RopeVariant kRope[] = {
    {"rope__ref", kReference, &rope__ref, nullptr},
    {"rope__portable_pairs", kPortable, &rope__portable_pairs, nullptr}};

constexpr EmbeddingVariant kEmbedding[] = {
    {"embedding__ref", kReference, &embedding__ref, nullptr},
    {"embedding__portable", kPortable, &embedding__portable, nullptr}};

constexpr TransposeVariant kTranspose[] = {
    {"transpose__ref", kReference, &transpose__ref, nullptr},
    {"transpose__portable_8x8", kPortable, &transpose__portable_8x8, nullptr}};

constexpr TrigramEmbeddingVariant kTrigramEmbedding[] = {
    {"trigram_embedding__ref", kReference, &trigram_embedding__ref, nullptr},
    {"trigram_embedding__portable", kPortable, &trigram_embedding__portable, nullptr}};

constexpr FirstTokenVariant kFirstToken[] = {
    {"first_token__ref", kReference, &first_token__ref, nullptr},
    {"first_token__portable", kPortable, &first_token__portable, nullptr}};

constexpr WindowVariant kWindowPartition[] = {
    {"window_partition__ref", kReference, &window_partition__ref, nullptr},
    {"window_partition__portable", kPortable, &window_partition__portable, nullptr}};

constexpr WindowVariant kWindowReverse[] = {
    {"window_reverse__ref", kReference, &window_reverse__ref, nullptr},
    {"window_reverse__portable", kPortable, &window_reverse__portable, nullptr}};

constexpr WindowAttentionVariant kWindowAttention[] = {
    {"window_attention__ref", kReference, &window_attention__ref, &window_attention_scratch},
    {"window_attention__portable", kPortable, &window_attention__portable, &window_attention_scratch},
    {"window_attention__avx512bf16", kX86Avx512Bf16, BFEDGE_X86(window_attention__avx512bf16),
     BFEDGE_X86(window_attention__avx512bf16_scratch)}};

constexpr MeanTokensVariant kMeanTokens[] = {
    {"mean_tokens__ref", kReference, &mean_tokens__ref, nullptr},
    {"mean_tokens__portable", kPortable, &mean_tokens__portable, nullptr}};

// The MCU's DMA-tiled kernels take their own arguments (plans, L1, the DMA engine); their
// oracles are matmul__ref (linear: B transposed) and mhsa__ref (attention inside MHSA).
constexpr DmaLinearVariant kLinearDma[] = {
    {"linear__rv32_dma", kRv32, &linear__rv32_dma, nullptr}};

constexpr DmaAttentionVariant kAttentionDma[] = {
    {"attention__rv32_dma", kRv32, &attention__rv32_dma, nullptr}};

constexpr DmaMhsaVariant kMhsaDma[] = {
    {"mhsa__rv32_fused", kRv32, &mhsa__rv32_fused, nullptr}};

constexpr std::size_t kVariantCount = std::size(kMatmul) + std::size(kConv2d) + std::size(kDepthwiseConv2d) + std::size(kMatvec) + std::size(kAttentionDecode) + std::size(kAttentionEncoder) + std::size(kMhsa) + std::size(kMhsaF32) + std::size(kSoftmax) + std::size(kRmsnorm) + std::size(kLayernorm) + std::size(kNonorm) + std::size(kAddLayernorm) + std::size(kAddNonorm) + std::size(kSwiglu) + std::size(kSilu) + std::size(kRelu) + std::size(kGeluErf) + std::size(kGeluTanh) + std::size(kTanh) + std::size(kAdd) + std::size(kRope) + std::size(kEmbedding) + std::size(kTranspose) + std::size(kTrigramEmbedding) + std::size(kFirstToken) + std::size(kWindowPartition) + std::size(kWindowReverse) + std::size(kWindowAttention) + std::size(kMeanTokens) + std::size(kLinearDma) + std::size(kAttentionDma) + std::size(kMhsaDma);

constexpr std::array<VariantInfo, kVariantCount> kAll = [] {
  std::array<VariantInfo, kVariantCount> out{};
  std::size_t at = 0;
  auto add = [&](const char* op, const auto& list) {
    for (const auto& v : list) out[at++] = {op, v.name, v.key};
  };
  add("matmul", kMatmul);
  add("conv2d", kConv2d);
  add("depthwise_conv2d", kDepthwiseConv2d);
  add("matvec", kMatvec);
  add("attention_decode", kAttentionDecode);
  add("attention_encoder", kAttentionEncoder);
  add("mhsa", kMhsa);
  add("mhsa_f32", kMhsaF32);
  add("softmax", kSoftmax);
  add("rmsnorm", kRmsnorm);
  add("layernorm", kLayernorm);
  add("nonorm", kNonorm);
  add("add_layernorm", kAddLayernorm);
  add("add_nonorm", kAddNonorm);
  add("swiglu", kSwiglu);
  add("silu", kSilu);
  add("relu", kRelu);
  add("gelu_erf", kGeluErf);
  add("gelu_tanh", kGeluTanh);
  add("tanh", kTanh);
  add("add", kAdd);
  add("rope", kRope);
  add("embedding", kEmbedding);
  add("transpose", kTranspose);
  add("trigram_embedding", kTrigramEmbedding);
  add("first_token", kFirstToken);
  add("window_partition", kWindowPartition);
  add("window_reverse", kWindowReverse);
  add("window_attention", kWindowAttention);
  add("mean_tokens", kMeanTokens);
  add("linear_dma", kLinearDma);
  add("attention_dma", kAttentionDma);
  add("mhsa_dma", kMhsaDma);
  return out;
}();

}  // namespace

std::span<const MatmulVariant> matmul_variants() { return kMatmul; }
std::span<const Conv2dVariant> conv2d_variants() { return kConv2d; }
std::span<const DepthwiseConv2dVariant> depthwise_conv2d_variants() { return kDepthwiseConv2d; }
std::span<const MatvecVariant> matvec_variants() { return kMatvec; }
std::span<const AttentionDecodeVariant> attention_decode_variants() { return kAttentionDecode; }
std::span<const AttentionEncoderVariant> attention_encoder_variants() { return kAttentionEncoder; }
std::span<const MhsaVariant> mhsa_variants() { return kMhsa; }
std::span<const MhsaF32Variant> mhsa_f32_variants() { return kMhsaF32; }
std::span<const SoftmaxVariant> softmax_variants() { return kSoftmax; }
std::span<const NormVariant> rmsnorm_variants() { return kRmsnorm; }
std::span<const NormVariant> layernorm_variants() { return kLayernorm; }
std::span<const NormVariant> nonorm_variants() { return kNonorm; }
std::span<const NormVariant> add_layernorm_variants() { return kAddLayernorm; }
std::span<const NormVariant> add_nonorm_variants() { return kAddNonorm; }
std::span<const SwigluVariant> swiglu_variants() { return kSwiglu; }
std::span<const UnaryVariant> silu_variants() { return kSilu; }
std::span<const UnaryVariant> relu_variants() { return kRelu; }
std::span<const UnaryVariant> gelu_erf_variants() { return kGeluErf; }
std::span<const UnaryVariant> gelu_tanh_variants() { return kGeluTanh; }
std::span<const UnaryVariant> tanh_variants() { return kTanh; }
std::span<const AddVariant> add_variants() { return kAdd; }
std::span<const RopeVariant> rope_variants() { return kRope; }
std::span<const EmbeddingVariant> embedding_variants() { return kEmbedding; }
std::span<const TransposeVariant> transpose_variants() { return kTranspose; }
std::span<const TrigramEmbeddingVariant> trigram_embedding_variants() { return kTrigramEmbedding; }
std::span<const FirstTokenVariant> first_token_variants() { return kFirstToken; }
std::span<const WindowVariant> window_partition_variants() { return kWindowPartition; }
std::span<const WindowVariant> window_reverse_variants() { return kWindowReverse; }
std::span<const WindowAttentionVariant> window_attention_variants() { return kWindowAttention; }
std::span<const MeanTokensVariant> mean_tokens_variants() { return kMeanTokens; }
std::span<const DmaLinearVariant> linear_dma_variants() { return kLinearDma; }
std::span<const DmaAttentionVariant> attention_dma_variants() { return kAttentionDma; }
std::span<const DmaMhsaVariant> mhsa_dma_variants() { return kMhsaDma; }

std::span<const VariantInfo> all_variants() { return kAll; }

}  // namespace bfedge::kernels

#undef BFEDGE_X86
