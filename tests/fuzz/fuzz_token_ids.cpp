// libFuzzer harness: token-id files (whitespace-separated decimal integers).
// Properties: no crash or UB; at most one id per two bytes (+1); errors name the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bfedge/io/token_ids.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto ids = bfedge::io::parse_token_ids(text, "<fuzz>");
  if (ids.is_ok()) {
    BFEDGE_FUZZ_CHECK(!ids.value().empty() && ids.value().size() <= size / 2 + 1);
  } else {
    BFEDGE_FUZZ_CHECK(ids.status().message().rfind("<fuzz>: ", 0) == 0);
  }
  return 0;
}
