// MHSA on the MCU: the naive FP32 port on one core, the tiled BF16 variant on all cores with its
// operands in place, or the fused MCU kernel with L1 tiles and the DMA (kernels/rv32.hpp).
// Naive and tiled work on the image in place and keep their workspace after it (the host's
// cycle model charges that memory as L2: docs/mcu.md); fused stages everything through L1.
#include <cstring>

#include "bfedge/core/round_up.hpp"
#include "bfedge/kernels/mhsa.hpp"
#include "bfedge/rv32/job.hpp"
#include "bfedge/rv32/memory_map.h"
#include "mcu_jobs.hpp"
#include "rv32_runtime.hpp"

namespace bfedge::rv32 {
namespace {

// Memory after the image, in the external region (naive and tiled only).
struct FarMemory {
  std::uintptr_t top;
  void* take(std::size_t bytes) {
    top = round_up(top, 64);
    void* out = reinterpret_cast<void*>(top);
    top += bytes;
    return top <= BFEDGE_MCU_L3_BASE + static_cast<std::uintptr_t>(BFEDGE_MCU_L3_BYTES) ? out : nullptr;
  }
};

template <class T>
const T* at(const unsigned char* image, std::uint32_t offset) {
  return reinterpret_cast<const T*>(image + offset);
}

template <class T>
kernels::MhsaArgs<T> args_of(const rv32::MhsaJob& job, const unsigned char* image) {
  kernels::MhsaArgs<T> p;
  p.seq = static_cast<int>(job.seq), p.embed = static_cast<int>(job.embed), p.heads = static_cast<int>(job.heads);
  p.causal = job.causal != 0;
  p.x = at<T>(image, job.x);
  p.in_proj_weight = at<T>(image, job.in_proj_weight);
  p.in_proj_bias = at<T>(image, job.in_proj_bias);
  p.out_proj_weight = at<T>(image, job.out_proj_weight);
  p.out_proj_bias = at<T>(image, job.out_proj_bias);
  return p;
}

template <class Run>
void measured(Run&& run, std::uint32_t cores) {
  const std::uint32_t first = marks_made();
  fork(run, static_cast<int>(cores));
  print_measure(first, marks_made() - 1);
}

int run_naive(const rv32::MhsaJob& job, const unsigned char* image, FarMemory& far) {
  kernels::MhsaF32Params p = args_of<float>(job, image);
  const std::size_t outputs = static_cast<std::size_t>(p.seq) * p.embed;
  p.y = static_cast<float*>(far.take(outputs * sizeof(float)));
  p.workspace = far.take(kernels::mhsa__naive_port_workspace(p));
  if (p.y == nullptr || p.workspace == nullptr) return fail("the naive port's workspace exceeds L3");
  measured([&](const runtime::Team& team) { kernels::mhsa__naive_port(p, team); }, 1);
  print_words(reinterpret_cast<const std::uint32_t*>(p.y), static_cast<std::uint32_t>(outputs));
  return 0;
}

void print_bf16(const bf16* values, std::size_t count) {
  auto* words = static_cast<std::uint32_t*>(l2_arena().take(count * 4));
  if (words == nullptr) {
    print("FAIL no L2 left to print the result\n");
    return;
  }
  for (std::size_t i = 0; i < count; ++i) words[i] = values[i].bits;
  print_words(words, static_cast<std::uint32_t>(count));
}

int run_tiled(const rv32::MhsaJob& job, const unsigned char* image, FarMemory& far) {
  kernels::MhsaParams p = args_of<bf16>(job, image);
  const std::size_t outputs = static_cast<std::size_t>(p.seq) * p.embed;
  p.y = static_cast<bf16*>(far.take(outputs * sizeof(bf16)));
  p.workspace = far.take(kernels::mhsa__tiled_workspace(p));
  const std::size_t per_core = kernels::aligned_scratch_bytes(kernels::mhsa__tiled_scratch(p));
  p.scratch = l1_arena().take(per_core * static_cast<std::size_t>(hart_count()), 64);
  if (p.y == nullptr || p.workspace == nullptr) return fail("the tiled variant's workspace exceeds L3");
  if (p.scratch == nullptr) return fail("the tiled variant's per-core panels exceed L1");
  measured([&](const runtime::Team& team) { kernels::mhsa__tiled_portable(p, team); }, job.cores);
  print_bf16(p.y, outputs);
  return 0;
}

int run_fused(const rv32::MhsaJob& job, const unsigned char* image) {
  const kernels::MhsaParams in = args_of<bf16>(job, image);
  kernels::DmaMhsaArgs p;
  p.seq = in.seq, p.embed = in.embed, p.heads = in.heads, p.causal = in.causal;
  p.x = in.x, p.in_proj_weight = in.in_proj_weight, p.in_proj_bias = in.in_proj_bias;
  p.out_proj_weight = in.out_proj_weight, p.out_proj_bias = in.out_proj_bias;
  p.plan = kernels::plan_mhsa_mcu(p.seq, p.embed, p.heads, static_cast<int>(job.cores), job.l1_budget);
  if (!p.plan.ok) return fail(p.plan.reason);
  const std::size_t outputs = static_cast<std::size_t>(p.seq) * p.embed;
  p.l1 = l1_arena().take(p.plan.l1_bytes);
  p.workspace = l2_arena().take(p.plan.l2_bytes);
  p.y = static_cast<bf16*>(l2_arena().take(outputs * sizeof(bf16)));
  if (p.l1 == nullptr) return fail("the fused kernel's tiles exceed the L1 arena");
  if (p.workspace == nullptr || p.y == nullptr) return fail("the fused kernel's workspace exceeds L2");
  p.dma = dma_ops();
  measured([&](const runtime::Team& team) { kernels::mhsa__rv32_fused(p, team); }, job.cores);
  print_bf16(p.y, outputs);
  return 0;
}

}  // namespace

int run_mhsa_job(const unsigned char* image) {
  rv32::MhsaJob job;
  std::memcpy(&job, image, sizeof job);
  FarMemory far{reinterpret_cast<std::uintptr_t>(image) + job.header.image_bytes};
  switch (job.kernel) {
    case rv32::MhsaKernel::naive:
      return run_naive(job, image, far);
    case rv32::MhsaKernel::tiled:
      return run_tiled(job, image, far);
    case rv32::MhsaKernel::fused:
      return run_fused(job, image);
  }
  return fail("unknown MHSA kernel");
}

}  // namespace bfedge::rv32
