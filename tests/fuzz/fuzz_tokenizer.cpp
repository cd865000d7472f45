// libFuzzer harness: llama2.c tokenizer files. When one parses, a fixed short text (ASCII, a
// 2-byte code point, a stray continuation byte) is encoded with and without BOS/EOS and every id
// decoded. Properties: no crash, leak or UB; ids stay inside the vocabulary; the longest piece
// respects max_token_length; errors are one line naming the input.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "bfedge/io/tokenizer.hpp"
#include "fuzz_check.hpp"

namespace {

constexpr std::string_view kText = "Once upon a time, a caf\xc3\xa9 \x80<0x41>!";

void check_error(const bfedge::Status& status) {
  BFEDGE_FUZZ_CHECK(status.message().find('\n') == std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parsed = bfedge::io::Tokenizer::parse(std::as_bytes(std::span(data, size)), "<fuzz>");
  if (!parsed.is_ok()) {
    check_error(parsed.status());
    BFEDGE_FUZZ_CHECK(parsed.status().message().rfind("<fuzz>: ", 0) == 0);
    return 0;
  }
  const bfedge::io::Tokenizer& t = parsed.value();
  BFEDGE_FUZZ_CHECK(t.vocab_size() > 0);
  BFEDGE_FUZZ_CHECK(t.longest_piece_bytes() <= t.max_token_length());
  for (const bool special : {true, false}) {
    const auto ids = t.encode(kText, special, special);
    if (!ids.is_ok()) {
      check_error(ids.status());
      continue;
    }
    int prev = bfedge::io::kBosToken;
    for (const int id : ids.value()) {
      BFEDGE_FUZZ_CHECK(id >= 0 && id < t.vocab_size());
      (void)bfedge::io::is_printable_piece(t.decode(prev, id));
      prev = id;
    }
  }
  BFEDGE_FUZZ_CHECK(t.decode(0, t.vocab_size()).empty());
  BFEDGE_FUZZ_CHECK(t.decode(0, -1).empty());
  return 0;
}
