#include "bfedge/kernels/elementwise.hpp"
#include "bfedge/kernels/ref.hpp"

namespace bfedge::kernels {

void add__ref(const AddParams& p, const runtime::Team& team) {
  if (team.core != 0) return;
  for (int i = 0; i < p.n; ++i) p.out[i] = to_bf16(apply_epilogue(p.epilogue, to_f32(p.a[i]) + to_f32(p.b[i])));
}

// The same oracle the reference models use (kernels/ref.hpp).
void rope__ref(const RopeParams& p, const runtime::Team& team) {
  if (team.core != 0) return;
  ref::rope(p.q, p.k, p.cos, p.sin, p.dim, p.kv_dim, p.head_size);
}

void embedding__ref(const EmbeddingParams& p, const runtime::Team& team) {
  if (team.core != 0) return;
  for (int r = 0; r < p.count; ++r) {
    const bool valid = p.ids[r] >= 0 && p.ids[r] < p.vocab;
    for (int j = 0; j < p.dim; ++j) {
      p.out[static_cast<std::size_t>(r) * p.dim + j] =
          valid ? p.table[static_cast<std::size_t>(p.ids[r]) * p.dim + j] : bf16{};
    }
  }
}

void transpose__ref(const TransposeParams& p, const runtime::Team& team) {
  if (team.core != 0) return;
  for (int r = 0; r < p.rows; ++r)
    for (int c = 0; c < p.cols; ++c)
      p.out[static_cast<std::size_t>(c) * p.ld_out + r] = p.in[static_cast<std::size_t>(r) * p.ld_in + c];
}

void trigram_embedding__ref(const TrigramEmbeddingParams& p, const runtime::Team& team) {
  if (team.core != 0) return;
  const std::size_t width = 3 * static_cast<std::size_t>(p.dim);
  for (int b = 0; b < p.batch; ++b) {
    for (int t = 0; t < p.seq; ++t) {
      const int row = b * p.seq + t;
      bf16* out = p.out + static_cast<std::size_t>(row) * width;
      // Part 0 is the next token, part 1 this one, part 2 the previous one.
      for (int part = 0; part < 3; ++part) {
        const int at = t + 1 - part;
        const bool inside = at >= 0 && at < p.seq;
        const int id = inside ? p.ids[b * p.seq + at] : -1;
        const bool valid = id >= 0 && id < p.vocab;
        for (int j = 0; j < p.dim; ++j) {
          out[part * p.dim + j] = valid ? p.table[static_cast<std::size_t>(id) * p.dim + j] : bf16{};
        }
      }
    }
  }
}

void first_token__ref(const FirstTokenParams& p, const runtime::Team& team) {
  if (team.core != 0) return;
  for (int b = 0; b < p.batch; ++b) {
    for (int j = 0; j < p.dim; ++j) {
      p.out[static_cast<std::size_t>(b) * p.dim + j] = p.in[static_cast<std::size_t>(b) * p.seq * p.dim + j];
    }
  }
}

}  // namespace bfedge::kernels
