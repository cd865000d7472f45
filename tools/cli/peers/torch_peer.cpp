#include <torch/torch.h>

#include <cstdio>

#include "peer_api.h"
#include "timing.hpp"

extern "C" int bfedge_peer_torch_matmul_bf16(int m, int n, int k, int threads, int repetitions,
                                             double* microseconds, char* detail, int detail_size) {
  try {
    torch::set_num_threads(threads);
    torch::NoGradGuard no_grad;
    const auto a = torch::randn({m, k}).to(torch::kBFloat16);
    const auto b = torch::randn({k, n}).to(torch::kBFloat16);
    auto run = [&] { (void)torch::matmul(a, b); };
    run();
    *microseconds = bfedge::cli::median_microseconds(repetitions, run);
    std::snprintf(detail, static_cast<std::size_t>(detail_size), "torch::matmul bf16");
    return 1;
  } catch (...) {
    return 0;
  }
}

extern "C" int bfedge_peer_torch_mhsa(int seq, int embed, int heads, int bf16, int repetitions,
                                      double* microseconds, char* detail, int detail_size) {
  try {
    torch::set_num_threads(1);
    torch::NoGradGuard no_grad;
    torch::nn::MultiheadAttention mha(torch::nn::MultiheadAttentionOptions(embed, heads));
    mha->eval();
    auto x = torch::randn({seq, 1, embed});  // (L, N, E): libtorch 1.13 has no batch_first
    if (bf16) {
      mha->to(torch::kBFloat16);
      x = x.to(torch::kBFloat16);
    }
    auto run = [&] { (void)mha->forward(x, x, x, {}, /*need_weights=*/false); };
    run();
    *microseconds = bfedge::cli::median_microseconds(repetitions, run);
    std::snprintf(detail, static_cast<std::size_t>(detail_size), "torch::nn::MultiheadAttention %s",
                  bf16 ? "bf16" : "fp32");
    return 1;
  } catch (...) {
    return 0;
  }
}
