// First-order Taylor importance for pruning (docs/adr/0009): per parameter element, the sum over
// calibration batches of |∂loss/∂w · w|, the first-order estimate of the loss change when w is
// removed (Molchanov et al. 2019). prune::accumulate_importance turns these element scores into
// the importance of each width-space index and structure.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace bfedge::train {

// `loss_of(i)` runs batch i through `model` and returns its scalar loss; `batches` of them are
// accumulated. Returns every parameter's scores by its name in model.named_parameters(), row-major
// in its shape. The model's gradients are left zeroed.
std::map<std::string, std::vector<float>> taylor_scores(torch::nn::Module& model,
                                                        const std::function<torch::Tensor(int batch)>& loss_of,
                                                        int batches);

}  // namespace bfedge::train
