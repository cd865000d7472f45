// Portable activations with fast_exp (kernels/fast_math.hpp); branch-free, vectorizable loops.
#include "bfedge/kernels/activation.hpp"
#include "bfedge/kernels/fast_math.hpp"

namespace bfedge::kernels {

void swiglu__portable_fastexp(const SwigluParams& p, const runtime::Team& team) {
  const runtime::Range r = runtime::split_range(p.n, team.core, team.cores);
  for (int i = r.begin; i < r.end; ++i) {
    const float g = to_f32(p.gate[i]);
    p.gate[i] = to_bf16(g / (1.0f + fast_exp(-g)) * to_f32(p.up[i]));
  }
}

namespace {

template <class F>
void unary(const UnaryParams& p, const runtime::Team& team, F f) {
  const runtime::Range r = runtime::split_range(p.n, team.core, team.cores);
  for (int i = r.begin; i < r.end; ++i) p.out[i] = to_bf16(f(to_f32(p.x[i])));
}

// erf by Abramowitz & Stegun 7.1.26 (|error| <= 1.5e-7), with fast_exp: branch-free.
float erf_poly(float x) {
  const float sign = x < 0.0f ? -1.0f : 1.0f;
  const float a = x * sign;
  const float t = 1.0f / (1.0f + 0.3275911f * a);
  const float poly =
      t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
  return sign * (1.0f - poly * fast_exp(-a * a));
}

}  // namespace

void silu__portable_fastexp(const UnaryParams& p, const runtime::Team& team) {
  unary(p, team, [](float x) { return x / (1.0f + fast_exp(-x)); });
}
void relu__portable(const UnaryParams& p, const runtime::Team& team) {
  unary(p, team, [](float x) { return x > 0.0f ? x : 0.0f; });
}
void gelu_erf__portable_poly(const UnaryParams& p, const runtime::Team& team) {
  unary(p, team, [](float x) { return 0.5f * x * (1.0f + erf_poly(x * 0.70710678118654752f)); });
}
// tanh(x) = 1 - 2 / (e^{2x} + 1): ±1 in the limits (fast_exp gives 0 and +inf there).
void tanh__portable_fastexp(const UnaryParams& p, const runtime::Team& team) {
  unary(p, team, [](float x) { return 1.0f - 2.0f / (fast_exp(2.0f * x) + 1.0f); });
}
// tanh(u) = 1 - 2 / (e^{2u} + 1), so gelu_tanh(x) = x - x / (e^{2u} + 1).
void gelu_tanh__portable_fastexp(const UnaryParams& p, const runtime::Team& team) {
  unary(p, team, [](float x) {
    const float u = 0.79788456080286536f * (x + 0.044715f * x * x * x);
    return x - x / (fast_exp(2.0f * u) + 1.0f);
  });
}

}  // namespace bfedge::kernels
