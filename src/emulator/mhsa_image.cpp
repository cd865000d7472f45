#include "bfedge/emulator/mhsa_image.hpp"

#include <cmath>
#include <cstring>
#include <random>

#include "bfedge/core/random_data.hpp"
#include "bfedge/core/round_up.hpp"

namespace bfedge::emulator {
namespace {

// Appends `values` (as FP32 when widen) at a 64-byte boundary; returns its offset.
std::uint32_t append(std::vector<unsigned char>& image, const std::vector<bf16>& values, bool widen) {
  image.resize(round_up(image.size(), 64));
  const auto offset = static_cast<std::uint32_t>(image.size());
  for (const bf16 v : values) {
    if (widen) {
      const float f = to_f32(v);
      unsigned char bytes[4];
      std::memcpy(bytes, &f, 4);
      image.insert(image.end(), bytes, bytes + 4);
    } else {
      image.push_back(static_cast<unsigned char>(v.bits & 0xff));
      image.push_back(static_cast<unsigned char>(v.bits >> 8));
    }
  }
  return offset;
}

}  // namespace

MhsaProblem random_mhsa_problem(int seq, int embed, int heads, bool causal, std::uint32_t seed) {
  std::mt19937 rng(seed);
  const std::size_t e = static_cast<std::size_t>(embed);
  const float w = 1.0f / std::sqrt(static_cast<float>(embed));
  MhsaProblem p;
  p.seq = seq, p.embed = embed, p.heads = heads, p.causal = causal;
  p.x = random_bf16(static_cast<std::size_t>(seq) * e, rng, 1.0f);
  p.in_proj_weight = random_bf16(3 * e * e, rng, w);
  p.in_proj_bias = random_bf16(3 * e, rng, 0.1f);
  p.out_proj_weight = random_bf16(e * e, rng, w);
  p.out_proj_bias = random_bf16(e, rng, 0.1f);
  return p;
}

std::vector<unsigned char> mhsa_image(const MhsaProblem& problem, rv32::MhsaKernel kernel, int cores,
                                      std::uint32_t l1_budget) {
  rv32::MhsaJob job;
  job.header.kind = rv32::JobKind::mhsa;
  job.kernel = kernel;
  job.seq = static_cast<std::uint32_t>(problem.seq);
  job.embed = static_cast<std::uint32_t>(problem.embed);
  job.heads = static_cast<std::uint32_t>(problem.heads);
  job.causal = problem.causal ? 1 : 0;
  job.cores = static_cast<std::uint32_t>(cores);
  job.l1_budget = l1_budget;
  std::vector<unsigned char> image(sizeof job);
  const bool widen = kernel == rv32::MhsaKernel::naive;
  job.x = append(image, problem.x, widen);
  job.in_proj_weight = append(image, problem.in_proj_weight, widen);
  job.in_proj_bias = append(image, problem.in_proj_bias, widen);
  job.out_proj_weight = append(image, problem.out_proj_weight, widen);
  job.out_proj_bias = append(image, problem.out_proj_bias, widen);
  image.resize(round_up(image.size(), 64));
  job.header.image_bytes = static_cast<std::uint32_t>(image.size());
  std::memcpy(image.data(), &job, sizeof job);
  return image;
}

}  // namespace bfedge::emulator
