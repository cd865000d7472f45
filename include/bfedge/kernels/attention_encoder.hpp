// Masked multi-head self-attention of an encoder over a batch of sequences, after the
// projections (BERT's self-attention core, HF's eager path):
//   per sequence b, head h, query i:
//     s_j = q_i · k_j / sqrt(head_size) + bias_j,  bias_j = 0 when key_mask[b, j] != 0, else
//           the lowest float (HF's (1 − mask) · finfo(float32).min; a sequence whose keys are all
//           masked attends uniformly, as in HF)
//     out_i = Σ_j softmax(s)_j v_j
// q, k, v and out are (batch · seq, heads · head_size) row-major, head h in columns
// [h · head_size, (h + 1) · head_size). BF16 storage, FP32 scores, sums and accumulation.
// Padding positions are ordinary queries: they attend to the unmasked keys like any other row.
#pragma once

#include <cstddef>
#include <span>

#include "bfedge/core/bf16.hpp"
#include "bfedge/kernels/variant.hpp"

namespace bfedge::kernels {

struct AttentionEncoderParams {
  int batch = 1, seq = 0, heads = 0, head_size = 0;
  const bf16* q = nullptr;        // (batch · seq, heads · head_size)
  const bf16* k = nullptr;        // (batch · seq, heads · head_size)
  const bf16* v = nullptr;        // (batch · seq, heads · head_size)
  const int* key_mask = nullptr;  // (batch, seq): 0 = padding; null = every key attends
  bf16* out = nullptr;            // (batch · seq, heads · head_size)
  void* scratch = nullptr;        // per core: attention_encoder_scratch(params)
};

using AttentionEncoderVariant = Variant<AttentionEncoderParams>;
std::span<const AttentionEncoderVariant> attention_encoder_variants();

// One row of scores and one of output accumulators (floats) per core.
std::size_t attention_encoder_scratch(const AttentionEncoderParams& p);

void attention_encoder__ref(const AttentionEncoderParams& p, const runtime::Team& team);
void attention_encoder__portable(const AttentionEncoderParams& p, const runtime::Team& team);
// x86: per (sequence, head, 32 queries) S = Q·Kᵀ with the AVX-512 BF16 matmul, the masked softmax
// and O = P·V vectorized with FP32 probabilities.
void attention_encoder__blocked_avx512bf16(const AttentionEncoderParams& p, const runtime::Team& team);
std::size_t attention_encoder__blocked_avx512bf16_scratch(const AttentionEncoderParams& p);

}  // namespace bfedge::kernels
