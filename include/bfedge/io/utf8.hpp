// UTF-8 decoding and encoding shared by the text readers (WordPiece vocabulary and tokenizer, datasets).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bfedge::io {

// Decodes one UTF-8 code point at s[i]; returns its length, or 0 when the bytes there are not
// well-formed UTF-8 (overlong forms, surrogates and values past U+10FFFF are refused).
std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t& cp);

// The byte offset of the first ill-formed sequence, or npos.
std::size_t find_invalid_utf8(std::string_view s);

// Appends code point `c` (at most U+10FFFF, not a surrogate) as UTF-8.
void append_utf8(std::string& out, char32_t c);

}  // namespace bfedge::io
