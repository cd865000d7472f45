// taylor_scores: one backward per calibration batch, |g · w| accumulated in FP32 per element.
#include "bfedge/train/taylor_importance.hpp"

namespace bfedge::train {

std::map<std::string, std::vector<float>> taylor_scores(torch::nn::Module& model,
                                                        const std::function<torch::Tensor(int batch)>& loss_of,
                                                        int batches) {
  std::map<std::string, torch::Tensor> sums;
  for (const auto& p : model.named_parameters()) sums[p.key()] = torch::zeros_like(p.value(), torch::kFloat);
  for (int b = 0; b < batches; ++b) {
    model.zero_grad();
    loss_of(b).backward();
    torch::NoGradGuard no_grad;
    for (const auto& p : model.named_parameters()) {
      if (p.value().grad().defined()) sums[p.key()] += (p.value().grad() * p.value()).abs().to(torch::kFloat);
    }
  }
  model.zero_grad();
  std::map<std::string, std::vector<float>> out;
  for (auto& [name, sum] : sums) {
    const torch::Tensor flat = sum.contiguous().view({-1});
    out[name] = std::vector<float>(flat.data_ptr<float>(), flat.data_ptr<float>() + flat.numel());
  }
  return out;
}

}  // namespace bfedge::train
