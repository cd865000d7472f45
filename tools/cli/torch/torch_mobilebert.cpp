// libtorch MobileBERT for eval --compare torch and bench mobilebert.
#include <exception>
#include <memory>

#include "bfedge/train/mobilebert_export.hpp"
#include "bfedge/train/mobilebert_module.hpp"
#include "bfedge/train/process_memory.hpp"
#include "torch_api.hpp"

namespace bfedge::train {

struct TorchMobileBert {
  MobileBertClassifier f32{nullptr};
  MobileBertClassifier bf16{nullptr};  // made on first use
  models::MobileBertConfig config;
};

}  // namespace bfedge::train

namespace {

using bfedge::Status;
using bfedge::train::TorchMobileBert;

Status libtorch_error(const std::exception& e) {
  return Status(bfedge::ErrorCode::unsupported, std::string("libtorch: ") + e.what());
}

torch::Tensor ids_tensor(std::span<const int> values, int batch, int seq, int fill) {
  if (values.empty()) return torch::full({batch, seq}, fill, torch::kLong);
  return torch::from_blob(const_cast<int*>(values.data()), {batch, seq}, torch::kInt).to(torch::kLong);
}

std::vector<float> to_vector(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().to(torch::kFloat).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

}  // namespace

extern "C" void bfedge_torch_mobilebert_open(const char* dir, const bfedge::models::MobileBertConfig* config,
                                             unsigned seed, int threads, TorchMobileBert** model, Status* status) {
  *model = nullptr;
  try {
    bfedge::train::keep_freed_memory_in_process();  // libtorch's forward frees and re-allocates per batch
    torch::set_num_threads(std::max(1, threads));
    auto m = std::make_unique<TorchMobileBert>();
    if (dir != nullptr) {
      auto imported = bfedge::train::import_mobilebert(dir);
      if (!imported.is_ok()) {
        *status = imported.status();
        return;
      }
      m->f32 = imported.value();
    } else {
      torch::manual_seed(seed);
      m->f32 = bfedge::train::MobileBertClassifier(*config);
    }
    m->config = m->f32->config();
    m->f32->eval();
    *model = m.release();
    *status = Status::ok();
  } catch (const std::exception& e) {
    *status = libtorch_error(e);
  }
}

extern "C" void bfedge_torch_mobilebert_forward(TorchMobileBert* model, const bfedge::models::MobileBertInputs* in,
                                                int bf16, int keep_hidden_states,
                                                bfedge::models::MobileBertOutputs* out, Status* status) {
  try {
    torch::NoGradGuard no_grad;
    if (bf16 && !model->bf16) {
      model->bf16 = bfedge::train::MobileBertClassifier(model->config);
      model->bf16->eval();
      auto source = model->f32->named_parameters();
      for (auto& p : model->bf16->named_parameters()) p.value().copy_(source[p.key()]);
      model->bf16->to(torch::kBFloat16);
    }
    auto& m = bf16 ? model->bf16 : model->f32;
    const auto ids = ids_tensor(in->input_ids, in->batch, in->seq, 0);
    const auto mask = ids_tensor(in->attention_mask, in->batch, in->seq, 1);
    const auto types = ids_tensor(in->token_type_ids, in->batch, in->seq, 0);
    const auto result = m->forward(ids, mask, types, keep_hidden_states != 0);
    out->logits = to_vector(result.logits);
    out->hidden_states.clear();
    for (const auto& h : result.hidden_states) out->hidden_states.push_back(to_vector(h));
    *status = Status::ok();
  } catch (const std::exception& e) {
    *status = libtorch_error(e);
  }
}

extern "C" void bfedge_torch_mobilebert_close(TorchMobileBert* model) { delete model; }
