// libFuzzer harness: llama2.c checkpoints, both formats (legacy, ak42 v1): io's model-neutral
// parse, then the LLaMA built from it as f32 and bf16.
// Properties: no crash, leak or UB; an accepted file's table lays its tensors end to end over
// exactly the bytes after the header; both element types agree on accepting; an accepted model's
// header says exactly the input's size and every tensor has its config's size; errors are one
// line naming the input.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "bfedge/core/bf16.hpp"
#include "bfedge/io/llama2c.hpp"
#include "bfedge/models/llama_checkpoint.hpp"
#include "fuzz_check.hpp"

namespace {

void check_error(const bfedge::Status& status) {
  BFEDGE_FUZZ_CHECK(status.message().rfind("<fuzz>: ", 0) == 0);
  BFEDGE_FUZZ_CHECK(status.message().find('\n') == std::string::npos);
}

void check_table(const bfedge::io::Llama2cFile& file, std::size_t size) {
  std::uint64_t at = 0;
  for (const bfedge::io::TensorEntry& e : file.tensors.entries()) {
    BFEDGE_FUZZ_CHECK(e.offset == at && e.bytes == static_cast<std::uint64_t>(e.elements()) * 4);
    at += e.bytes;
  }
  BFEDGE_FUZZ_CHECK(file.header.header_bytes + at == size && at == file.tensors.data_bytes());
}

template <class T>
void check_accepted(const bfedge::models::LlamaCheckpoint<T>& checkpoint) {
  const bfedge::models::LlamaConfig& c = checkpoint.config;
  bfedge::models::LlamaWeights<T> expected;
  bfedge::models::resize_llama_weights(c, expected);
  bfedge::models::zip_llama_tensors(
      checkpoint.weights, expected,
      [](const auto& got, const auto& want) { BFEDGE_FUZZ_CHECK(got.size() == want.size()); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto bytes = std::as_bytes(std::span(data, size));
  const auto file = bfedge::io::parse_llama2c(bytes, "<fuzz>");
  if (file.is_ok()) {
    check_table(file.value(), size);
  } else {
    check_error(file.status());
  }
  const auto header =
      bfedge::io::parse_llama2c_header(bytes, "<fuzz>", bfedge::models::check_llama2c_header);
  const auto as_f32 = bfedge::models::parse_llama<float>(bytes, "<fuzz>");
  const auto as_bf16 = bfedge::models::parse_llama<bfedge::bf16>(bytes, "<fuzz>");
  BFEDGE_FUZZ_CHECK(as_f32.is_ok() == as_bf16.is_ok());
  if (as_f32.is_ok()) {
    BFEDGE_FUZZ_CHECK(file.is_ok() && header.is_ok() && header.value().file_bytes == size);
    check_accepted(as_f32.value());
    check_accepted(as_bf16.value());
  } else {
    check_error(as_f32.status());
  }
  return 0;
}
