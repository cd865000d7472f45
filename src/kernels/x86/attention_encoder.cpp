// attention_encoder__blocked_avx512bf16: per (sequence, head, tile of 32 queries) on one core,
// S = Q·Kᵀ with the AVX-512 BF16 matmul, a masked softmax over whole rows (16 keys per vector,
// the vectorized fast_exp), then O = P·V with the probabilities kept in FP32 (attention_rows.hpp).
#include <cmath>

#include "bfedge/kernels/attention_encoder.hpp"
#include "bfedge/kernels/matmul.hpp"
#include "attention_rows.hpp"

namespace bfedge::kernels {
namespace {

constexpr int kQueryTile = 32;

std::size_t matmul_scratch(const AttentionEncoderParams& p) {
  MatmulParams qk;
  qk.k = p.head_size, qk.n = p.seq, qk.b_transposed = true;
  return aligned_scratch_bytes(matmul__avx512bf16_8x32_scratch(qk));
}

std::size_t score_bytes(const AttentionEncoderParams& p) {
  return aligned_scratch_bytes(static_cast<std::size_t>(kQueryTile) * p.seq * sizeof(float));
}

}  // namespace

std::size_t attention_encoder__blocked_avx512bf16_scratch(const AttentionEncoderParams& p) {
  return score_bytes(p) + matmul_scratch(p);
}

BFEDGE_TARGET_AVX512BF16 void attention_encoder__blocked_avx512bf16(const AttentionEncoderParams& p,
                                                                     const runtime::Team& team) {
  const int L = p.seq, d = p.head_size, width = p.heads * d;
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  unsigned char* mine = core_scratch<unsigned char>(p.scratch, attention_encoder__blocked_avx512bf16_scratch(p), team.core);
  float* s = reinterpret_cast<float*>(mine);
  void* mm_scratch = mine + score_bytes(p);
  const runtime::Team solo{};
  const int tiles = (L + kQueryTile - 1) / kQueryTile;
  const runtime::Range items = runtime::split_range(p.batch * p.heads * tiles, team.core, team.cores);
  for (int item = items.begin; item < items.end; ++item) {
    const int b = item / (p.heads * tiles), h = item / tiles % p.heads, q0 = item % tiles * kQueryTile;
    const int rows = L - q0 < kQueryTile ? L - q0 : kQueryTile;
    const std::size_t first = static_cast<std::size_t>(b) * L, col = static_cast<std::size_t>(h) * d;
    MatmulParams qk;
    qk.m = rows, qk.n = L, qk.k = d;
    qk.a = p.q + (first + q0) * width + col, qk.lda = width;
    qk.b = p.k + first * width + col, qk.ldb = width, qk.b_transposed = true;
    qk.c = s, qk.ldc = L, qk.c_type = OutType::f32, qk.scratch = mm_scratch;
    matmul__avx512bf16_8x32(qk, solo);
    const int* mask = p.key_mask == nullptr ? nullptr : p.key_mask + first;
    for (int r = 0; r < rows; ++r) {
      float* w = s + static_cast<std::size_t>(r) * L;
      x86::softmax_row(w, mask, L, scale);
      x86::weighted_values(L, d, w, p.v + first * width + col, width, p.out + (first + q0 + r) * width + col);
    }
  }
}

}  // namespace bfedge::kernels
