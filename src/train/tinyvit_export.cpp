#include "bfedge/train/tinyvit_export.hpp"

#include <cstring>
#include <filesystem>
#include <map>
#include <system_error>

#include "bfedge/io/file.hpp"
#include "bfedge/io/safetensors.hpp"
#include "bfedge/models/tinyvit_config.hpp"

namespace bfedge::train {

Result<std::vector<std::byte>> tinyvit_safetensors(TinyVitClassifier& model) {
  std::map<std::string, torch::Tensor> state;
  for (const auto& item : model->named_parameters()) state.emplace(item.key(), item.value());
  for (const auto& item : model->named_buffers()) state.emplace(item.key(), item.value());
  std::vector<io::SafetensorsTensor> tensors;
  for (const models::TinyVitTensorSpec& spec : models::tinyvit_tensor_specs(model->config())) {
    const auto it = state.find(spec.name);
    if (it == state.end()) return invalid_argument("the TinyViT module has no tensor \"" + spec.name + "\"");
    const auto type = spec.is_i64 ? torch::kLong : torch::kFloat;
    const torch::Tensor values = it->second.detach().to(torch::kCPU, type).contiguous();
    io::SafetensorsTensor t;
    t.name = spec.name;
    t.dtype = spec.is_i64 ? io::TensorDtype::i64 : io::TensorDtype::f32;
    t.shape = spec.shape;
    t.data.resize(static_cast<std::size_t>(values.numel()) * io::tensor_dtype_bytes(t.dtype));
    std::memcpy(t.data.data(), values.data_ptr(), t.data.size());
    tensors.push_back(std::move(t));
  }
  return io::encode_safetensors(tensors, {{"format", "pt"}});
}

Status export_tinyvit(TinyVitClassifier& model, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return io_error(dir + ": cannot create the directory (" + ec.message() + ")");
  auto bytes = tinyvit_safetensors(model);
  if (!bytes.is_ok()) return bytes.status();
  const std::string config = models::tinyvit_config_json(model->config());
  BFEDGE_RETURN_IF_ERROR(io::write_file_atomically(dir + "/model.safetensors", bytes.value().data(), bytes.value().size()));
  return io::write_file_atomically(dir + "/config.json", config.data(), config.size());
}

Result<TinyVitClassifier> import_tinyvit(const std::string& dir) {
  auto config = models::load_tinyvit_config(dir + "/config.json");
  if (!config.is_ok()) return config.status();
  const std::string weights_path = dir + "/model.safetensors";
  auto table = io::load_safetensors(weights_path);
  if (!table.is_ok()) return table.status();
  BFEDGE_RETURN_IF_ERROR(models::check_tinyvit_tensors(config.value(), table.value(), weights_path));
  TinyVitClassifier model(config.value());
  std::map<std::string, torch::Tensor> state;
  for (const auto& item : model->named_parameters()) state.emplace(item.key(), item.value());
  for (const auto& item : model->named_buffers()) state.emplace(item.key(), item.value());
  torch::NoGradGuard no_grad;
  for (const models::TinyVitTensorSpec& spec : models::tinyvit_tensor_specs(config.value())) {
    const auto it = state.find(spec.name);
    if (it == state.end()) return invalid_argument("the TinyViT module has no tensor \"" + spec.name + "\"");
    const io::TensorEntry* entry = table.value().find(spec.name);
    if (entry == nullptr) return format_error(weights_path + ": missing tensor \"" + spec.name + "\"");
    torch::Tensor& target = it->second;
    if (spec.is_i64) {  // num_batches_tracked: a counter eval never reads
      std::int64_t count = 0;
      std::memcpy(&count, table.value().bytes(*entry).data(), sizeof count);
      target.fill_(count);
      continue;
    }
    auto values = io::read_finite_floats(table.value(), *entry, weights_path);
    if (!values.is_ok()) return values.status();
    target.copy_(torch::from_blob(values.value().data(), target.sizes(), torch::kFloat));
  }
  model->eval();
  return model;
}

}  // namespace bfedge::train
