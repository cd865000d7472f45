#include "torch_component.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <string>

#include "torch/torch_api.hpp"

namespace bfedge::cli::torch_component {
namespace {

constexpr const char* kModule = "libbfedge_torch.so";

struct Module {
  void* handle = nullptr;
  std::string error;
};

const Module& module() {
  static const Module m = [] {
    Module out;
    char exe[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    std::string dir = n > 0 ? std::string(exe, static_cast<std::size_t>(n)) : std::string();
    dir.resize(dir.rfind('/') + 1);
    const std::string path = dir + kModule;
    if (access(path.c_str(), F_OK) != 0) {
      out.error = "this bfedge was built without libtorch (" + path +
                  " is absent): install libtorch-dev (scripts/test does) and rebuild";
      return out;
    }
    // libtorch parallelises with its own threads (--threads); OpenBLAS threads inside each would
    // oversubscribe the cores (10x slower steps measured on 2 cores). Set before OpenBLAS loads.
    setenv("OPENBLAS_NUM_THREADS", "1", /*overwrite=*/0);
    out.handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (out.handle == nullptr) out.error = path + ": cannot load (" + dlerror() + ")";
    return out;
  }();
  return m;
}

// The module's function `name`, or nullptr with `status` saying why.
template <class Fn>
Fn symbol(const char* name, Status& status) {
  const Module& m = module();
  if (m.handle == nullptr) {
    status = Status(ErrorCode::unsupported, m.error);
    return nullptr;
  }
  void* address = dlsym(m.handle, name);
  if (address == nullptr) status = Status(ErrorCode::unsupported, std::string(kModule) + ": has no " + name);
  return reinterpret_cast<Fn>(address);
}

}  // namespace

Status train_mobilebert(const train::MobileBertTrainOptions& options) {
  Status status;
  const auto fn = symbol<decltype(&bfedge_torch_train_mobilebert)>("bfedge_torch_train_mobilebert", status);
  if (fn != nullptr) fn(&options, &status);
  return status;
}

Status train_tinyvit(const train::TinyVitTrainOptions& options) {
  Status status;
  const auto fn = symbol<decltype(&bfedge_torch_train_tinyvit)>("bfedge_torch_train_tinyvit", status);
  if (fn != nullptr) fn(&options, &status);
  return status;
}

Result<TorchMobileBert> TorchMobileBert::load(const std::string& dir, int threads) {
  Status status;
  const auto open = symbol<decltype(&bfedge_torch_mobilebert_open)>("bfedge_torch_mobilebert_open", status);
  if (open == nullptr) return status;
  train::TorchMobileBert* model = nullptr;
  open(dir.c_str(), nullptr, 0, threads, &model, &status);
  if (model == nullptr) return status;
  return TorchMobileBert(model);
}

Result<TorchMobileBert> TorchMobileBert::random(const models::MobileBertConfig& config, unsigned seed, int threads) {
  Status status;
  const auto open = symbol<decltype(&bfedge_torch_mobilebert_open)>("bfedge_torch_mobilebert_open", status);
  if (open == nullptr) return status;
  train::TorchMobileBert* model = nullptr;
  open(nullptr, &config, seed, threads, &model, &status);
  if (model == nullptr) return status;
  return TorchMobileBert(model);
}

TorchMobileBert::~TorchMobileBert() {
  if (model_ == nullptr) return;
  Status status;
  const auto close = symbol<decltype(&bfedge_torch_mobilebert_close)>("bfedge_torch_mobilebert_close", status);
  if (close != nullptr) close(model_);
}

Status TorchMobileBert::forward(const models::MobileBertInputs& inputs, bool bf16, bool keep_hidden_states,
                                models::MobileBertOutputs& outputs) {
  Status status;
  const auto fn = symbol<decltype(&bfedge_torch_mobilebert_forward)>("bfedge_torch_mobilebert_forward", status);
  if (fn != nullptr) fn(model_, &inputs, bf16 ? 1 : 0, keep_hidden_states ? 1 : 0, &outputs, &status);
  return status;
}

namespace {

Result<train::TorchTinyVit*> open_tinyvit(const char* dir, const models::TinyVitConfig* config, unsigned seed,
                                          int threads) {
  Status status;
  const auto open = symbol<decltype(&bfedge_torch_tinyvit_open)>("bfedge_torch_tinyvit_open", status);
  if (open == nullptr) return status;
  train::TorchTinyVit* model = nullptr;
  open(dir, config, seed, threads, &model, &status);
  if (model == nullptr) return status;
  return model;
}

}  // namespace

Result<TorchTinyVit> TorchTinyVit::load(const std::string& dir, int threads) {
  auto model = open_tinyvit(dir.c_str(), nullptr, 0, threads);
  if (!model.is_ok()) return model.status();
  return TorchTinyVit(model.value());
}

Result<TorchTinyVit> TorchTinyVit::random(const models::TinyVitConfig& config, unsigned seed, int threads) {
  auto model = open_tinyvit(nullptr, &config, seed, threads);
  if (!model.is_ok()) return model.status();
  return TorchTinyVit(model.value());
}

TorchTinyVit::~TorchTinyVit() {
  if (model_ == nullptr) return;
  Status status;
  const auto close = symbol<decltype(&bfedge_torch_tinyvit_close)>("bfedge_torch_tinyvit_close", status);
  if (close != nullptr) close(model_);
}

Status TorchTinyVit::forward(const float* images, int batch, bool bf16, bool keep_hidden_states,
                             models::TinyVitOutputs& outputs) {
  Status status;
  const auto fn = symbol<decltype(&bfedge_torch_tinyvit_forward)>("bfedge_torch_tinyvit_forward", status);
  if (fn != nullptr) fn(model_, images, batch, bf16 ? 1 : 0, keep_hidden_states ? 1 : 0, &outputs, &status);
  return status;
}

}  // namespace bfedge::cli::torch_component
