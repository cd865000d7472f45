// libFuzzer harness: WordPiece vocabularies (BERT vocab.txt) and the tokenizer over them. The
// input is a vocabulary, then optionally a NUL byte and a text to tokenize (a NUL can never be
// part of a valid vocabulary: it is a control character); without one, a fixed text mixing
// ASCII, accents, CJK, punctuation, a literal [CLS] and a stray continuation byte is used.
// Properties: no crash, leak or UB; errors are one line naming the input; an accepted vocabulary
// maps every token to its own line; every piece is in the vocabulary and every id inside it;
// encode keeps [CLS] first, [SEP] last, at most max_length ids, truncated exactly when the pieces
// do not fit; encode_batch pads each row with [PAD] (mask 0) to the longest row.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bfedge/io/wordpiece.hpp"
#include "fuzz_check.hpp"

namespace {

constexpr std::string_view kText = "The caf\xc3\xa9 [CLS] costs 3,50\xe2\x82\xac! \xe4\xbd\xa0\xe5\xa5\xbd unaffable\x80 ok";

void check_error(const bfedge::Status& status) {
  BFEDGE_FUZZ_CHECK(!status.is_ok());
  BFEDGE_FUZZ_CHECK(status.message().find('\n') == std::string::npos);
}

void check_text(const bfedge::io::WordPieceTokenizer& t, std::string_view text, int max_length) {
  const auto words = t.basic_tokenize(text);
  if (!words.is_ok()) {
    check_error(words.status());
    BFEDGE_FUZZ_CHECK(!t.tokenize(text).is_ok() && !t.encode(text, max_length).is_ok());
    return;
  }
  for (const std::string& w : words.value()) {
    BFEDGE_FUZZ_CHECK(!w.empty() && w.find(' ') == std::string::npos);
  }
  const auto pieces = t.tokenize(text);
  const auto ids = t.ids(text);
  BFEDGE_FUZZ_CHECK(pieces.is_ok() && ids.is_ok());
  BFEDGE_FUZZ_CHECK(pieces.value().size() == ids.value().size());
  for (std::size_t i = 0; i < ids.value().size(); ++i) {
    BFEDGE_FUZZ_CHECK(ids.value()[i] >= 0 && ids.value()[i] < t.vocab_size());
    BFEDGE_FUZZ_CHECK(t.find(pieces.value()[i]) == ids.value()[i]);
  }
  const auto e = t.encode(text, max_length);
  BFEDGE_FUZZ_CHECK(e.is_ok());
  const std::vector<int>& encoded = e.value().ids;
  const std::size_t room = static_cast<std::size_t>(max_length) - 2;
  BFEDGE_FUZZ_CHECK(encoded.size() == std::min(ids.value().size(), room) + 2);
  BFEDGE_FUZZ_CHECK(encoded.front() == t.cls_id() && encoded.back() == t.sep_id());
  BFEDGE_FUZZ_CHECK(e.value().truncated == (ids.value().size() > room));
  BFEDGE_FUZZ_CHECK(e.value().attention_mask == std::vector<int>(encoded.size(), 1));

  const std::string texts[] = {std::string(text), "", "a [SEP] b"};
  const auto batch = t.encode_batch(texts, max_length);
  BFEDGE_FUZZ_CHECK(batch.is_ok());
  const bfedge::io::WordPieceBatch& b = batch.value();
  BFEDGE_FUZZ_CHECK(b.rows == 3);
  BFEDGE_FUZZ_CHECK(b.ids.size() == static_cast<std::size_t>(b.rows) * static_cast<std::size_t>(b.length));
  BFEDGE_FUZZ_CHECK(b.length >= static_cast<int>(encoded.size()) && b.length <= max_length);
  for (int r = 0; r < b.rows; ++r) {
    const std::size_t row = static_cast<std::size_t>(r) * static_cast<std::size_t>(b.length);
    BFEDGE_FUZZ_CHECK(b.ids[row] == t.cls_id());
    for (int c = 0; c < b.length; ++c) {
      const std::size_t i = row + static_cast<std::size_t>(c);
      BFEDGE_FUZZ_CHECK(b.ids[i] >= 0 && b.ids[i] < t.vocab_size());
      if (b.attention_mask[i] == 0) BFEDGE_FUZZ_CHECK(b.ids[i] == t.pad_id());
    }
  }
  for (int c = 0; c < b.length; ++c) {  // row 0 is encode(text), padded
    const std::size_t i = static_cast<std::size_t>(c);
    BFEDGE_FUZZ_CHECK(i < encoded.size() ? b.ids[i] == encoded[i] && b.attention_mask[i] == 1
                                         : b.ids[i] == t.pad_id() && b.attention_mask[i] == 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string_view vocab = input.substr(0, nul);
  const std::string_view text = nul == std::string_view::npos ? kText : input.substr(nul + 1);
  const auto parsed = bfedge::io::WordPieceTokenizer::parse(vocab, "<fuzz>");
  if (!parsed.is_ok()) {
    check_error(parsed.status());
    BFEDGE_FUZZ_CHECK(parsed.status().message().rfind("<fuzz>: ", 0) == 0);
    return 0;
  }
  const bfedge::io::WordPieceTokenizer& t = parsed.value();
  BFEDGE_FUZZ_CHECK(t.vocab_size() >= 4);
  for (int id = 0; id < t.vocab_size(); ++id) BFEDGE_FUZZ_CHECK(t.find(t.token(id)) == id);
  for (const int id : {t.pad_id(), t.unk_id(), t.cls_id(), t.sep_id()}) {
    BFEDGE_FUZZ_CHECK(id >= 0 && id < t.vocab_size());
  }
  BFEDGE_FUZZ_CHECK(t.token(t.cls_id()) == "[CLS]" && t.token(t.sep_id()) == "[SEP]");
  BFEDGE_FUZZ_CHECK(!t.encode(text, 1).is_ok());
  check_text(t, text, 2 + static_cast<int>(size % 16));
  return 0;
}
