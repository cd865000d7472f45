#include "bfedge/kernels/elementwise.hpp"
#include "bfedge/kernels/ref.hpp"

namespace bfedge::kernels {

void add__ref(const AddParams& p, const runtime::Team& team) {
  if (team.core != 0) return;
  for (int i = 0; i < p.n; ++i) p.out[i] = to_bf16(to_f32(p.a[i]) + to_f32(p.b[i]));
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

}  // namespace bfedge::kernels
