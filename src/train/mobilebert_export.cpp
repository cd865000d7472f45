#include "bfedge/train/mobilebert_export.hpp"

#include <cstring>
#include <filesystem>
#include <map>
#include <system_error>

#include "bfedge/io/file.hpp"
#include "bfedge/io/safetensors.hpp"

namespace bfedge::train {
namespace {

using models::MobileBertHead;

std::map<std::string, torch::Tensor> parameters_by_name(MobileBertClassifier& model) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& item : model->named_parameters()) out.emplace(item.key(), item.value());
  return out;
}

}  // namespace

Status export_mobilebert(MobileBertClassifier& model, const std::string& dir, const std::string& vocab_path) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return io_error(dir + ": cannot create the directory (" + ec.message() + ")");
  auto vocab = io::read_file(vocab_path, std::uint64_t{64} << 20);
  if (!vocab.is_ok()) return vocab.status();

  const auto params = parameters_by_name(model);
  std::vector<io::SafetensorsTensor> tensors;
  for (const auto& spec : models::mobilebert_tensor_specs(model->config(), MobileBertHead::sequence_classification)) {
    const auto it = params.find(spec.name);
    if (it == params.end()) return invalid_argument(dir + ": the module has no parameter \"" + spec.name + "\"");
    const torch::Tensor values = it->second.detach().to(torch::kCPU, torch::kFloat).contiguous();
    io::SafetensorsTensor t;
    t.name = spec.name;
    t.shape = spec.shape;
    t.data.resize(static_cast<std::size_t>(values.numel()) * sizeof(float));
    std::memcpy(t.data.data(), values.data_ptr<float>(), t.data.size());
    tensors.push_back(std::move(t));
  }
  auto bytes = io::encode_safetensors(tensors, {{"format", "pt"}});
  if (!bytes.is_ok()) return bytes.status();
  const std::string config = models::mobilebert_config_json(model->config());
  BFEDGE_RETURN_IF_ERROR(io::write_file_atomically(dir + "/model.safetensors", bytes.value().data(), bytes.value().size()));
  BFEDGE_RETURN_IF_ERROR(io::write_file_atomically(dir + "/config.json", config.data(), config.size()));
  return io::write_file_atomically(dir + "/vocab.txt", vocab.value().data(), vocab.value().size());
}

Result<MobileBertClassifier> import_mobilebert(const std::string& dir) {
  auto config = models::load_mobilebert_config(dir + "/config.json");
  if (!config.is_ok()) return config.status();
  const std::string weights_path = dir + "/model.safetensors";
  auto table = io::load_safetensors(weights_path);
  if (!table.is_ok()) return table.status();
  BFEDGE_RETURN_IF_ERROR(models::check_mobilebert_tensors(config.value(), MobileBertHead::sequence_classification,
                                                          table.value(), weights_path));
  MobileBertClassifier model(config.value());
  torch::NoGradGuard no_grad;
  for (auto& [name, param] : parameters_by_name(model)) {
    const io::TensorEntry* entry = table.value().find(name);
    if (entry == nullptr) return format_error(weights_path + ": missing tensor \"" + name + "\"");
    std::vector<float> values(static_cast<std::size_t>(param.numel()));
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = table.value().element_f32(*entry, i);
    param.copy_(torch::from_blob(values.data(), param.sizes(), torch::kFloat));
  }
  return model;
}

}  // namespace bfedge::train
