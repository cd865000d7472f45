#include "bfedge/models/llama_runner.hpp"

#include "bfedge/models/llama_checkpoint.hpp"

#include <new>

namespace bfedge::models {

const LlamaConfig& LlamaRunner::config() const {
  return std::visit([](const auto& m) -> const LlamaConfig& { return m.config(); }, model_);
}

std::span<float> LlamaRunner::forward(int token, int pos, runtime::HostCluster& cluster) {
  return std::visit([&](auto& m) { return m.forward(token, pos, cluster); }, model_);
}

namespace {

template <class T>
Result<LlamaCheckpoint<T>> load_checked(const std::string& path) {
  auto checkpoint = load_llama<T>(path);
  if (!checkpoint.is_ok()) return checkpoint;
  const LlamaConfig& c = checkpoint.value().config;
  const std::int64_t state = c.state_bytes(sizeof(T));
  if (state > kMaxLlamaStateBytes) {
    return Status(ErrorCode::capacity,
                  path + ": run-time state (KV cache for seq_len " + std::to_string(c.seq_len) +
                      ") needs " + std::to_string(state) + " bytes, over the " +
                      std::to_string(kMaxLlamaStateBytes) + "-byte limit");
  }
  return checkpoint;
}

Result<LlamaRunner> load_in(const std::string& path, Dtype dtype, kernels::Isa cap, int cores);

}  // namespace

Result<LlamaRunner> load_llama_runner(const std::string& path, Dtype dtype, kernels::Isa cap, int cores) {
  try {
    return load_in(path, dtype, cap, cores);
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::capacity, path + ": not enough memory for the model and its state");
  }
}

namespace {

Result<LlamaRunner> load_in(const std::string& path, Dtype dtype, kernels::Isa cap, int cores) {
  if (dtype == Dtype::f32) {
    auto checkpoint = load_checked<float>(path);
    if (!checkpoint.is_ok()) return checkpoint.status();
    auto& ck = checkpoint.value();
    return LlamaRunner(Llama<float>(ck.config, std::move(ck.weights)));
  }
  auto checkpoint = load_checked<bf16>(path);
  if (!checkpoint.is_ok()) return checkpoint.status();
  auto& ck = checkpoint.value();
  Result<LlamaBf16> model = LlamaBf16::create(ck.config, std::move(ck.weights), cap, cores);
  if (!model.is_ok()) return Status(model.status().code(), path + ": " + model.status().message());
  return LlamaRunner(std::move(model).value());
}

}  // namespace

}  // namespace bfedge::models
