// On-target kernel tests: every portable variant and the MCU kernels (with the DMA hart) against
// their references, on all harts, at tile-edge shapes, with the tolerances of the host tests
// (docs/kernels.md). Prints one line per case and exits with the number of failures (QEMU's exit
// status), so ctest sees the result.
#include <cmath>
#include <cstdint>

#include "bfedge/kernels/matmul.hpp"
#include "bfedge/kernels/mcu.hpp"
#include "bfedge/kernels/matvec.hpp"
#include "bfedge/kernels/norm.hpp"
#include "bfedge/kernels/softmax.hpp"
#include "dma.hpp"
#include "rv32_runtime.hpp"

namespace {

using namespace bfedge;
using namespace bfedge::kernels;

std::uint32_t g_rng = 2463534242u;
float random_unit() {  // xorshift32, roughly uniform in [-1, 1)
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 17;
  g_rng ^= g_rng << 5;
  return static_cast<float>(g_rng >> 8) / 8388608.0f - 1.0f;
}

alignas(64) bf16 g_a[64 * 200], g_b[200 * 72], g_bias[72];
alignas(64) bf16 g_got[64 * 72 + 16], g_want[64 * 72 + 16];
alignas(64) unsigned char g_scratch[8 * 16384];

int g_failures = 0;

void report(const char* name, int m, int n, int k, bool ok) {
  rv32::print(ok ? "ok   " : "FAIL ");
  rv32::print(name);
  rv32::print(" ");
  rv32::print_int(m);
  rv32::print("x");
  rv32::print_int(n);
  rv32::print("x");
  rv32::print_int(k);
  rv32::print("\n");
  if (!ok) ++g_failures;
}

template <class Params>
void run_all_harts(const Variant<Params>& v, const Params& p) {
  rv32::fork([&](const runtime::Team& team) { v.run(p, team); });
}

void matmul_case(int m, int n, int k, bool transposed) {
  for (int i = 0; i < m * k; ++i) g_a[i] = to_bf16(random_unit());
  for (int i = 0; i < n * k; ++i) g_b[i] = to_bf16(random_unit());
  for (int i = 0; i < n; ++i) g_bias[i] = to_bf16(random_unit());
  const bf16 canary = bf16_from_bits(0x7fa5);
  for (bf16& x : g_got) x = canary;
  MatmulParams p;
  p.m = m, p.n = n, p.k = k, p.a = g_a, p.lda = k, p.b = g_b, p.ldb = transposed ? k : n;
  p.b_transposed = transposed, p.bias = g_bias, p.ldc = n, p.scratch = g_scratch;
  p.c = g_got;
  static const MatmulVariant portable{"matmul__portable_4x4", Isa::portable, &matmul__portable_4x4, nullptr};
  static const MatmulVariant reference{"matmul__ref", Isa::reference, &matmul__ref, nullptr};
  run_all_harts(portable, p);
  p.c = g_want;
  run_all_harts(reference, p);
  bool ok = g_got[m * n].bits == canary.bits;
  for (int i = 0; i < m && ok; ++i)
    for (int j = 0; j < n && ok; ++j) {
      float scale = std::fabs(to_f32(g_bias[j]));
      for (int kk = 0; kk < k; ++kk) scale += std::fabs(to_f32(g_a[i * k + kk]) * to_f32(matmul_b_at(p, kk, j)));
      const float g = to_f32(g_got[i * n + j]), w = to_f32(g_want[i * n + j]);
      ok = std::fabs(g - w) <= std::ldexp(std::fabs(w), -8) + std::ldexp(scale, -14);
    }
  report(transposed ? "matmul__portable_4x4 (B^T)" : "matmul__portable_4x4", m, n, k, ok);
}

void matvec_case(int rows, int cols) {
  static bf16 w[200 * 72], packed[208 * 72];
  for (int i = 0; i < rows * cols; ++i) w[i] = to_bf16(random_unit());
  for (int i = 0; i < cols; ++i) g_a[i] = to_bf16(random_unit());
  matvec_pack(w, rows, cols, cols, packed);
  MatvecParams p;
  p.rows = rows, p.cols = cols, p.w_packed = packed, p.x = g_a, p.scratch = g_scratch;
  static const MatvecVariant variants[] = {
      {"matvec__portable_16row", Isa::portable, &matvec__portable_16row, nullptr},
      {"matvec__mcu_8row", Isa::portable, &matvec__mcu_8row, nullptr}};
  static const MatvecVariant reference{"matvec__ref", Isa::reference, &matvec__ref, nullptr};
  p.y = g_want;
  run_all_harts(reference, p);
  for (const MatvecVariant& v : variants) {
    p.y = g_got;
    run_all_harts(v, p);
    bool ok = true;
    for (int r = 0; r < rows && ok; ++r) {
      const float g = to_f32(g_got[r]), wv = to_f32(g_want[r]);
      ok = std::fabs(g - wv) <= std::ldexp(std::fabs(wv), -8) + 1e-3f;
    }
    report(v.name, rows, cols, 1, ok);
  }
}

// linear__mcu_dma with the DMA hart, from tiles of a small L1 budget (K in chunks, partial sums
// through the workspace) to one chunk.
void linear_case(int m, int n, int k, std::size_t budget) {
  static float partial[64 * 72];
  static unsigned char l1[24 * 1024] __attribute__((aligned(16)));
  for (int i = 0; i < m * k; ++i) g_a[i] = to_bf16(random_unit());
  for (int i = 0; i < n * k; ++i) g_b[i] = to_bf16(random_unit());
  for (int i = 0; i < n; ++i) g_bias[i] = to_bf16(random_unit());
  McuLinearArgs args;
  args.m = m, args.n = n, args.k = k, args.a = g_a, args.lda = k, args.w = g_b, args.ldw = k, args.bias = g_bias;
  args.c = g_got, args.ldc = n, args.plan = plan_linear_mcu(m, n, k, budget), args.l1 = l1, args.partial = partial;
  args.dma = rv32::dma_ops();
  bool ok = args.plan.ok && args.plan.l1_bytes <= sizeof l1;
  if (ok) {
    rv32::fork([&](const runtime::Team& team) { linear__mcu_dma(args, team); });
    MatmulParams p;
    p.m = m, p.n = n, p.k = k, p.a = g_a, p.lda = k, p.b = g_b, p.ldb = k, p.b_transposed = true, p.bias = g_bias;
    p.c = g_want, p.ldc = n;
    static const MatmulVariant reference{"matmul__ref", Isa::reference, &matmul__ref, nullptr};
    run_all_harts(reference, p);
    for (int i = 0; i < m * n && ok; ++i) {
      const float g = to_f32(g_got[i]), w = to_f32(g_want[i]);
      ok = std::fabs(g - w) <= std::ldexp(std::fabs(w), -7) + 1e-5f;  // one BF16 rounding apart
    }
  }
  report("linear__mcu_dma", m, n, k, ok);
}

void softmax_case(int rows, int cols) {
  static float x1[8 * 130], x2[8 * 130];
  for (int i = 0; i < rows * cols; ++i) x1[i] = x2[i] = 8.0f * random_unit();
  x1[1] = x2[1] = -INFINITY;
  SoftmaxParams p;
  p.rows = rows, p.cols = cols, p.ld = cols, p.scale = 0.5f;
  static const SoftmaxVariant portable{"softmax__portable_fastexp", Isa::portable, &softmax__portable_fastexp, nullptr};
  static const SoftmaxVariant reference{"softmax__ref", Isa::reference, &softmax__ref, nullptr};
  p.x = x1;
  run_all_harts(portable, p);
  p.x = x2;
  run_all_harts(reference, p);
  bool ok = true;
  for (int i = 0; i < rows * cols && ok; ++i) ok = std::fabs(x1[i] - x2[i]) <= 1e-5f;
  report("softmax__portable_fastexp", rows, cols, 1, ok);
}

void rmsnorm_case(int rows, int n) {
  for (int i = 0; i < rows * n; ++i) g_a[i] = to_bf16(2.0f * random_unit());
  for (int i = 0; i < n; ++i) g_bias[i] = to_bf16(random_unit());
  NormParams p;
  p.rows = rows, p.n = n, p.x = g_a, p.gamma = g_bias;
  static const NormVariant portable{"rmsnorm__portable", Isa::portable, &rmsnorm__portable, nullptr};
  static const NormVariant reference{"rmsnorm__ref", Isa::reference, &rmsnorm__ref, nullptr};
  p.out = g_got;
  run_all_harts(portable, p);
  p.out = g_want;
  run_all_harts(reference, p);
  bool ok = true;
  for (int i = 0; i < rows * n && ok; ++i) {
    const float g = to_f32(g_got[i]), w = to_f32(g_want[i]);
    ok = std::fabs(g - w) <= std::ldexp(std::fabs(w), -8) + 1e-3f;
  }
  report("rmsnorm__portable", rows, n, 1, ok);
  p.out = g_want;
  static const NormVariant columns{"rmsnorm__mcu_columns", Isa::portable, &rmsnorm__mcu_columns, nullptr};
  static const NormVariant portable_rows{"rmsnorm__portable", Isa::portable, &rmsnorm__portable, nullptr};
  run_all_harts(portable_rows, p);
  p.out = g_got;
  run_all_harts(columns, p);
  ok = true;
  for (int i = 0; i < rows * n && ok; ++i) ok = g_got[i].bits == g_want[i].bits;  // the same reduction order
  report("rmsnorm__mcu_columns", rows, n, 1, ok);
}

}  // namespace

int main() {
  rv32::print("bfedge rv32 kernel tests on ");
  rv32::print_int(rv32::hart_count());
  rv32::print(" harts\n");
  const int shapes[][3] = {{1, 1, 1}, {3, 5, 7}, {4, 4, 4}, {5, 17, 33}, {8, 3, 16}, {13, 33, 64}, {64, 72, 64}};
  for (const auto& s : shapes) {
    matmul_case(s[0], s[1], s[2], false);
    matmul_case(s[0], s[1], s[2], true);
  }
  const int matvec_shapes[][2] = {{1, 1}, {15, 7}, {16, 64}, {17, 65}, {172, 64}, {64, 172}};
  for (const auto& rc : matvec_shapes) matvec_case(rc[0], rc[1]);
  softmax_case(1, 1);
  softmax_case(7, 33);
  softmax_case(8, 128);
  rmsnorm_case(1, 64);
  rmsnorm_case(9, 17);
  const int linear_shapes[][3] = {{1, 3, 4}, {5, 33, 7}, {64, 70, 130}, {13, 4, 100}, {17, 37, 9}};
  for (const auto& s : linear_shapes) {
    linear_case(s[0], s[1], s[2], 8 * 1024);
    linear_case(s[0], s[1], s[2], 24 * 1024);
  }
  rv32::print(g_failures == 0 ? "PASS\n" : "FAILURES: ");
  if (g_failures != 0) {
    rv32::print_int(g_failures);
    rv32::print("\n");
  }
  return g_failures;
}
