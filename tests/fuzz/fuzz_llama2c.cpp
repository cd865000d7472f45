// libFuzzer harness: llama2.c checkpoints, both formats (legacy, ak42 v1), read as f32 and bf16.
// Properties: no crash, leak or UB; both element types agree on accepting the input; an accepted
// checkpoint's header says exactly the input's size and every tensor has its config's size.
#include <cstddef>
#include <cstdint>
#include <span>

#include "bfedge/core/bf16.hpp"
#include "bfedge/io/llama2c.hpp"
#include "fuzz_check.hpp"

namespace {

template <class T>
void check_accepted(const bfedge::io::LlamaCheckpoint<T>& checkpoint) {
  const bfedge::models::LlamaConfig& c = checkpoint.config;
  bfedge::models::LlamaWeights<T> expected;
  bfedge::models::resize_llama_weights(c, expected);
  bfedge::models::zip_llama_tensors(checkpoint.weights, expected, [](const auto& got, const auto& want) {
    BFEDGE_FUZZ_CHECK(got.size() == want.size());
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto bytes = std::as_bytes(std::span(data, size));
  const auto header = bfedge::io::parse_llama2c_header(bytes, "<fuzz>");
  const auto as_f32 = bfedge::io::parse_llama2c<float>(bytes, "<fuzz>");
  const auto as_bf16 = bfedge::io::parse_llama2c<bfedge::bf16>(bytes, "<fuzz>");
  BFEDGE_FUZZ_CHECK(as_f32.is_ok() == as_bf16.is_ok());
  if (as_f32.is_ok()) {
    BFEDGE_FUZZ_CHECK(header.is_ok() && header.value().file_bytes == size);
    check_accepted(as_f32.value());
    check_accepted(as_bf16.value());
  } else {
    BFEDGE_FUZZ_CHECK(as_f32.status().message().rfind("<fuzz>: ", 0) == 0);
    BFEDGE_FUZZ_CHECK(as_f32.status().message().find('\n') == std::string::npos);
  }
  return 0;
}
