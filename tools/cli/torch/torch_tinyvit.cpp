// libtorch TinyViT for eval --compare torch and bench tinyvit: the module of src/train loaded from
// a timm folder (train::import_tinyvit) or built with timm's random init, fed NHWC images.
#include <exception>
#include <memory>

#include "bfedge/train/tinyvit_export.hpp"
#include "bfedge/train/tinyvit_module.hpp"
#include "bfedge/train/process_memory.hpp"
#include "torch_api.hpp"

namespace bfedge::train {

struct TorchTinyVit {
  TinyVitClassifier f32{nullptr};
  TinyVitClassifier bf16{nullptr};  // made on first use
  models::TinyVitConfig config;
};

}  // namespace bfedge::train

namespace {

using bfedge::Status;
using bfedge::train::TinyVitClassifier;
using bfedge::train::TorchTinyVit;

Status libtorch_error(const std::exception& e) {
  return Status(bfedge::ErrorCode::unsupported, std::string("libtorch: ") + e.what());
}

std::vector<float> to_vector(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().to(torch::kFloat).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

// A bfloat16 copy of `source`: every parameter and buffer (BatchNorm's statistics too).
TinyVitClassifier bf16_copy(TinyVitClassifier& source) {
  TinyVitClassifier copy(source->config());
  copy->eval();
  auto parameters = source->named_parameters();
  auto buffers = source->named_buffers();
  for (auto& p : copy->named_parameters()) p.value().copy_(parameters[p.key()]);
  for (auto& b : copy->named_buffers()) b.value().copy_(buffers[b.key()]);
  copy->to(torch::kBFloat16);
  return copy;
}

}  // namespace

extern "C" void bfedge_torch_tinyvit_open(const char* dir,
                                          const bfedge::models::TinyVitConfig* config,
                                          unsigned seed, int threads, TorchTinyVit** model,
                                          Status* status) {
  *model = nullptr;
  try {
    bfedge::train::keep_freed_memory_in_process();  // libtorch's forward frees and re-allocates per batch
    torch::set_num_threads(std::max(1, threads));
    auto m = std::make_unique<TorchTinyVit>();
    if (dir != nullptr) {
      auto imported = bfedge::train::import_tinyvit(dir);
      if (!imported.is_ok()) {
        *status = imported.status();
        return;
      }
      m->f32 = imported.value();
    } else {
      torch::manual_seed(seed);
      m->f32 = TinyVitClassifier(*config);
    }
    m->config = m->f32->config();
    m->f32->eval();
    *model = m.release();
    *status = Status::ok();
  } catch (const std::exception& e) {
    *status = libtorch_error(e);
  }
}

extern "C" void bfedge_torch_tinyvit_forward(TorchTinyVit* model, const float* images, int batch,
                                             int bf16, int keep_hidden_states,
                                             bfedge::models::TinyVitOutputs* out, Status* status) {
  try {
    torch::NoGradGuard no_grad;
    if (bf16 && !model->bf16) model->bf16 = bf16_copy(model->f32);
    auto& m = bf16 ? model->bf16 : model->f32;
    const auto& c = model->config;
    torch::Tensor x =
        torch::from_blob(const_cast<float*>(images),
                         {batch, c.image_height, c.image_width, c.in_chans}, torch::kFloat)
            .permute({0, 3, 1, 2})
            .contiguous();
    if (bf16) x = x.to(torch::kBFloat16);
    const auto result = m->forward(x, keep_hidden_states != 0);
    out->logits = to_vector(result.logits);
    out->hidden_names = result.hidden_names;
    out->hidden_states.clear();
    for (const auto& h : result.hidden_states) out->hidden_states.push_back(to_vector(h));
    *status = Status::ok();
  } catch (const std::exception& e) {
    *status = libtorch_error(e);
  }
}

extern "C" void bfedge_torch_tinyvit_close(TorchTinyVit* model) { delete model; }
