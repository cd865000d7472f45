// Four partial sums per reduction: vectorizable on hosts, and independent dependency chains on
// in-order MCU cores. Shared by the portable and MCU norms so both reduce in the same order.
#pragma once

namespace bfedge::kernels {

template <class Term>
float sum4(int n, Term term) {
  float s[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  int j = 0;
  for (; j + 4 <= n; j += 4) {
    for (int u = 0; u < 4; ++u) s[u] += term(j + u);
  }
  for (; j < n; ++j) s[0] += term(j);
  return (s[0] + s[1]) + (s[2] + s[3]);
}

}  // namespace bfedge::kernels
