// The one list of kernel variants per op, reference first, then by increasing ISA level.
// Dispatch (select_variant), the tests (tests/kernels) and the benchmarks (bench/) all read it.
#include "bfedge/kernels/variants.hpp"

namespace bfedge::kernels {

#define BFEDGE_VARIANT_LIST(fn, Type, ...)            \
  std::span<const Type> fn() {                        \
    static constexpr Type kList[] = {__VA_ARGS__};    \
    return kList;                                     \
  }

BFEDGE_VARIANT_LIST(matmul_variants, MatmulVariant,
    {"matmul__ref", Isa::reference, &matmul__ref, nullptr},
    {"matmul__portable_4x4", Isa::portable, &matmul__portable_4x4, &matmul__portable_4x4_scratch},
    {"matmul__avx2_6x16", Isa::avx2, &matmul__avx2_6x16, &matmul__avx2_6x16_scratch},
    {"matmul__avx512bf16_8x32", Isa::avx512bf16, &matmul__avx512bf16_8x32, &matmul__avx512bf16_8x32_scratch,
     nullptr, &matmul__avx512bf16_8x32_packed_bytes, &matmul__avx512bf16_8x32_pack},
    {"matmul__amxbf16_32x32", Isa::amxbf16, &matmul__amxbf16_32x32, &matmul__amxbf16_32x32_scratch,
     nullptr, &matmul__amxbf16_32x32_packed_bytes, &matmul__amxbf16_32x32_pack})

BFEDGE_VARIANT_LIST(matvec_variants, MatvecVariant,
    {"matvec__ref", Isa::reference, &matvec__ref, nullptr},
    {"matvec__portable_16row", Isa::portable, &matvec__portable_16row, &matvec__portable_16row_scratch},
    {"matvec__avx2_16row", Isa::avx2, &matvec__avx2_16row, nullptr},
    {"matvec__avx512bf16_16row", Isa::avx512bf16, &matvec__avx512bf16_16row, nullptr})

BFEDGE_VARIANT_LIST(attention_decode_variants, AttentionDecodeVariant,
    {"attention_decode__ref", Isa::reference, &attention_decode__ref, &attention_decode_scratch},
    {"attention_decode__portable_fastexp", Isa::portable, &attention_decode__portable_fastexp, &attention_decode_scratch},
    {"attention_decode__avx2", Isa::avx2, &attention_decode__avx2, &attention_decode_scratch},
    {"attention_decode__avx512bf16", Isa::avx512bf16, &attention_decode__avx512bf16, &attention_decode_scratch})

BFEDGE_VARIANT_LIST(mhsa_variants, MhsaVariant,
    {"mhsa__ref", Isa::reference, &mhsa__ref, nullptr, &mhsa__ref_workspace},
    {"mhsa__tiled_portable", Isa::portable, &mhsa__tiled_portable, &mhsa__tiled_scratch, &mhsa__tiled_workspace},
    {"mhsa__fused_portable", Isa::portable, &mhsa__fused_portable, &mhsa__fused_scratch, &mhsa__fused_workspace},
    {"mhsa__tiled_avx2", Isa::avx2, &mhsa__tiled_avx2, &mhsa__tiled_scratch, &mhsa__tiled_workspace},
    {"mhsa__fused_avx2", Isa::avx2, &mhsa__fused_avx2, &mhsa__fused_scratch, &mhsa__fused_workspace},
    {"mhsa__tiled_avx512bf16", Isa::avx512bf16, &mhsa__tiled_avx512bf16, &mhsa__tiled_scratch, &mhsa__tiled_workspace},
    {"mhsa__fused_avx512bf16", Isa::avx512bf16, &mhsa__fused_avx512bf16, &mhsa__fused_scratch, &mhsa__fused_workspace})

BFEDGE_VARIANT_LIST(mhsa_f32_variants, MhsaF32Variant,
    {"mhsa__naive_port", Isa::reference, &mhsa__naive_port, nullptr, &mhsa__naive_port_workspace})

BFEDGE_VARIANT_LIST(softmax_variants, SoftmaxVariant,
    {"softmax__ref", Isa::reference, &softmax__ref, nullptr},
    {"softmax__portable_fastexp", Isa::portable, &softmax__portable_fastexp, nullptr},
    {"softmax__avx512bf16", Isa::avx512bf16, &softmax__avx512bf16, nullptr})

BFEDGE_VARIANT_LIST(rmsnorm_variants, NormVariant,
    {"rmsnorm__ref", Isa::reference, &rmsnorm__ref, nullptr},
    {"rmsnorm__portable", Isa::portable, &rmsnorm__portable, nullptr},
    {"rmsnorm__avx512bf16", Isa::avx512bf16, &rmsnorm__avx512bf16, nullptr})

BFEDGE_VARIANT_LIST(layernorm_variants, NormVariant,
    {"layernorm__ref", Isa::reference, &layernorm__ref, nullptr},
    {"layernorm__portable", Isa::portable, &layernorm__portable, nullptr})

BFEDGE_VARIANT_LIST(nonorm_variants, NormVariant,
    {"nonorm__ref", Isa::reference, &nonorm__ref, nullptr},
    {"nonorm__portable", Isa::portable, &nonorm__portable, nullptr})

BFEDGE_VARIANT_LIST(swiglu_variants, SwigluVariant,
    {"swiglu__ref", Isa::reference, &swiglu__ref, nullptr},
    {"swiglu__portable_fastexp", Isa::portable, &swiglu__portable_fastexp, nullptr},
    {"swiglu__avx512bf16", Isa::avx512bf16, &swiglu__avx512bf16, nullptr})

BFEDGE_VARIANT_LIST(silu_variants, UnaryVariant,
    {"silu__ref", Isa::reference, &silu__ref, nullptr},
    {"silu__portable_fastexp", Isa::portable, &silu__portable_fastexp, nullptr})

BFEDGE_VARIANT_LIST(relu_variants, UnaryVariant,
    {"relu__ref", Isa::reference, &relu__ref, nullptr},
    {"relu__portable", Isa::portable, &relu__portable, nullptr})

BFEDGE_VARIANT_LIST(gelu_erf_variants, UnaryVariant,
    {"gelu_erf__ref", Isa::reference, &gelu_erf__ref, nullptr},
    {"gelu_erf__portable_poly", Isa::portable, &gelu_erf__portable_poly, nullptr})

BFEDGE_VARIANT_LIST(gelu_tanh_variants, UnaryVariant,
    {"gelu_tanh__ref", Isa::reference, &gelu_tanh__ref, nullptr},
    {"gelu_tanh__portable_fastexp", Isa::portable, &gelu_tanh__portable_fastexp, nullptr})

BFEDGE_VARIANT_LIST(add_variants, AddVariant,
    {"add__ref", Isa::reference, &add__ref, nullptr},
    {"add__portable", Isa::portable, &add__portable, nullptr},
    {"add__avx512bf16", Isa::avx512bf16, &add__avx512bf16, nullptr})

BFEDGE_VARIANT_LIST(rope_variants, RopeVariant,
    {"rope__ref", Isa::reference, &rope__ref, nullptr},
    {"rope__portable_pairs", Isa::portable, &rope__portable_pairs, nullptr})

BFEDGE_VARIANT_LIST(embedding_variants, EmbeddingVariant,
    {"embedding__ref", Isa::reference, &embedding__ref, nullptr},
    {"embedding__portable", Isa::portable, &embedding__portable, nullptr})

BFEDGE_VARIANT_LIST(transpose_variants, TransposeVariant,
    {"transpose__ref", Isa::reference, &transpose__ref, nullptr},
    {"transpose__portable_8x8", Isa::portable, &transpose__portable_8x8, nullptr})

#undef BFEDGE_VARIANT_LIST

namespace {

template <class Span>
void append(std::vector<VariantInfo>& out, const char* op, Span list) {
  for (const auto& v : list) out.push_back({op, v.name, v.isa});
}

}  // namespace

std::vector<VariantInfo> all_variants() {
  std::vector<VariantInfo> out;
  append(out, "matmul", matmul_variants());
  append(out, "matvec", matvec_variants());
  append(out, "attention_decode", attention_decode_variants());
  append(out, "mhsa", mhsa_variants());
  append(out, "mhsa_f32", mhsa_f32_variants());
  append(out, "softmax", softmax_variants());
  append(out, "rmsnorm", rmsnorm_variants());
  append(out, "layernorm", layernorm_variants());
  append(out, "nonorm", nonorm_variants());
  append(out, "swiglu", swiglu_variants());
  append(out, "silu", silu_variants());
  append(out, "relu", relu_variants());
  append(out, "gelu_erf", gelu_erf_variants());
  append(out, "gelu_tanh", gelu_tanh_variants());
  append(out, "add", add_variants());
  append(out, "rope", rope_variants());
  append(out, "embedding", embedding_variants());
  append(out, "transpose", transpose_variants());
  return out;
}

}  // namespace bfedge::kernels
