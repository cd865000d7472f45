#include "bfedge/models/llama_checkpoint.hpp"

#include <new>
#include <utility>
#include <vector>

#include "bfedge/core/bf16.hpp"

namespace bfedge::models {
namespace {

// The tensors of LlamaWeights in declaration order (zip_llama_tensors), named as in
// io::llama2c_layout.
constexpr const char* kTensorNames[] = {
    "token_embedding", "rms_att", "wq", "wk", "wv",        "wo",
    "rms_ffn",         "w1",      "w2", "w3", "rms_final", "classifier"};

// Calls f(name, tensor) for every tensor of `w`.
template <class Weights, class F>
void for_each_named_tensor(Weights& w, F f) {
  std::size_t i = 0;
  zip_llama_tensors(w, w, [&](auto& tensor, auto&) { f(kTensorNames[i++], tensor); });
}

// The header's dimensions and the config's, field by field.
using io::Llama2cHeader;
constexpr std::pair<std::int32_t Llama2cHeader::*, int LlamaConfig::*> kDimensions[] = {
    {&Llama2cHeader::dim, &LlamaConfig::dim},
    {&Llama2cHeader::hidden_dim, &LlamaConfig::hidden_dim},
    {&Llama2cHeader::n_layers, &LlamaConfig::n_layers},
    {&Llama2cHeader::n_heads, &LlamaConfig::n_heads},
    {&Llama2cHeader::n_kv_heads, &LlamaConfig::n_kv_heads},
    {&Llama2cHeader::vocab_size, &LlamaConfig::vocab_size},
    {&Llama2cHeader::seq_len, &LlamaConfig::seq_len}};

template <class T>
Status fill_weights(const io::TensorTable& table, const std::string& name,
                    LlamaWeights<T>& weights) {
  Status status = Status::ok();
  for_each_named_tensor(weights, [&](const char* tensor, std::vector<T>& values) {
    if (!status.is_ok() || values.empty()) return;  // empty: the classifier when shared
    const io::TensorEntry* entry = table.find(tensor);
    if (entry == nullptr || entry->dtype != io::TensorDtype::f32 ||
        entry->bytes != values.size() * sizeof(float)) {
      status = format_error(name + ": tensor " + tensor + " is missing or not " +
                            std::to_string(values.size()) + " f32 values");
      return;
    }
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = from_f32<T>(table.element_f32(*entry, i));
  });
  return status;
}

}  // namespace

LlamaConfig llama_config_from(const io::Llama2cHeader& h) {
  LlamaConfig c;
  for (const auto& [header_field, config_field] : kDimensions) c.*config_field = h.*header_field;
  c.shared_classifier = h.shared_classifier;
  return c;
}

Status check_llama2c_header(const io::Llama2cHeader& header, const std::string& name) {
  return validate_llama_config(llama_config_from(header), name);
}

template <class T>
Result<LlamaCheckpoint<T>> llama_from_llama2c(const io::Llama2cFile& file,
                                              const std::string& name) {
  LlamaCheckpoint<T> checkpoint;
  checkpoint.config = llama_config_from(file.header);
  checkpoint.format = file.header.format;
  BFEDGE_RETURN_IF_ERROR(validate_llama_config(checkpoint.config, name));
  try {
    resize_llama_weights(checkpoint.config, checkpoint.weights);
    BFEDGE_RETURN_IF_ERROR(fill_weights(file.tensors, name, checkpoint.weights));
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::capacity, name + ": not enough memory for the weights");
  }
  return checkpoint;
}

template <class T>
Result<LlamaCheckpoint<T>> parse_llama(std::span<const std::byte> bytes, const std::string& name) {
  Result<io::Llama2cFile> file = io::parse_llama2c(bytes, name, check_llama2c_header);
  if (!file.is_ok()) return file.status();
  return llama_from_llama2c<T>(file.value(), name);
}

template <class T>
Result<LlamaCheckpoint<T>> load_llama(const std::string& path) {
  Result<io::Llama2cFile> file = io::load_llama2c(path, check_llama2c_header);
  if (!file.is_ok()) return file.status();
  return llama_from_llama2c<T>(file.value(), path);
}

Status write_llama2c(const std::string& path, const LlamaConfig& config,
                     const LlamaWeights<float>& weights, io::Llama2cFormat format) {
  BFEDGE_RETURN_IF_ERROR(validate_llama_config(config, path));
  io::Llama2cHeader header;
  header.format = format;
  for (const auto& [header_field, config_field] : kDimensions)
    header.*header_field = config.*config_field;
  header.shared_classifier = config.shared_classifier;
  std::vector<io::Llama2cTensorValues> tensors;
  for_each_named_tensor(weights, [&tensors](const char* name, const std::vector<float>& values) {
    tensors.push_back({name, values});
  });
  return io::write_llama2c(path, header, tensors);
}

template Result<LlamaCheckpoint<float>> llama_from_llama2c(const io::Llama2cFile&,
                                                           const std::string&);
template Result<LlamaCheckpoint<bf16>> llama_from_llama2c(const io::Llama2cFile&,
                                                          const std::string&);
template Result<LlamaCheckpoint<float>> parse_llama(std::span<const std::byte>, const std::string&);
template Result<LlamaCheckpoint<bf16>> parse_llama(std::span<const std::byte>, const std::string&);
template Result<LlamaCheckpoint<float>> load_llama(const std::string&);
template Result<LlamaCheckpoint<bf16>> load_llama(const std::string&);

}  // namespace bfedge::models
