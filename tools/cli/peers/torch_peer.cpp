#include <torch/torch.h>

#include "peers.hpp"
#include "timing.hpp"

namespace bfedge::cli::peers {

std::optional<PeerTiming> torch_matmul_bf16(int m, int n, int k, int repetitions) {
  torch::set_num_threads(1);
  torch::NoGradGuard no_grad;
  const auto a = torch::randn({m, k}).to(torch::kBFloat16);
  const auto b = torch::randn({k, n}).to(torch::kBFloat16);
  auto run = [&] { (void)torch::matmul(a, b); };
  run();
  return PeerTiming{median_microseconds(repetitions, run), "torch::matmul bf16"};
}

std::optional<PeerTiming> torch_mhsa(int seq, int embed, int heads, bool bf16, int repetitions) {
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
  return PeerTiming{median_microseconds(repetitions, run),
                    std::string("torch::nn::MultiheadAttention ") + (bf16 ? "bf16" : "fp32")};
}

}  // namespace bfedge::cli::peers
