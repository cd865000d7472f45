// The tiled and fused MHSA algorithms, written once over a matmul kernel; each ISA folder
// instantiates them with its own matmul (portable/mhsa.cpp, x86/mhsa.cpp). Freestanding.
#pragma once

#include <cmath>

#include "bfedge/kernels/fast_math.hpp"
#include "bfedge/kernels/matmul.hpp"
#include "bfedge/kernels/mhsa.hpp"

namespace bfedge::kernels::mhsa_blocked {

using MatmulFn = void (*)(const MatmulParams&, const runtime::Team&);

inline MatmulParams linear_params(const bf16* a, int m, int k, int lda, const bf16* w, int n,
                                  int ldw, const bf16* bias, void* c, int ldc, OutType type) {
  MatmulParams p;
  p.m = m, p.n = n, p.k = k;
  p.a = a, p.lda = lda, p.b = w, p.ldb = ldw, p.b_transposed = true, p.bias = bias;
  p.c = c, p.ldc = ldc, p.c_type = type;
  return p;
}

// Per-core scratch of the matmul calls below: the largest any matmul variant needs for K ≤ k.
inline std::size_t matmul_scratch_bound(int k, int n) {
  MatmulParams p;
  p.k = k, p.n = n;
  std::size_t bytes = 0;
  for (const MatmulVariant& v : matmul_variants()) bytes = bytes > v.scratch_bytes(p) ? bytes : v.scratch_bytes(p);
  return aligned_scratch_bytes(bytes);
}

inline void project_in(const MhsaParams& p, MatmulFn matmul, bf16* qkv, const runtime::Team& team) {
  MatmulParams mp = linear_params(p.x, p.seq, p.embed, p.embed, p.in_proj_weight, 3 * p.embed,
                                  p.embed, p.in_proj_bias, qkv, 3 * p.embed, OutType::bf16);
  mp.scratch = p.scratch;
  matmul(mp, team);
}

inline void project_out(const MhsaParams& p, MatmulFn matmul, const bf16* o, const runtime::Team& team) {
  MatmulParams mp = linear_params(o, p.seq, p.embed, p.embed, p.out_proj_weight, p.embed, p.embed,
                                  p.out_proj_bias, p.y, p.embed, OutType::bf16);
  mp.scratch = p.scratch;
  matmul(mp, team);
}

// ---- tiled: explicit L×L scores per head, whole-row softmax ----------------------------------

inline std::size_t tiled_workspace(const MhsaParams& p) {
  const std::size_t le = static_cast<std::size_t>(p.seq) * p.embed, ll = static_cast<std::size_t>(p.seq) * p.seq;
  return 4 * le * sizeof(bf16) + ll * (sizeof(float) + sizeof(bf16)) + 64;
}

inline void tiled(const MhsaParams& p, MatmulFn matmul, const runtime::Team& team) {
  const int L = p.seq, E = p.embed, d = E / p.heads;
  bf16* qkv = static_cast<bf16*>(p.workspace);
  bf16* o = qkv + static_cast<std::size_t>(L) * 3 * E;
  float* scores = reinterpret_cast<float*>(o + static_cast<std::size_t>(L) * E);
  bf16* probs = reinterpret_cast<bf16*>(scores + static_cast<std::size_t>(L) * L);
  project_in(p, matmul, qkv, team);
  team.barrier();
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  for (int h = 0; h < p.heads; ++h) {
    MatmulParams s = linear_params(qkv + h * d, L, d, 3 * E, qkv + E + h * d, L, 3 * E, nullptr,
                                   scores, L, OutType::f32);
    s.scratch = p.scratch;
    matmul(s, team);
    team.barrier();
    const runtime::Range rows = runtime::split_range(L, team.core, team.cores);
    for (int i = rows.begin; i < rows.end; ++i) {
      float* row = scores + static_cast<std::size_t>(i) * L;
      const int keys = p.causal ? i + 1 : L;
      float max_val = -INFINITY;
      for (int j = 0; j < keys; ++j) max_val = row[j] * scale > max_val ? row[j] * scale : max_val;
      float sum = 0.0f;
      for (int j = 0; j < keys; ++j) sum += (row[j] = fast_exp(row[j] * scale - max_val));
      const float inv = 1.0f / sum;
      for (int j = 0; j < L; ++j) probs[static_cast<std::size_t>(i) * L + j] = to_bf16(j < keys ? row[j] * inv : 0.0f);
    }
    team.barrier();
    MatmulParams pv;
    pv.m = L, pv.n = d, pv.k = L;
    pv.a = probs, pv.lda = L, pv.b = qkv + 2 * E + h * d, pv.ldb = 3 * E, pv.b_transposed = false;
    pv.c = o + h * d, pv.ldc = E, pv.c_type = OutType::bf16, pv.scratch = p.scratch;
    matmul(pv, team);
    team.barrier();
  }
  project_out(p, matmul, o, team);
}

inline std::size_t tiled_scratch(const MhsaParams& p) {
  const int d = p.embed / p.heads;
  std::size_t a = matmul_scratch_bound(p.embed, 3 * p.embed), b = matmul_scratch_bound(d, p.seq),
              c = matmul_scratch_bound(p.seq, d);
  return a > b ? (a > c ? a : c) : (b > c ? b : c);
}

// ---- fused: online softmax per (head, query tile) ---------------------------------------------

inline std::size_t fused_core_bytes(int bq, int bk, int d) {
  // Q tile, K and V blocks (BF16), S (f32) and P (bf16), O and P·V (f32), running max and sum.
  return static_cast<std::size_t>(bq) * d * 2 + 2 * static_cast<std::size_t>(bk) * d * 2 +
         static_cast<std::size_t>(bq) * bk * 6 + 2 * static_cast<std::size_t>(bq) * d * 4 +
         2 * static_cast<std::size_t>(bq) * 4;
}

inline std::size_t fused_workspace(const MhsaParams& p) {
  return 4 * static_cast<std::size_t>(p.seq) * p.embed * sizeof(bf16) + 64;
}

inline std::size_t fused_scratch(const MhsaParams& p) {
  const int d = p.embed / p.heads;
  const FusedTiles t = mhsa_fused_tiles(p.seq, d, p.l1_budget_bytes);
  const std::size_t tiles = aligned_scratch_bytes(fused_core_bytes(t.query_rows, t.key_rows, d));
  std::size_t mm = matmul_scratch_bound(d, t.key_rows);
  const std::size_t pv = matmul_scratch_bound(t.key_rows, d), proj = matmul_scratch_bound(p.embed, 3 * p.embed);
  mm = mm > pv ? mm : pv;
  return (tiles + mm) > proj ? tiles + mm : proj;
}

// One key block of online softmax over a query tile (the ISA-specific part of the fused loop):
// for each row, m' = max(m, max_j s_j·scale) over the visible keys, p_j = exp(s_j·scale - m')
// stored as BF16, sum = sum·exp(m - m') + Σ p_j (of the stored values), acc row *= exp(m - m').
struct OnlineSoftmaxBlock {
  const float* s;  // (rows, ld) raw scores
  int ld, rows, cols;
  bool causal;
  int q_minus_k;  // first query row minus first key column: row r sees keys j <= r + q_minus_k
  float scale;
  float* row_max;
  float* row_sum;
  bf16* probs;  // (rows, ld)
  float* acc;   // (rows, d)
  int d;
  int visible(int r) const {
    if (!causal) return cols;
    const int v = r + q_minus_k + 1;
    return v < 0 ? 0 : (v < cols ? v : cols);
  }
};
using OnlineSoftmaxFn = void (*)(const OnlineSoftmaxBlock&);

inline void online_softmax_portable(const OnlineSoftmaxBlock& b) {
  for (int r = 0; r < b.rows; ++r) {
    const int visible = b.visible(r);
    const float* sr = b.s + r * b.ld;
    float new_max = b.row_max[r];
    for (int j = 0; j < visible; ++j) new_max = sr[j] * b.scale > new_max ? sr[j] * b.scale : new_max;
    const float alpha = fast_exp(b.row_max[r] - new_max);  // 0 on the first block (-inf)
    float sum = 0.0f;
    for (int j = 0; j < b.cols; ++j) {
      const bf16 pj = to_bf16(j < visible ? fast_exp(sr[j] * b.scale - new_max) : 0.0f);
      b.probs[r * b.ld + j] = pj;
      sum += to_f32(pj);
    }
    b.row_sum[r] = b.row_sum[r] * alpha + sum;
    b.row_max[r] = new_max;
    for (int c = 0; c < b.d; ++c) b.acc[r * b.d + c] *= alpha;
  }
}

struct FusedKernels {
  MatmulFn matmul;
  OnlineSoftmaxFn online_softmax;
};

inline void fused(const MhsaParams& p, const FusedKernels& kernels, const runtime::Team& team) {
  const MatmulFn matmul = kernels.matmul;
  const int L = p.seq, E = p.embed, d = E / p.heads;
  bf16* qkv = static_cast<bf16*>(p.workspace);
  bf16* o = qkv + static_cast<std::size_t>(L) * 3 * E;
  project_in(p, matmul, qkv, team);
  team.barrier();

  const FusedTiles t = mhsa_fused_tiles(L, d, p.l1_budget_bytes);
  const int bq = t.query_rows, bk = t.key_rows;
  unsigned char* mine = core_scratch<unsigned char>(p.scratch, fused_scratch(p), team.core);
  float* s = reinterpret_cast<float*>(mine);                       // (bq, bk)
  bf16* probs = reinterpret_cast<bf16*>(s + bq * bk);              // (bq, bk)
  float* acc = reinterpret_cast<float*>(probs + bq * bk + 8);      // (bq, d)
  float* pv = acc + static_cast<std::size_t>(bq) * d;              // (bq, d)
  float* row_max = pv + static_cast<std::size_t>(bq) * d;          // (bq)
  float* row_sum = row_max + bq;                                   // (bq)
  void* mm_scratch = mine + aligned_scratch_bytes(fused_core_bytes(bq, bk, d));
  const runtime::Team solo{};
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));

  const int tiles_per_head = (L + bq - 1) / bq;
  const runtime::Range items = runtime::split_range(p.heads * tiles_per_head, team.core, team.cores);
  for (int item = items.begin; item < items.end; ++item) {
    const int h = item / tiles_per_head, q0 = (item % tiles_per_head) * bq;
    const int rows = L - q0 < bq ? L - q0 : bq;
    for (int r = 0; r < rows; ++r) {
      row_max[r] = -INFINITY;
      row_sum[r] = 0.0f;
      for (int c = 0; c < d; ++c) acc[r * d + c] = 0.0f;
    }
    const int key_end = p.causal ? q0 + rows : L;
    for (int k0 = 0; k0 < key_end; k0 += bk) {
      const int cols = key_end - k0 < bk ? key_end - k0 : bk;
      MatmulParams qk = linear_params(qkv + static_cast<std::size_t>(q0) * 3 * E + h * d, rows, d,
                                      3 * E, qkv + static_cast<std::size_t>(k0) * 3 * E + E + h * d,
                                      cols, 3 * E, nullptr, s, bk, OutType::f32);
      qk.scratch = mm_scratch;
      matmul(qk, solo);
      kernels.online_softmax({s, bk, rows, cols, p.causal, q0 - k0, scale, row_max, row_sum,
                              probs, acc, d});
      MatmulParams pvp;
      pvp.m = rows, pvp.n = d, pvp.k = cols;
      pvp.a = probs, pvp.lda = bk, pvp.b = qkv + static_cast<std::size_t>(k0) * 3 * E + 2 * E + h * d;
      pvp.ldb = 3 * E, pvp.b_transposed = false;
      pvp.c = pv, pvp.ldc = d, pvp.c_type = OutType::f32, pvp.scratch = mm_scratch;
      matmul(pvp, solo);
      for (int r = 0; r < rows; ++r)
        for (int c = 0; c < d; ++c) acc[r * d + c] += pv[r * d + c];
    }
    for (int r = 0; r < rows; ++r) {
      const float inv = 1.0f / row_sum[r];
      for (int c = 0; c < d; ++c) {
        o[static_cast<std::size_t>(q0 + r) * E + h * d + c] = to_bf16(acc[r * d + c] * inv);
      }
    }
  }
  team.barrier();
  project_out(p, matmul, o, team);
}

}  // namespace bfedge::kernels::mhsa_blocked
