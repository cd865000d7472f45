#include <cmath>

#include "bfedge/kernels/activation.hpp"
#include "bfedge/kernels/epilogue.hpp"
#include "bfedge/kernels/ref.hpp"

namespace bfedge::kernels {

// The same oracle the reference models use (kernels/ref.hpp; run.c's operation order).
void swiglu__ref(const SwigluParams& p, const runtime::Team& team) {
  if (team.core != 0) return;
  ref::swiglu(p.gate, p.up, p.n);
}

namespace {

template <class F>
void unary_ref(const UnaryParams& p, const runtime::Team& team, F f) {
  if (team.core != 0) return;
  for (int i = 0; i < p.n; ++i) p.out[i] = to_bf16(f(to_f32(p.x[i])));
}

}  // namespace

void silu__ref(const UnaryParams& p, const runtime::Team& team) {
  unary_ref(p, team, [](float x) { return x / (1.0f + std::exp(-x)); });
}
void relu__ref(const UnaryParams& p, const runtime::Team& team) {
  unary_ref(p, team, [](float x) { return x > 0.0f ? x : 0.0f; });
}
void gelu_erf__ref(const UnaryParams& p, const runtime::Team& team) {
  unary_ref(p, team, [](float x) { return gelu_erf_value(x); });
}
void gelu_tanh__ref(const UnaryParams& p, const runtime::Team& team) {
  unary_ref(p, team, [](float x) {
    return 0.5f * x * (1.0f + std::tanh(0.79788456080286536f * (x + 0.044715f * x * x * x)));
  });
}
void tanh__ref(const UnaryParams& p, const runtime::Team& team) {
  unary_ref(p, team, [](float x) { return std::tanh(x); });
}

}  // namespace bfedge::kernels
