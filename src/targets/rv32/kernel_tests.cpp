// On-target kernel tests: every registered variant this target runs (the variant lists of
// src/kernels/variants.cpp, filtered by runs_on(key, kRv32Imafc): references, portable and MCU
// kernels) against its op's reference on all harts, at the shapes and with the tolerances of the
// one case table the host tests use (tests/kernels/kernel_cases.hpp), with canaries past every
// output. At the end every rv32-runnable variant must have been run (or used as an oracle): one
// without an on-target case fails. Prints one line per case and exits with the number of
// failures (QEMU's exit status), so ctest sees the result. Operands live in L3 (nothing else is
// there in this firmware); shapes above cases::kOnTargetMaxMacs are skipped (listed as "skip").
#include <cmath>
#include <cstdint>
#include <cstring>

#include "bfedge/kernels/variants.hpp"
#include "bfedge/rv32/memory_map.h"
#include "dma.hpp"
#include "kernels/kernel_cases.hpp"
#include "rv32_runtime.hpp"

namespace {

using namespace bfedge;
using namespace bfedge::kernels;
namespace tc = bfedge::kernels::cases;

// ---- bookkeeping -----------------------------------------------------------------------------

int g_failures = 0, g_cases = 0, g_skipped = 0;
const char* g_tested[128];
int g_tested_count = 0;

void mark_tested(const char* name) {
  for (int i = 0; i < g_tested_count; ++i) {
    if (std::strcmp(g_tested[i], name) == 0) return;
  }
  if (g_tested_count < static_cast<int>(sizeof g_tested / sizeof g_tested[0])) g_tested[g_tested_count++] = name;
}
bool was_tested(const char* name) {
  for (int i = 0; i < g_tested_count; ++i) {
    if (std::strcmp(g_tested[i], name) == 0) return true;
  }
  return false;
}

void report(const char* name, const char* reference, int a, int b, int c, bool ok) {
  rv32::print(ok ? "ok   " : "FAIL ");
  rv32::print(name);
  rv32::print(" vs ");
  rv32::print(reference);
  rv32::print(" ");
  rv32::print_int(a);
  rv32::print("x");
  rv32::print_int(b);
  rv32::print("x");
  rv32::print_int(c);
  rv32::print("\n");
  ++g_cases;
  if (!ok) ++g_failures;
  mark_tested(name);
  mark_tested(reference);
}

// ---- operands in L3: a bump allocator, reset per case ----------------------------------------

unsigned char* g_top = nullptr;
void reset_buffers() { g_top = reinterpret_cast<unsigned char*>(BFEDGE_MCU_L3_BASE); }
template <class T>
T* take(std::size_t count) {
  T* p = reinterpret_cast<T*>(g_top);
  g_top += (count * sizeof(T) + 63) & ~std::size_t{63};
  return p;
}

std::uint32_t g_rng = 2463534242u;
float random_unit() {  // xorshift32, roughly uniform in [-1, 1)
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 17;
  g_rng ^= g_rng << 5;
  return static_cast<float>(g_rng >> 8) / 8388608.0f - 1.0f;
}
const bf16* random_bf16(std::size_t count, float scale = 1.0f) {
  bf16* p = take<bf16>(count);
  for (std::size_t i = 0; i < count; ++i) p[i] = to_bf16(scale * random_unit());
  return p;
}

const float* random_f32(std::size_t count, float scale = 1.0f) {
  float* p = take<float>(count);
  for (std::size_t i = 0; i < count; ++i) p[i] = scale * random_unit();
  return p;
}

// An output of `count` elements followed by 16 canaries.
constexpr std::uint16_t kCanary = 0x7fa5;
template <class T>
T* canaried(std::size_t count) {
  T* p = take<T>(count + 16);
  std::memset(static_cast<void*>(p), 0, count * sizeof(T));
  for (std::size_t i = 0; i < 16 * sizeof(T) / 2; ++i) reinterpret_cast<std::uint16_t*>(p + count)[i] = kCanary;
  return p;
}
template <class T>
bool canaries_intact(const T* p, std::size_t count) {
  for (std::size_t i = 0; i < 16 * sizeof(T) / 2; ++i) {
    if (reinterpret_cast<const std::uint16_t*>(p + count)[i] != kCanary) return false;
  }
  return true;
}

// Runs a variant on all harts with its per-core scratch and workspace taken from L3.
template <class Params>
void run(const Variant<Params>& v, Params p) {
  p.scratch = take<unsigned char>(aligned_scratch_bytes(v.scratch_bytes(p)) * rv32::kWorkers + 64);
  if constexpr (requires { p.workspace; }) {
    p.workspace = take<unsigned char>((v.workspace_bytes ? v.workspace_bytes(p) : 0) + 64);
  }
  rv32::fork([&](const runtime::Team& team) { v.run(p, team); });
}

// The variants of `list` this target runs, the reference (list.front(), the oracle) excluded.
template <class Params, class Fn>
void for_each_variant(std::span<const Variant<Params>> list, Fn fn) {
  for (const Variant<Params>& v : list) {
    if (v.key.tier != Tier::reference && runs_on(v.key, kRv32Imafc)) fn(v);
  }
}

// Runs `v` into `got` and the reference into `want`, through the output member `out`.
template <class Params, class T>
void run_both(const Variant<Params>& v, const Variant<Params>& reference, Params p, T* Params::*out, T* got, T* want) {
  p.*out = got;
  run(v, p);
  p.*out = want;
  run(reference, p);
}

bool same_bits(const bf16* a, const bf16* b, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    if (a[i].bits != b[i].bits) return false;
  }
  return true;
}

// A BF16 output of `count` elements that must match the reference bit for bit.
template <class Params>
void exact_case(const Variant<Params>& v, std::span<const Variant<Params>> list, const Params& p, std::size_t count,
                int a, int b, int c) {
  bf16* got = canaried<bf16>(count);
  bf16* want = canaried<bf16>(count);
  run_both(v, list.front(), p, &Params::out, got, want);
  report(v.name, list.front().name, a, b, c, canaries_intact(got, count) && same_bits(got, want, count));
}

bool too_big(double macs, const char* op) {
  if (macs <= tc::kOnTargetMaxMacs) return false;
  rv32::print("skip ");
  rv32::print(op);
  rv32::print(" (above kOnTargetMaxMacs)\n");
  ++g_skipped;
  return true;
}

float value(const void* y, OutType type, std::size_t i) {
  return type == OutType::f32 ? static_cast<const float*>(y)[i] : to_f32(static_cast<const bf16*>(y)[i]);
}
bool canaries_intact(const void* y, OutType type, std::size_t count) {
  return type == OutType::f32 ? canaries_intact(static_cast<const float*>(y), count)
                              : canaries_intact(static_cast<const bf16*>(y), count);
}
void* canaried(OutType type, std::size_t count) {
  return type == OutType::f32 ? static_cast<void*>(canaried<float>(count)) : static_cast<void*>(canaried<bf16>(count));
}

// ---- matmul and matvec -----------------------------------------------------------------------

void matmul_case(tc::MatmulShape s, int index) {
  if (too_big(double(s.m) * s.n * s.k, "matmul")) return;
  const MatmulVariant& reference = matmul_variants().front();
  for_each_variant(matmul_variants(), [&](const MatmulVariant& v) {
    reset_buffers();
    MatmulParams p;
    p.m = s.m, p.n = s.n, p.k = s.k, p.b_transposed = index % 2 == 0;
    p.a = random_bf16(std::size_t(s.m) * s.k), p.lda = s.k;
    p.b = random_bf16(std::size_t(s.n) * s.k), p.ldb = p.b_transposed ? s.k : s.n;
    p.bias = index % 3 != 0 ? random_bf16(s.n) : nullptr;
    p.c_type = index % 4 == 1 ? OutType::f32 : OutType::bf16, p.ldc = s.n;
    const std::size_t count = std::size_t(s.m) * s.n;
    void* got = canaried(p.c_type, count);
    void* want = canaried(p.c_type, count);
    run_both(v, reference, p, &decltype(p)::c, got, want);
    bool ok = canaries_intact(got, p.c_type, count);
    for (int i = 0; i < s.m && ok; ++i)
      for (int j = 0; j < s.n && ok; ++j) {
        float scale = p.bias ? std::fabs(to_f32(p.bias[j])) : 0.0f;
        for (int k = 0; k < s.k; ++k) scale += std::fabs(to_f32(p.a[i * s.k + k]) * to_f32(matmul_b_at(p, k, j)));
        const std::size_t at = std::size_t(i) * s.n + j;
        ok = tc::within(tc::kMatmul, value(got, p.c_type, at), value(want, p.c_type, at), scale);
      }
    report(v.name, reference.name, s.m, s.n, s.k, ok);
  });
}

void matvec_case(int rows, int cols, int index) {
  const MatvecVariant& reference = matvec_variants().front();
  for_each_variant(matvec_variants(), [&](const MatvecVariant& v) {
    reset_buffers();
    const bf16* w = random_bf16(std::size_t(rows) * cols);
    bf16* packed = take<bf16>(matvec_packed_elements(rows, cols));
    matvec_pack(w, rows, cols, cols, packed);
    MatvecParams p;
    p.rows = rows, p.cols = cols, p.w_packed = packed, p.x = random_bf16(cols);
    p.y_type = index % 2 == 0 ? OutType::f32 : OutType::bf16;
    void* got = canaried(p.y_type, rows);
    void* want = canaried(p.y_type, rows);
    run_both(v, reference, p, &decltype(p)::y, got, want);
    bool ok = canaries_intact(got, p.y_type, rows);
    for (int r = 0; r < rows && ok; ++r) {
      float scale = 0.0f;
      for (int k = 0; k < cols; ++k) scale += std::fabs(to_f32(w[r * cols + k]) * to_f32(p.x[k]));
      ok = tc::within(tc::kMatvec, value(got, p.y_type, r), value(want, p.y_type, r), scale);
    }
    report(v.name, reference.name, rows, cols, 1, ok);
  });
}

// ---- conv2d and depthwise_conv2d (NHWC) ---------------------------------------------------------

// Σ over output (n, oy, ox)'s in-image taps of |x[c]·w(tap, c)| for channels [c0, c0 + count).
template <class WeightOf>
float conv_abs_sum(const bf16* x, int in_h, int in_w, int channels, int kernel, int stride, int pad, int n, int oy,
                   int ox, int c0, int count, WeightOf w_of) {
  float sum = 0.0f;
  for (int ky = 0; ky < kernel; ++ky)
    for (int kx = 0; kx < kernel; ++kx) {
      const int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
      if (iy < 0 || iy >= in_h || ix < 0 || ix >= in_w) continue;
      const bf16* px = x + ((std::size_t(n) * in_h + iy) * in_w + ix) * channels;
      for (int c = c0; c < c0 + count; ++c) sum += std::fabs(to_f32(px[c]) * w_of(ky * kernel + kx, c));
    }
  return sum;
}

void conv2d_case(const tc::Conv2dShape& s, int index) {
  Conv2dParams p;
  p.batch = s.batch, p.in_h = s.in_h, p.in_w = s.in_w, p.in_channels = s.in_channels, p.out_channels = s.out_channels;
  p.kernel = s.kernel, p.stride = s.stride, p.pad = s.pad;
  const int out_h = p.out_h(), out_w = p.out_w(), pixels = p.batch * out_h * out_w;
  if (too_big(double(pixels) * p.out_channels * p.patch(), "conv2d")) return;
  const Conv2dVariant& reference = conv2d_variants().front();
  for_each_variant(conv2d_variants(), [&](const Conv2dVariant& v) {
    reset_buffers();
    p.x = random_bf16(std::size_t(p.batch) * p.in_h * p.in_w * p.in_channels);
    p.w = random_bf16(std::size_t(p.out_channels) * p.patch());
    p.bias = index % 3 != 0 ? random_bf16(p.out_channels) : nullptr;
    const std::size_t count = std::size_t(pixels) * p.out_channels;
    bf16* got = canaried<bf16>(count);
    bf16* want = canaried<bf16>(count);
    run_both(v, reference, p, &Conv2dParams::out, got, want);
    bool ok = canaries_intact(got, count);
    for (int q = 0; q < pixels && ok; ++q) {
      const int n = q / (out_h * out_w), oy = q / out_w % out_h, ox = q % out_w;
      for (int o = 0; o < p.out_channels && ok; ++o) {
        const bf16* w = p.w + std::size_t(o) * p.patch();
        const float scale = (p.bias ? std::fabs(to_f32(p.bias[o])) : 0.0f) +
                            conv_abs_sum(p.x, p.in_h, p.in_w, p.in_channels, p.kernel, p.stride, p.pad, n, oy, ox, 0,
                                         p.in_channels,
                                         [&](int tap, int i) { return to_f32(w[tap * p.in_channels + i]); });
        const std::size_t at = std::size_t(q) * p.out_channels + o;
        ok = tc::within_bf16(tc::kConv, to_f32(got[at]), to_f32(want[at]), scale);
      }
    }
    report(v.name, reference.name, pixels, p.out_channels, p.patch(), ok);
  });
}

void depthwise_conv2d_case(const tc::DepthwiseConv2dShape& s, int index) {
  DepthwiseConv2dParams p;
  p.batch = s.batch, p.in_h = s.in_h, p.in_w = s.in_w, p.channels = s.channels;
  p.kernel = s.kernel, p.stride = s.stride, p.pad = s.pad;
  const int out_h = p.out_h(), out_w = p.out_w(), pixels = p.batch * out_h * out_w;
  if (too_big(double(pixels) * p.channels * p.kernel * p.kernel, "depthwise_conv2d")) return;
  const DepthwiseConv2dVariant& reference = depthwise_conv2d_variants().front();
  for_each_variant(depthwise_conv2d_variants(), [&](const DepthwiseConv2dVariant& v) {
    reset_buffers();
    p.x = random_bf16(std::size_t(p.batch) * p.in_h * p.in_w * p.channels);
    p.w = random_bf16(std::size_t(p.kernel) * p.kernel * p.channels);
    p.bias = index % 3 != 1 ? random_bf16(p.channels) : nullptr;
    const std::size_t count = std::size_t(pixels) * p.channels;
    bf16* got = canaried<bf16>(count);
    bf16* want = canaried<bf16>(count);
    run_both(v, reference, p, &DepthwiseConv2dParams::out, got, want);
    bool ok = canaries_intact(got, count);
    for (int q = 0; q < pixels && ok; ++q) {
      const int n = q / (out_h * out_w), oy = q / out_w % out_h, ox = q % out_w;
      for (int c = 0; c < p.channels && ok; ++c) {
        const float scale = (p.bias ? std::fabs(to_f32(p.bias[c])) : 0.0f) +
                            conv_abs_sum(p.x, p.in_h, p.in_w, p.channels, p.kernel, p.stride, p.pad, n, oy, ox, c, 1,
                                         [&](int tap, int cc) { return to_f32(p.w[tap * p.channels + cc]); });
        const std::size_t at = std::size_t(q) * p.channels + c;
        ok = tc::within_bf16(tc::kConv, to_f32(got[at]), to_f32(want[at]), scale);
      }
    }
    report(v.name, reference.name, pixels, p.channels, p.kernel * p.kernel, ok);
  });
}

// ---- attention -------------------------------------------------------------------------------

void attention_decode_case(const tc::AttentionDecodeShape& s, int positions) {
  const AttentionDecodeVariant& reference = attention_decode_variants().front();
  for_each_variant(attention_decode_variants(), [&](const AttentionDecodeVariant& v) {
    reset_buffers();
    const std::size_t kv = std::size_t(s.kv_heads) * s.head_size * s.seq_cap, width = std::size_t(s.heads) * s.head_size;
    AttentionDecodeParams p;
    p.n_heads = s.heads, p.n_kv_heads = s.kv_heads, p.head_size = s.head_size, p.n_positions = positions;
    p.seq_cap = s.seq_cap, p.q = random_bf16(width), p.k_cache = random_bf16(kv), p.v_cache = random_bf16(kv);
    bf16* got = canaried<bf16>(width);
    bf16* want = canaried<bf16>(width);
    run_both(v, reference, p, &decltype(p)::out, got, want);
    float max_v = 0.0f;
    for (std::size_t i = 0; i < kv; ++i) max_v = std::fmax(max_v, std::fabs(to_f32(p.v_cache[i])));
    bool ok = canaries_intact(got, width);
    for (std::size_t i = 0; i < width && ok; ++i) ok = tc::within(tc::kAttentionDecode, to_f32(got[i]), to_f32(want[i]), max_v);
    report(v.name, reference.name, s.heads, s.head_size, positions, ok);
  });
}

double nmse(const bf16* got, const bf16* want, std::size_t count) {
  double err = 0.0, norm = 0.0;
  for (std::size_t i = 0; i < count; ++i) {
    const double g = to_f32(got[i]), w = to_f32(want[i]);
    if (!std::isfinite(g)) return 1e30;
    err += (g - w) * (g - w), norm += w * w;
  }
  return norm > 0.0 ? err / norm : err;
}

struct MhsaInputs {
  const bf16 *x, *w_in, *b_in, *w_out, *b_out;
};
MhsaInputs mhsa_inputs(int seq, int embed) {
  const float ws = 1.0f / std::sqrt(static_cast<float>(embed));
  return {random_bf16(std::size_t(seq) * embed), random_bf16(3 * std::size_t(embed) * embed, ws),
          random_bf16(3 * std::size_t(embed), 0.1f), random_bf16(std::size_t(embed) * embed, ws),
          random_bf16(std::size_t(embed), 0.1f)};
}
template <class T>
MhsaArgs<T> mhsa_args(int seq, int embed, int heads, bool causal) {
  MhsaArgs<T> p;
  p.seq = seq, p.embed = embed, p.heads = heads, p.causal = causal;
  return p;
}
double mhsa_macs(int seq, int embed) { return 4.0 * seq * embed * embed + 2.0 * seq * seq * embed; }

void mhsa_case(const tc::MhsaShape& s, int index) {
  if (too_big(mhsa_macs(s.seq, s.embed), "mhsa")) return;
  const MhsaVariant& reference = mhsa_variants().front();
  const bool causal = index % 2 == 0;
  reset_buffers();
  const MhsaInputs in = mhsa_inputs(s.seq, s.embed);
  MhsaParams p = mhsa_args<bf16>(s.seq, s.embed, s.heads, causal);
  p.x = in.x, p.in_proj_weight = in.w_in, p.in_proj_bias = in.b_in, p.out_proj_weight = in.w_out;
  p.out_proj_bias = in.b_out;
  const std::size_t count = std::size_t(s.seq) * s.embed;
  bf16* want = canaried<bf16>(count);
  p.y = want;
  run(reference, p);
  unsigned char* mark = g_top;
  for_each_variant(mhsa_variants(), [&](const MhsaVariant& v) {
    g_top = mark;
    bf16* got = canaried<bf16>(count);
    p.y = got;
    run(v, p);
    report(v.name, reference.name, s.seq, s.embed, s.heads, canaries_intact(got, count) && nmse(got, want, count) < tc::kMhsaNmse);
  });
  // mhsa__naive_port (FP32, the baseline) on the same inputs, widened.
  g_top = mark;
  const MhsaF32Variant& naive = mhsa_f32_variants().front();
  MhsaF32Params f = mhsa_args<float>(s.seq, s.embed, s.heads, causal);
  auto widen = [](const bf16* v, std::size_t n) {
    float* out = take<float>(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = to_f32(v[i]);
    return out;
  };
  const std::size_t ee = std::size_t(s.embed) * s.embed;
  f.x = widen(in.x, count), f.in_proj_weight = widen(in.w_in, 3 * ee), f.in_proj_bias = widen(in.b_in, 3 * std::size_t(s.embed));
  f.out_proj_weight = widen(in.w_out, ee), f.out_proj_bias = widen(in.b_out, s.embed);
  float* y = canaried<float>(count);
  f.y = y;
  run(naive, f);
  bf16* narrowed = take<bf16>(count);
  for (std::size_t i = 0; i < count; ++i) narrowed[i] = to_bf16(y[i]);
  report(naive.name, reference.name, s.seq, s.embed, s.heads,
         canaries_intact(y, count) && nmse(narrowed, want, count) < tc::kMhsaNaivePortNmse);
}

// ---- softmax, norms, activations, data movement ----------------------------------------------

void softmax_case(int n) {
  const SoftmaxVariant& reference = softmax_variants().front();
  for_each_variant(softmax_variants(), [&](const SoftmaxVariant& v) {
    reset_buffers();
    const int rows = 4, ld = n + 3;
    float* base = take<float>(std::size_t(rows) * ld);
    for (int i = 0; i < rows * ld; ++i) base[i] = 8.0f * random_unit();
    for (int j = 0; j < n; ++j) {
      base[ld + j] *= 3000.0f;                     // row 1: logits ~ ±1e4
      if (j % 3 == 1) base[2 * ld + j] = -INFINITY;  // row 2: masks
      base[3 * ld + j] = -INFINITY;                // row 3: fully masked
    }
    float* got = take<float>(std::size_t(rows) * ld);
    float* want = take<float>(std::size_t(rows) * ld);
    std::memcpy(got, base, sizeof(float) * rows * ld);
    std::memcpy(want, base, sizeof(float) * rows * ld);
    SoftmaxParams p;
    p.rows = rows, p.cols = n, p.ld = ld, p.scale = 0.7f;
    run_both(v, reference, p, &decltype(p)::x, got, want);
    bool ok = true;
    for (int r = 0; r < rows && ok; ++r)
      for (int j = 0; j < ld && ok; ++j) {
        const int at = r * ld + j;
        ok = j >= n ? std::memcmp(&got[at], &base[at], sizeof(float)) == 0 : tc::within(tc::kSoftmax, got[at], want[at], 1.0f);
      }
    report(v.name, reference.name, rows, n, 1, ok);
  });
}

void norm_case(std::span<const NormVariant> list, int n) {
  const NormVariant& reference = list.front();
  for_each_variant(list, [&](const NormVariant& v) {
    reset_buffers();
    const int rows = 3;
    const std::size_t count = std::size_t(rows) * n;
    NormParams p;
    p.rows = rows, p.n = n, p.x = random_bf16(count, 2.0f), p.gamma = random_bf16(n);
    p.scale = random_f32(n), p.shift = random_f32(n);  // read by the affine norms only
    p.residual = random_bf16(count, 2.0f);  // read by the add_* norms only
    bf16* got = canaried<bf16>(count);
    bf16* want = canaried<bf16>(count);
    run_both(v, reference, p, &decltype(p)::out, got, want);
    float scale = 0.0f;
    for (std::size_t i = 0; i < count; ++i) scale = std::fmax(scale, std::fabs(to_f32(want[i])));
    bool ok = canaries_intact(got, count);
    for (std::size_t i = 0; i < count && ok; ++i) ok = tc::within(tc::kNorm, to_f32(got[i]), to_f32(want[i]), scale);
    report(v.name, reference.name, rows, n, 1, ok);
  });
}

void unary_case(std::span<const UnaryVariant> list, int n) {
  const UnaryVariant& reference = list.front();
  for_each_variant(list, [&](const UnaryVariant& v) {
    reset_buffers();
    bf16* x = const_cast<bf16*>(random_bf16(n, 6.0f));
    if (n > 4) x[0] = to_bf16(-12.0f), x[1] = to_bf16(12.0f), x[2] = bf16{}, x[3] = to_bf16(-0.0f);
    UnaryParams p;
    p.n = n, p.x = x;
    bf16* got = canaried<bf16>(n);
    bf16* want = canaried<bf16>(n);
    run_both(v, reference, p, &decltype(p)::out, got, want);
    bool ok = canaries_intact(got, n);
    for (int i = 0; i < n && ok; ++i) {
      ok = tc::within(tc::kActivation, to_f32(got[i]), to_f32(want[i]), std::fmax(1.0f, std::fabs(to_f32(x[i]))));
    }
    report(v.name, reference.name, n, 1, 1, ok);
  });
}

void swiglu_case(int n) {
  const SwigluVariant& reference = swiglu_variants().front();
  for_each_variant(swiglu_variants(), [&](const SwigluVariant& v) {
    reset_buffers();
    const bf16* gate = random_bf16(n, 6.0f);
    bf16* got = canaried<bf16>(n);
    bf16* want = canaried<bf16>(n);
    std::memcpy(got, gate, sizeof(bf16) * n);
    std::memcpy(want, gate, sizeof(bf16) * n);
    SwigluParams p;
    p.n = n, p.up = random_bf16(n);
    run_both(v, reference, p, &decltype(p)::gate, got, want);
    bool ok = canaries_intact(got, n);
    for (int i = 0; i < n && ok; ++i) {
      ok = tc::within(tc::kActivation, to_f32(got[i]), to_f32(want[i]), std::fmax(1.0f, std::fabs(to_f32(gate[i]))));
    }
    report(v.name, reference.name, n, 1, 1, ok);
  });
}

void exact_cases(int n) {
  for_each_variant(add_variants(), [&](const AddVariant& v) {
    reset_buffers();
    AddParams p;
    p.n = n, p.a = random_bf16(n), p.b = random_bf16(n, 0.01f);
    exact_case(v, add_variants(), p, n, n, 1, 1);
  });
  for_each_variant(rope_variants(), [&](const RopeVariant& v) {
    reset_buffers();
    const int head_size = 2 * (n % 8 + 1), heads = 1 + n % 5, dim = head_size * heads;
    const int kv_dim = head_size * (heads > 1 ? heads / 2 : 1);
    const bf16* q = random_bf16(dim);
    const bf16* k = random_bf16(kv_dim);
    float* cs = take<float>(head_size / 2);
    float* sn = take<float>(head_size / 2);
    for (int i = 0; i < head_size / 2; ++i) cs[i] = random_unit(), sn[i] = random_unit();
    bf16 *q1 = canaried<bf16>(dim), *q2 = canaried<bf16>(dim), *k1 = canaried<bf16>(kv_dim), *k2 = canaried<bf16>(kv_dim);
    std::memcpy(q1, q, sizeof(bf16) * dim), std::memcpy(q2, q, sizeof(bf16) * dim);
    std::memcpy(k1, k, sizeof(bf16) * kv_dim), std::memcpy(k2, k, sizeof(bf16) * kv_dim);
    RopeParams p;
    p.dim = dim, p.kv_dim = kv_dim, p.head_size = head_size, p.cos = cs, p.sin = sn;
    p.q = q1, p.k = k1;
    run(v, p);
    p.q = q2, p.k = k2;
    run(rope_variants().front(), p);
    report(v.name, rope_variants().front().name, dim, kv_dim, head_size,
           canaries_intact(q1, dim) && canaries_intact(k1, kv_dim) && same_bits(q1, q2, dim) && same_bits(k1, k2, kv_dim));
  });
  for_each_variant(embedding_variants(), [&](const EmbeddingVariant& v) {
    reset_buffers();
    static const int ids[] = {0, 36, 5, -1, 37, 5, 12, 1000, 3};  // out-of-range ids: zero rows
    const int vocab = 37, count = 9;
    EmbeddingParams p;
    p.count = count, p.vocab = vocab, p.dim = n, p.ids = ids, p.table = random_bf16(std::size_t(vocab) * n);
    exact_case(v, embedding_variants(), p, std::size_t(count) * n, count, n, 1);
  });
  for_each_variant(transpose_variants(), [&](const TransposeVariant& v) {
    reset_buffers();
    const int rows = n, cols = 1 + (n * 7) % 23, ld_in = cols + 2, ld_out = rows + 1;
    TransposeParams p;
    p.rows = rows, p.cols = cols, p.in = random_bf16(std::size_t(rows) * ld_in), p.ld_in = ld_in, p.ld_out = ld_out;
    exact_case(v, transpose_variants(), p, std::size_t(cols) * ld_out, rows, cols, 1);
  });
  for_each_variant(trigram_embedding_variants(), [&](const TrigramEmbeddingVariant& v) {
    reset_buffers();
    static const int ids[] = {0, 36, 5, -1, 37, 5, 12, 1000, 3};  // out-of-range ids: zero parts
    const int vocab = 37, batch = 3, seq = 3;
    TrigramEmbeddingParams p;
    p.batch = batch, p.seq = seq, p.vocab = vocab, p.dim = n, p.ids = ids, p.table = random_bf16(std::size_t(vocab) * n);
    exact_case(v, trigram_embedding_variants(), p, std::size_t(batch) * seq * 3 * n, batch, seq, n);
  });
  for_each_variant(first_token_variants(), [&](const FirstTokenVariant& v) {
    reset_buffers();
    const int batch = n % 4 + 1, seq = n % 3 + 1;
    FirstTokenParams p;
    p.batch = batch, p.seq = seq, p.dim = n, p.in = random_bf16(std::size_t(batch) * seq * n);
    exact_case(v, first_token_variants(), p, std::size_t(batch) * n, batch, seq, n);
  });
}

void attention_encoder_case(const tc::AttentionEncoderShape& s) {
  if (too_big(2.0 * s.batch * s.seq * s.seq * s.heads * s.head_size, "attention_encoder")) return;
  const AttentionEncoderVariant& reference = attention_encoder_variants().front();
  for_each_variant(attention_encoder_variants(), [&](const AttentionEncoderVariant& v) {
    reset_buffers();
    const std::size_t count = std::size_t(s.batch) * s.seq * s.heads * s.head_size;
    int* mask = take<int>(std::size_t(s.batch) * s.seq);
    for (int b = 0; b < s.batch; ++b) {
      const int padded = (b == s.batch - 1 && s.masked_all) ? s.seq : (s.seq * b) % 4;
      for (int j = 0; j < s.seq; ++j) mask[b * s.seq + j] = b > 0 && j >= s.seq - padded ? 0 : 1;
    }
    AttentionEncoderParams p;
    p.batch = s.batch, p.seq = s.seq, p.heads = s.heads, p.head_size = s.head_size, p.key_mask = mask;
    p.q = random_bf16(count, 2.0f), p.k = random_bf16(count, 2.0f), p.v = random_bf16(count);
    bf16* got = canaried<bf16>(count);
    bf16* want = canaried<bf16>(count);
    run_both(v, reference, p, &decltype(p)::out, got, want);
    float scale = 0.0f;
    for (std::size_t i = 0; i < count; ++i) scale = std::fmax(scale, std::fabs(to_f32(p.v[i])));
    bool ok = canaries_intact(got, count);
    for (std::size_t i = 0; i < count && ok; ++i) {
      ok = tc::within_bf16(tc::kAttentionEncoder, to_f32(got[i]), to_f32(want[i]), scale);
    }
    report(v.name, reference.name, s.batch, s.seq, s.heads * s.head_size, ok);
  });
}

// noinline (and mean_tokens_case): inlined into main, their frames would sit under every later case
// on hart 0's 2 KiB stack.
[[gnu::noinline]] void window_cases(const tc::WindowShape& s) {
  WindowParams shape;
  shape.batch = s.batch, shape.height = s.height, shape.width = s.width, shape.channels = s.channels;
  shape.window = s.window;
  const std::size_t map = std::size_t(s.batch) * s.height * s.width * s.channels;
  const std::size_t windows = std::size_t(shape.window_count()) * s.window * s.window * s.channels;
  for_each_variant(window_partition_variants(), [&](const WindowVariant& v) {
    reset_buffers();
    WindowParams p = shape;
    p.in = random_bf16(map);
    exact_case(v, window_partition_variants(), p, windows, s.batch, s.height * s.width, s.channels);
  });
  for_each_variant(window_reverse_variants(), [&](const WindowVariant& v) {
    reset_buffers();
    WindowParams p = shape;
    p.in = random_bf16(windows);
    exact_case(v, window_reverse_variants(), p, map, s.batch, s.height * s.width, s.channels);
  });
  const int tokens = s.window * s.window;
  if (too_big(2.0 * shape.window_count() * tokens * tokens * s.channels, "window_attention")) return;
  const WindowAttentionVariant& reference = window_attention_variants().front();
  for_each_variant(window_attention_variants(), [&](const WindowAttentionVariant& v) {
    reset_buffers();
    WindowAttentionParams p;
    p.windows = shape.window_count(), p.window = s.window, p.heads = s.heads, p.head_size = s.channels / s.heads;
    const std::size_t rows = std::size_t(p.windows) * tokens;
    p.qkv = random_bf16(rows * 3 * s.channels, 2.0f), p.bias = random_f32(std::size_t(s.heads) * tokens);
    bf16* got = canaried<bf16>(rows * s.channels);
    bf16* want = canaried<bf16>(rows * s.channels);
    run_both(v, reference, p, &decltype(p)::out, got, want);
    float scale = 0.0f;
    for (std::size_t i = 0; i < rows * 3 * s.channels; ++i) scale = std::fmax(scale, std::fabs(to_f32(p.qkv[i])));
    bool ok = canaries_intact(got, rows * s.channels);
    for (std::size_t i = 0; i < rows * s.channels && ok; ++i) {
      ok = tc::within_bf16(tc::kWindowAttention, to_f32(got[i]), to_f32(want[i]), scale);
    }
    report(v.name, reference.name, p.windows, tokens, s.channels, ok);
  });
}

[[gnu::noinline]] void mean_tokens_case(const tc::MeanTokensShape& s) {
  const MeanTokensVariant& reference = mean_tokens_variants().front();
  for_each_variant(mean_tokens_variants(), [&](const MeanTokensVariant& v) {
    reset_buffers();
    MeanTokensParams p;
    p.batch = s.batch, p.tokens = s.tokens, p.channels = s.channels;
    const std::size_t count = std::size_t(s.batch) * s.tokens * s.channels, outputs = std::size_t(s.batch) * s.channels;
    p.in = random_bf16(count, 3.0f);
    bf16* got = canaried<bf16>(outputs);
    bf16* want = canaried<bf16>(outputs);
    run_both(v, reference, p, &decltype(p)::out, got, want);
    float scale = 0.0f;
    for (std::size_t i = 0; i < count; ++i) scale = std::fmax(scale, std::fabs(to_f32(p.in[i])));
    bool ok = canaries_intact(got, outputs);
    for (std::size_t i = 0; i < outputs && ok; ++i) ok = tc::within_bf16(tc::kMeanTokens, to_f32(got[i]), to_f32(want[i]), scale);
    report(v.name, reference.name, s.batch, s.tokens, s.channels, ok);
  });
}

// ---- the MCU's DMA-tiled kernels (with the DMA hart) ------------------------------------------

void linear_dma_case(const tc::LinearMcuCase& c) {
  if (too_big(double(c.m) * c.n * c.k, "linear__rv32_dma")) return;
  const MatmulVariant& reference = matmul_variants().front();
  for_each_variant(linear_dma_variants(), [&](const DmaLinearVariant& v) {
    reset_buffers();
    DmaLinearArgs args;
    args.m = c.m, args.n = c.n, args.k = c.k, args.a = random_bf16(std::size_t(c.m) * c.k), args.lda = c.k;
    args.w = random_bf16(std::size_t(c.n) * c.k, 0.2f), args.ldw = c.k, args.bias = random_bf16(c.n, 0.1f);
    args.ldc = c.n, args.plan = plan_linear_mcu(c.m, c.n, c.k, c.l1_budget), args.dma = rv32::dma_ops();
    const std::size_t count = std::size_t(c.m) * c.n;
    bf16* got = canaried<bf16>(count);
    bf16* want = canaried<bf16>(count);
    bool ok = args.plan.ok;
    if (ok) {
      args.c = got, args.l1 = take<unsigned char>(args.plan.l1_bytes + 16);
      args.partial = take<float>(linear_dma_partial_bytes(c.m, c.n, c.k, args.plan) / sizeof(float) + 1);
      rv32::fork([&](const runtime::Team& team) { v.run(args, team); });
      MatmulParams p;
      p.m = c.m, p.n = c.n, p.k = c.k, p.a = args.a, p.lda = c.k, p.b = args.w, p.ldb = c.k, p.b_transposed = true;
      p.bias = args.bias, p.c = want, p.ldc = c.n;
      run(reference, p);
      ok = canaries_intact(got, count);
      for (int i = 0; i < c.m && ok; ++i)
        for (int j = 0; j < c.n && ok; ++j) {
          float scale = std::fabs(to_f32(args.bias[j]));
          for (int k = 0; k < c.k; ++k) scale += std::fabs(to_f32(args.a[i * c.k + k]) * to_f32(args.w[j * c.k + k]));
          ok = tc::within(tc::kMatmul, to_f32(got[i * c.n + j]), to_f32(want[i * c.n + j]), scale);
        }
    }
    report(v.name, reference.name, c.m, c.n, c.k, ok);
  });
}

// attention__rv32_dma is MHSA's attention stage: checked against mhsa__ref's output through
// mhsa__rv32_fused below, and alone against softmax(q·kᵀ/√d)·v in FP32 here.
void attention_dma_case(const tc::AttentionMcuCase& c) {
  for_each_variant(attention_dma_variants(), [&](const DmaAttentionVariant& v) {
    reset_buffers();
    const int width = c.heads * c.head_dim;
    const DmaAttentionPlan plan = plan_attention_mcu(c.seq, c.head_dim, rv32::kWorkers, c.l1_budget);
    DmaAttentionArgs args;
    args.seq = c.seq, args.heads = c.heads, args.head_dim = c.head_dim, args.causal = c.causal;
    args.qkv = random_bf16(std::size_t(c.seq) * 3 * width), args.gemm = plan.gemm, args.dma = rv32::dma_ops();
    const std::size_t count = std::size_t(c.seq) * width;
    bf16* got = canaried<bf16>(count);
    bf16* want = take<bf16>(count);
    args.out = got, args.l1 = take<unsigned char>(plan.l1_bytes + 16);
    bool ok = plan.ok;
    if (ok) {
      rv32::fork([&](const runtime::Team& team) { v.run(args, team); });
      float* p = take<float>(c.seq);
      const auto at = [&](int row, int col) { return to_f32(args.qkv[std::size_t(row) * 3 * width + col]); };
      for (int h = 0; h < c.heads; ++h)
        for (int i = 0; i < c.seq; ++i) {
          const int keys = c.causal ? i + 1 : c.seq;
          float top = -INFINITY, sum = 0.0f;
          for (int t = 0; t < keys; ++t) {
            float s = 0.0f;
            for (int d = 0; d < c.head_dim; ++d) s += at(i, h * c.head_dim + d) * at(t, width + h * c.head_dim + d);
            p[t] = s / std::sqrt(static_cast<float>(c.head_dim));
            top = std::fmax(top, p[t]);
          }
          for (int t = 0; t < keys; ++t) sum += p[t] = std::exp(p[t] - top);
          for (int d = 0; d < c.head_dim; ++d) {
            float o = 0.0f;
            for (int t = 0; t < keys; ++t) o += p[t] / sum * at(t, 2 * width + h * c.head_dim + d);
            want[std::size_t(i) * width + h * c.head_dim + d] = to_bf16(o);
          }
        }
      ok = canaries_intact(got, count) && nmse(got, want, count) < tc::kMhsaNmse;
    }
    report(v.name, "fp32 attention", c.seq, c.heads, c.head_dim, ok);
  });
}

void mhsa_dma_case(const tc::MhsaMcuCase& c) {
  if (too_big(mhsa_macs(c.seq, c.embed), "mhsa__rv32_fused")) return;
  const MhsaVariant& reference = mhsa_variants().front();
  for_each_variant(mhsa_dma_variants(), [&](const DmaMhsaVariant& v) {
    reset_buffers();
    const MhsaInputs in = mhsa_inputs(c.seq, c.embed);
    DmaMhsaArgs args;
    args.seq = c.seq, args.embed = c.embed, args.heads = c.heads, args.causal = c.causal;
    args.x = in.x, args.in_proj_weight = in.w_in, args.in_proj_bias = in.b_in, args.out_proj_weight = in.w_out;
    args.out_proj_bias = in.b_out, args.dma = rv32::dma_ops();
    args.plan = plan_mhsa_mcu(c.seq, c.embed, c.heads, rv32::kWorkers, tc::kMcuL1Budget);
    const std::size_t count = std::size_t(c.seq) * c.embed;
    bf16* got = canaried<bf16>(count);
    bf16* want = canaried<bf16>(count);
    bool ok = args.plan.ok;
    if (ok) {
      args.y = got, args.l1 = take<unsigned char>(args.plan.l1_bytes + 16);
      args.workspace = take<unsigned char>(args.plan.l2_bytes + 16);
      rv32::fork([&](const runtime::Team& team) { v.run(args, team); });
      MhsaParams p = mhsa_args<bf16>(c.seq, c.embed, c.heads, c.causal);
      p.x = in.x, p.in_proj_weight = in.w_in, p.in_proj_bias = in.b_in, p.out_proj_weight = in.w_out;
      p.out_proj_bias = in.b_out, p.y = want;
      run(reference, p);
      ok = canaries_intact(got, count) && nmse(got, want, count) < tc::kMhsaNmse;
    }
    report(v.name, reference.name, c.seq, c.embed, c.heads, ok);
  });
}

}  // namespace

// A decoder's KV window fetched ahead (the deploy compiler's schedule) under the real DMA hart: a
// streamed matvec carries the transfers of positions 0..n-2 of a far cache into a window, and as
// soon as it returns (no barrier after it, as the emitted schedule runs) every core reads its share
// of the window: all of it must have landed, bit for bit. Its sums must equal matvec__rv32_8row's.
// (It does not reliably catch a wait placed after the matvec's last barrier: the DMA hart usually
// finishes during the last piece. Checked: it passed with the wait there.)
void carried_window_case(int head_size, int positions) {
  reset_buffers();
  constexpr int kKvHeads = 4, kRows = 17, kCols = 16;
  const int window = positions + 3, cap = window + 5;
  AttentionDecodeParams far;
  far.n_heads = 8, far.n_kv_heads = kKvHeads, far.head_size = head_size, far.seq_cap = cap;
  far.n_positions = positions;
  const std::size_t cache = std::size_t(kKvHeads) * head_size * cap;
  far.k_cache = random_bf16(cache), far.v_cache = random_bf16(cache);
  bf16* packed = take<bf16>(matvec_packed_elements(kRows, kCols));
  matvec_pack(random_bf16(std::size_t(kRows) * kCols), kRows, kCols, kCols, packed);
  DmaMatvecArgs mv;
  mv.rows = kRows, mv.cols = kCols, mv.w_packed = packed, mv.x = random_bf16(kCols), mv.y = take<bf16>(kRows);
  mv.slot_bytes = matvec_dma_block_bytes(kCols), mv.dma = rv32::dma_ops();
  mv.l1 = take<unsigned char>(matvec_dma_l1_bytes(kCols, mv.slot_bytes));
  auto* win = take<unsigned char>(kv_window_bytes(kKvHeads, head_size, window));
  std::memset(win, 0xA5, kv_window_bytes(kKvHeads, head_size, window));
  DmaTransfer transfers[2];
  mv.carried_count = kv_window_transfers(far, positions - 1, win, window, transfers), mv.carried = transfers;
  const auto* keys = reinterpret_cast<const bf16*>(win);
  const auto* values = reinterpret_cast<const bf16*>(win + kv_window_values_offset(kKvHeads, head_size, window));
  int bad[rv32::kWorkers] = {};
  rv32::fork([&](const runtime::Team& team) {
    matvec__rv32_dma(mv, team);
    const int rows = kKvHeads * head_size;  // key rows, then each KV head's values
    const runtime::Range mine = runtime::split_range(rows + kKvHeads, team.core, team.cores);
    for (int r = mine.begin; r < mine.end; ++r) {
      for (int t = 0; t < positions - 1; ++t) {
        if (r < rows) {
          bad[team.core] += keys[std::size_t(r) * window + t].bits != far.k_cache[std::size_t(r) * cap + t].bits;
        } else {
          const std::size_t g = std::size_t(r - rows);
          for (int i = 0; i < head_size; ++i) {
            bad[team.core] += values[(g * window + t) * head_size + i].bits != far.v_cache[(g * cap + t) * head_size + i].bits;
          }
        }
      }
    }
  });
  MatvecParams p;
  p.rows = kRows, p.cols = kCols, p.w_packed = packed, p.x = mv.x, p.y_type = OutType::bf16;
  bf16* want = take<bf16>(kRows);
  p.y = want;
  for (const MatvecVariant& v : matvec_variants()) {
    if (std::strcmp(v.name, "matvec__rv32_8row") == 0) run(v, p);
  }
  int wrong = 0;
  for (int c = 0; c < rv32::kWorkers; ++c) wrong += bad[c];
  report("matvec__rv32_dma carrying a KV window", "the far cache", head_size, positions, window,
         wrong == 0 && same_bits(static_cast<const bf16*>(mv.y), want, kRows));
}

int main() {
  rv32::print("bfedge rv32 kernel tests on ");
  rv32::print_int(rv32::hart_count());
  rv32::print(" harts\n");
  int index = 0;
  for (tc::MatmulShape s : tc::kMatmulSmallShapes) matmul_case(s, ++index);
  for (int m : tc::kMatmulM)
    for (int n : tc::kMatmulN)
      for (int k : tc::kMatmulK) matmul_case({m, n, k}, ++index);
  for (tc::MatmulShape s : tc::kMatmulModelShapes) matmul_case(s, ++index);
  index = 0;
  for (const tc::Conv2dShape& s : tc::kConv2dShapes) conv2d_case(s, ++index);
  index = 0;
  for (const tc::DepthwiseConv2dShape& s : tc::kDepthwiseConv2dShapes) depthwise_conv2d_case(s, ++index);
  index = 0;
  for (int rows : tc::kMatvecRows)
    for (int cols : tc::kMatvecCols) matvec_case(rows, cols, ++index);
  for (const tc::AttentionDecodeShape& s : tc::kAttentionDecodeShapes) {
    for (int positions : tc::kAttentionDecodePositions) {
      if (positions <= s.seq_cap) attention_decode_case(s, positions);
    }
  }
  index = 0;
  for (const tc::MhsaShape& s : tc::kMhsaShapes) mhsa_case(s, ++index);
  for (const tc::AttentionEncoderShape& s : tc::kAttentionEncoderShapes) attention_encoder_case(s);
  for (const tc::WindowShape& s : tc::kWindowShapes) window_cases(s);
  for (const tc::MeanTokensShape& s : tc::kMeanTokensShapes) mean_tokens_case(s);
  for (int n : tc::kVectorSizes) {
    softmax_case(n);
    for (auto list : {rmsnorm_variants(), layernorm_variants(), nonorm_variants(), add_layernorm_variants(),
                      add_nonorm_variants()}) {
      norm_case(list, n);
    }
    for (auto list : {silu_variants(), relu_variants(), gelu_erf_variants(), gelu_tanh_variants(), tanh_variants()}) {
      unary_case(list, n);
    }
    swiglu_case(n);
    exact_cases(n);
  }
  for (const tc::LinearMcuCase& c : tc::kLinearMcuCases) linear_dma_case(c);
  for (const tc::AttentionMcuCase& c : tc::kAttentionMcuCases) attention_dma_case(c);
  for (const tc::MhsaMcuCase& c : tc::kMhsaMcuCases) mhsa_dma_case(c);
  for (int head_size : {8, 4}) {
    for (int positions : {1, 2, 37, 64}) carried_window_case(head_size, positions);
  }

  // A worker stack that overflowed (hart 0 runs this harness and the kernels in 2 KiB) fails here.
  if (!rv32::stacks_intact()) {
    rv32::print("FAIL a worker stack overflowed (its canary is gone)\n");
    ++g_failures;
  }

  // VariantCoverage on the target: every registered variant it runs has had a case.
  int covered = 0;
  for (const VariantInfo& v : all_variants()) {
    if (!runs_on(v.key, kRv32Imafc)) continue;
    if (was_tested(v.name)) {
      ++covered;
      continue;
    }
    rv32::print("FAIL no on-target case for ");
    rv32::print(v.name);
    rv32::print("\n");
    ++g_failures;
  }
  rv32::print_int(g_cases);
  rv32::print(" cases, ");
  rv32::print_int(g_skipped);
  rv32::print(" shapes skipped, ");
  rv32::print_int(covered);
  rv32::print(" variants covered\n");
  rv32::print(g_failures == 0 ? "PASS\n" : "FAILURES: ");
  if (g_failures != 0) {
    rv32::print_int(g_failures);
    rv32::print("\n");
  }
  return g_failures > 255 ? 255 : g_failures;
}
