// Element-wise and data-movement ops on BF16 tensors.
//   add:        out = a + b (residual), FP32 inside, out may alias a
//   rope:       rotate consecutive pairs of q (dim) and k (kv_dim) by one position's angles;
//               cos/sin hold head_size/2 entries, pair i of every head uses entry i (LLaMA)
//   embedding:  out[r] = table[ids[r]]; an id outside [0, vocab) gives a zero row
//   transpose:  out[c][r] = in[r][c]
//   trigram_embedding: per sequence of `seq` ids, out[t] = [table[ids[t+1]], table[ids[t]],
//               table[ids[t-1]]] with zero rows past either end of the sequence (MobileBERT's
//               trigram input; an id outside [0, vocab) gives a zero part, as embedding)
//   first_token: out[b] = in[b · seq], the first row of each of `batch` sequences (BERT pooling)
#pragma once

#include <span>

#include "bfedge/core/bf16.hpp"
#include "bfedge/kernels/epilogue.hpp"
#include "bfedge/kernels/variant.hpp"

namespace bfedge::kernels {

struct AddParams {
  int n = 0;
  const bf16* a = nullptr;
  const bf16* b = nullptr;
  bf16* out = nullptr;
  Epilogue epilogue = Epilogue::none;  // applied to a + b before rounding
  void* scratch = nullptr;
};

struct RopeParams {
  int dim = 0, kv_dim = 0, head_size = 0;
  bf16* q = nullptr;  // (dim)
  bf16* k = nullptr;  // (kv_dim)
  const float* cos = nullptr;  // (head_size / 2)
  const float* sin = nullptr;
  void* scratch = nullptr;
};

struct EmbeddingParams {
  int count = 0, vocab = 0, dim = 0;
  const int* ids = nullptr;     // (count)
  const bf16* table = nullptr;  // (vocab, dim)
  bf16* out = nullptr;          // (count, dim)
  void* scratch = nullptr;
};

struct TransposeParams {
  int rows = 0, cols = 0;
  const bf16* in = nullptr;  // (rows, cols), row stride ld_in
  int ld_in = 0;
  bf16* out = nullptr;  // (cols, rows), row stride ld_out
  int ld_out = 0;
  void* scratch = nullptr;
};

struct TrigramEmbeddingParams {
  int batch = 1, seq = 0, vocab = 0, dim = 0;
  const int* ids = nullptr;     // (batch, seq)
  const bf16* table = nullptr;  // (vocab, dim)
  bf16* out = nullptr;          // (batch · seq, 3 dim)
  void* scratch = nullptr;
};

struct FirstTokenParams {
  int batch = 1, seq = 0, dim = 0;
  const bf16* in = nullptr;  // (batch · seq, dim)
  bf16* out = nullptr;       // (batch, dim)
  void* scratch = nullptr;
};

using AddVariant = Variant<AddParams>;
using RopeVariant = Variant<RopeParams>;
using EmbeddingVariant = Variant<EmbeddingParams>;
using TransposeVariant = Variant<TransposeParams>;
using TrigramEmbeddingVariant = Variant<TrigramEmbeddingParams>;
using FirstTokenVariant = Variant<FirstTokenParams>;
std::span<const AddVariant> add_variants();
std::span<const RopeVariant> rope_variants();
std::span<const EmbeddingVariant> embedding_variants();
std::span<const TransposeVariant> transpose_variants();
std::span<const TrigramEmbeddingVariant> trigram_embedding_variants();
std::span<const FirstTokenVariant> first_token_variants();

void add__ref(const AddParams& p, const runtime::Team& team);
void add__portable(const AddParams& p, const runtime::Team& team);
void add__avx512bf16(const AddParams& p, const runtime::Team& team);
void rope__ref(const RopeParams& p, const runtime::Team& team);
void rope__portable_pairs(const RopeParams& p, const runtime::Team& team);
void embedding__ref(const EmbeddingParams& p, const runtime::Team& team);
void embedding__portable(const EmbeddingParams& p, const runtime::Team& team);
void transpose__ref(const TransposeParams& p, const runtime::Team& team);
void transpose__portable_8x8(const TransposeParams& p, const runtime::Team& team);
void trigram_embedding__ref(const TrigramEmbeddingParams& p, const runtime::Team& team);
void trigram_embedding__portable(const TrigramEmbeddingParams& p, const runtime::Team& team);
void first_token__ref(const FirstTokenParams& p, const runtime::Team& team);
void first_token__portable(const FirstTokenParams& p, const runtime::Team& team);

}  // namespace bfedge::kernels
