// Portable element-wise and data-movement kernels, split over cores.
#include <cstring>

#include "bfedge/kernels/elementwise.hpp"

namespace bfedge::kernels {

void add__portable(const AddParams& p, const runtime::Team& team) {
  const runtime::Range r = runtime::split_range(p.n, team.core, team.cores);
  for (int i = r.begin; i < r.end; ++i) {
    p.out[i] = to_bf16(apply_epilogue(p.epilogue, to_f32(p.a[i]) + to_f32(p.b[i])));
  }
}

// Heads are split over cores; within a head, pairs index the cos/sin table directly (no modulo).
void rope__portable_pairs(const RopeParams& p, const runtime::Team& team) {
  const int heads = p.dim / p.head_size, pairs = p.head_size / 2;
  const runtime::Range r = runtime::split_range(heads, team.core, team.cores);
  for (int h = r.begin; h < r.end; ++h) {
    for (bf16* vec : {p.q, p.k}) {
      if (vec == p.k && h * p.head_size >= p.kv_dim) break;
      bf16* v = vec + h * p.head_size;
      for (int i = 0; i < pairs; ++i) {
        const float v0 = to_f32(v[2 * i]), v1 = to_f32(v[2 * i + 1]);
        v[2 * i] = to_bf16(v0 * p.cos[i] - v1 * p.sin[i]);
        v[2 * i + 1] = to_bf16(v0 * p.sin[i] + v1 * p.cos[i]);
      }
    }
  }
}

void embedding__portable(const EmbeddingParams& p, const runtime::Team& team) {
  const runtime::Range r = runtime::split_range(p.count, team.core, team.cores);
  const std::size_t row_bytes = static_cast<std::size_t>(p.dim) * sizeof(bf16);
  for (int i = r.begin; i < r.end; ++i) {
    bf16* out = p.out + static_cast<std::size_t>(i) * p.dim;
    if (p.ids[i] >= 0 && p.ids[i] < p.vocab) {
      std::memcpy(out, p.table + static_cast<std::size_t>(p.ids[i]) * p.dim, row_bytes);
    } else {
      for (int j = 0; j < p.dim; ++j) out[j] = bf16{};
    }
  }
}

// 8×8 blocks (both sides stay in cache lines); cores take blocks of input columns.
void transpose__portable_8x8(const TransposeParams& p, const runtime::Team& team) {
  const runtime::Range cols = runtime::split_blocks(p.cols, 8, team.core, team.cores);
  for (int c0 = cols.begin; c0 < cols.end; c0 += 8) {
    const int c1 = c0 + 8 < cols.end ? c0 + 8 : cols.end;
    for (int r0 = 0; r0 < p.rows; r0 += 8) {
      const int r1 = r0 + 8 < p.rows ? r0 + 8 : p.rows;
      for (int c = c0; c < c1; ++c)
        for (int r = r0; r < r1; ++r)
          p.out[static_cast<std::size_t>(c) * p.ld_out + r] = p.in[static_cast<std::size_t>(r) * p.ld_in + c];
    }
  }
}

// Rows (tokens of all sequences) split over cores; each row is three row copies or zero fills.
void trigram_embedding__portable(const TrigramEmbeddingParams& p, const runtime::Team& team) {
  const runtime::Range rows = runtime::split_range(p.batch * p.seq, team.core, team.cores);
  const std::size_t part_bytes = static_cast<std::size_t>(p.dim) * sizeof(bf16);
  for (int row = rows.begin; row < rows.end; ++row) {
    const int t = row % p.seq;
    bf16* out = p.out + static_cast<std::size_t>(row) * 3 * p.dim;
    for (int part = 0; part < 3; ++part) {
      const int at = t + 1 - part;  // next, this, previous token
      const int id = at >= 0 && at < p.seq ? p.ids[row + 1 - part] : -1;
      if (id >= 0 && id < p.vocab) {
        std::memcpy(out + part * p.dim, p.table + static_cast<std::size_t>(id) * p.dim, part_bytes);
      } else {
        std::memset(static_cast<void*>(out + part * p.dim), 0, part_bytes);
      }
    }
  }
}

void first_token__portable(const FirstTokenParams& p, const runtime::Team& team) {
  const runtime::Range rows = runtime::split_range(p.batch, team.core, team.cores);
  for (int b = rows.begin; b < rows.end; ++b) {
    std::memcpy(p.out + static_cast<std::size_t>(b) * p.dim, p.in + static_cast<std::size_t>(b) * p.seq * p.dim,
                static_cast<std::size_t>(p.dim) * sizeof(bf16));
  }
}

}  // namespace bfedge::kernels
