// LLaMA models from llama2.c checkpoints: io reads the file into a header of integers and a table
// of named f32 tensors (io/llama2c.hpp, where the format is laid out); this builds LlamaConfig
// and LlamaWeights<T> from them, with the model's own checks on the header (validate_llama_config).
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "bfedge/core/status.hpp"
#include "bfedge/io/llama2c.hpp"
#include "bfedge/models/llama_config.hpp"

namespace bfedge::models {

template <class T>
struct LlamaCheckpoint {
  LlamaConfig config;
  LlamaWeights<T> weights;
  io::Llama2cFormat format = io::Llama2cFormat::legacy;
};

LlamaConfig llama_config_from(const io::Llama2cHeader& header);

// validate_llama_config on the header's values: the io::Llama2cHeaderCheck the loaders below pass,
// so a header a LLaMA cannot use is refused before the file's size is compared or a weight read.
Status check_llama2c_header(const io::Llama2cHeader& header, const std::string& name);

// Builds the model from a parsed checkpoint; weights are converted to T (float or bf16).
template <class T>
Result<LlamaCheckpoint<T>> llama_from_llama2c(const io::Llama2cFile& file, const std::string& name);

// io::parse_llama2c (with check_llama2c_header) and llama_from_llama2c: a checkpoint in memory.
template <class T>
Result<LlamaCheckpoint<T>> parse_llama(std::span<const std::byte> bytes, const std::string& name);

// io::load_llama2c (with check_llama2c_header) and llama_from_llama2c: a checkpoint file.
template <class T>
Result<LlamaCheckpoint<T>> load_llama(const std::string& path);

// Writes f32 weights in either format (atomically: nothing half-written on failure).
Status write_llama2c(const std::string& path, const LlamaConfig& config,
                     const LlamaWeights<float>& weights, io::Llama2cFormat format);

}  // namespace bfedge::models
