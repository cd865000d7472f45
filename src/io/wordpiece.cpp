#include "bfedge/io/wordpiece.hpp"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <cstdio>
#include <new>

#include "bfedge/io/file.hpp"
#include "bfedge/io/utf8.hpp"

namespace bfedge::io {
namespace {

std::u32string to_utf32(std::string_view s) {  // s is valid UTF-8
  std::u32string out;
  out.reserve(s.size());
  char32_t cp = 0;
  for (std::size_t i = 0; i < s.size();) {
    i += decode_utf8(s, i, cp);
    out.push_back(cp);
  }
  return out;
}

std::u16string to_utf16(const std::u32string& s) {
  std::u16string out;
  out.reserve(s.size());
  for (char32_t c : s) {
    if (c < 0x10000) {
      out.push_back(static_cast<char16_t>(c));
    } else {
      out.push_back(static_cast<char16_t>(0xD800 + ((c - 0x10000) >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + ((c - 0x10000) & 0x3FF)));
    }
  }
  return out;
}

std::u32string from_utf16(std::u16string_view s) {  // well-formed: ICU's output
  std::u32string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char32_t c = s[i];
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.size()) {
      c = 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00);
      ++i;
    }
    out.push_back(c);
  }
  return out;
}

std::uint32_t category_mask(char32_t c) { return U_GET_GC_MASK(static_cast<UChar32>(c)); }

// HF _is_control: categories C* (Cc, Cf, Cn, Co, Cs) except \t \n \r, which are whitespace.
bool is_control(char32_t c) {
  if (c == U'\t' || c == U'\n' || c == U'\r') return false;
  return (category_mask(c) & U_GC_C_MASK) != 0;
}

// HF _is_whitespace: space, \t, \n, \r and category Zs.
bool is_whitespace(char32_t c) {
  if (c == U' ' || c == U'\t' || c == U'\n' || c == U'\r') return true;
  return (category_mask(c) & U_GC_ZS_MASK) != 0;
}

// Python's str.split() separators (str.isspace); after cleaning only ' ', U+2028 and U+2029 remain.
bool is_python_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

// HF _is_punctuation: the ASCII non-alphanumeric ranges, and category P*.
bool is_punctuation(char32_t c) {
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
      (c >= 123 && c <= 126)) {
    return true;
  }
  return (category_mask(c) & U_GC_P_MASK) != 0;
}

// HF _is_chinese_char: the CJK Unified Ideographs blocks and extensions A-E, and the
// compatibility ideographs (not Hangul, Hiragana or Katakana).
bool is_cjk(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

// Lower-cases each code point on its own with the full (one-to-many) Unicode mapping, as the
// slow tokenizer's do_lower_case pass does (a regex lowering one character at a time: no
// Final_Sigma context).
std::u32string lower_each(const std::u32string& s) {
  std::u32string out;
  out.reserve(s.size());
  char16_t src[2];
  char16_t dst[8];
  for (char32_t c : s) {
    if (c < 0x80) {
      out.push_back(c >= U'A' && c <= U'Z' ? c + 32 : c);
      continue;
    }
    const std::u16string one = to_utf16(std::u32string(1, c));
    std::copy(one.begin(), one.end(), src);
    UErrorCode err = U_ZERO_ERROR;
    const int32_t n =
        u_strToLower(reinterpret_cast<UChar*>(dst), 8, reinterpret_cast<const UChar*>(src),
                     static_cast<int32_t>(one.size()), "", &err);
    if (U_FAILURE(err) || n <= 0 || n > 8) {
      out.push_back(c);
      continue;
    }
    out += from_utf16(std::u16string_view(dst, static_cast<std::size_t>(n)));
  }
  return out;
}

// NFC or NFD (ICU). Falls back to the input if ICU's data is unavailable.
std::u32string normalize(const UNormalizer2* norm, const std::u32string& s) {
  if (norm == nullptr) return s;
  const std::u16string src = to_utf16(s);
  std::u16string dst(src.size() * 4 + 8, u'\0');
  UErrorCode err = U_ZERO_ERROR;
  int32_t n = unorm2_normalize(
      norm, reinterpret_cast<const UChar*>(src.data()), static_cast<int32_t>(src.size()),
      reinterpret_cast<UChar*>(dst.data()), static_cast<int32_t>(dst.size()), &err);
  if (err == U_BUFFER_OVERFLOW_ERROR) {
    dst.assign(static_cast<std::size_t>(n), u'\0');
    err = U_ZERO_ERROR;
    n = unorm2_normalize(norm, reinterpret_cast<const UChar*>(src.data()),
                         static_cast<int32_t>(src.size()), reinterpret_cast<UChar*>(dst.data()),
                         static_cast<int32_t>(dst.size()), &err);
  }
  if (U_FAILURE(err)) return s;
  return from_utf16(std::u16string_view(dst.data(), static_cast<std::size_t>(n)));
}

const UNormalizer2* nfc() {
  UErrorCode err = U_ZERO_ERROR;
  const UNormalizer2* n = unorm2_getNFCInstance(&err);
  return U_SUCCESS(err) ? n : nullptr;
}

const UNormalizer2* nfd() {
  UErrorCode err = U_ZERO_ERROR;
  const UNormalizer2* n = unorm2_getNFDInstance(&err);
  return U_SUCCESS(err) ? n : nullptr;
}

constexpr const char* kSpecialNames[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};

}  // namespace

Result<WordPieceTokenizer> WordPieceTokenizer::load(const std::string& path) {
  Result<std::vector<std::byte>> bytes = read_file(path, kMaxVocabFileBytes);
  if (!bytes.is_ok()) return bytes.status();
  const auto& data = bytes.value();
  return parse(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()), path);
}

Result<WordPieceTokenizer> WordPieceTokenizer::parse(std::string_view text,
                                                     const std::string& name) {
  if (text.size() > kMaxVocabFileBytes) {
    return format_error(name + ": " + std::to_string(text.size()) + " bytes, more than the " +
                        std::to_string(kMaxVocabFileBytes) + " a vocabulary may have");
  }
  if (text.empty()) return format_error(name + ": empty file, expected one token per line");
  if (text.starts_with("\xEF\xBB\xBF")) {
    return format_error(name + ": starts with a UTF-8 byte-order mark (not part of vocab.txt)");
  }
  try {
    WordPieceTokenizer t;
    std::size_t pos = 0;
    while (pos < text.size()) {
      const std::size_t line_no = t.tokens_.size() + 1;
      const std::string where = name + ": line " + std::to_string(line_no);
      if (t.tokens_.size() >= static_cast<std::size_t>(kMaxVocabTokens)) {
        return format_error(name + ": more than " + std::to_string(kMaxVocabTokens) + " tokens");
      }
      std::size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      std::string_view token = text.substr(pos, end - pos);
      pos = end + 1;
      if (token.ends_with('\r')) token.remove_suffix(1);
      if (token.empty()) return format_error(where + ": empty token");
      const std::size_t bad = find_invalid_utf8(token);
      if (bad != std::string_view::npos) {
        return format_error(where + ": invalid UTF-8 at byte " + std::to_string(bad) +
                            " of the token");
      }
      for (char32_t c : to_utf32(token)) {
        if (is_whitespace(c) || is_python_space(c) || (c < 0x20) || c == 0x7F) {
          return format_error(where + ": the token holds whitespace or a control character (U+" +
                              [c] {
                                char buf[16];
                                std::snprintf(buf, sizeof buf, "%04X", static_cast<unsigned>(c));
                                return std::string(buf);
                              }() +
                              "); one token per line, nothing else");
        }
      }
      const int id = static_cast<int>(t.tokens_.size());
      const auto [it, inserted] = t.index_.emplace(std::string(token), id);
      if (!inserted) {
        return format_error(where + ": duplicate token \"" + std::string(token) +
                            "\" (first on line " + std::to_string(it->second + 1) + ")");
      }
      t.tokens_.emplace_back(token);
    }
    int* const ids[] = {&t.pad_id_, &t.unk_id_, &t.cls_id_, &t.sep_id_, &t.mask_id_};
    for (std::size_t k = 0; k < std::size(kSpecialNames); ++k) {
      *ids[k] = t.find(kSpecialNames[k]);
      if (*ids[k] >= 0) {
        t.specials_.emplace_back(kSpecialNames[k]);
      } else if (k < 4) {
        return format_error(name + ": no " + kSpecialNames[k] +
                            " token (a BERT vocabulary needs [PAD], [UNK], [CLS] and [SEP])");
      }
    }
    return t;
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::capacity, name + ": not enough memory for the vocabulary");
  }
}

int WordPieceTokenizer::find(std::string_view token) const {
  const auto it = index_.find(token);
  return it == index_.end() ? -1 : it->second;
}

Status WordPieceTokenizer::basic_tokenize_into(std::string_view text, std::size_t offset,
                                               std::vector<std::string>& words) const {
  const std::size_t bad = find_invalid_utf8(text);
  if (bad != std::string_view::npos) {
    return invalid_argument("text: invalid UTF-8 at byte " + std::to_string(offset + bad));
  }
  // do_lower_case on the raw text, one character at a time.
  const std::u32string lowered = lower_each(to_utf32(text));
  // _clean_text and _tokenize_chinese_chars.
  std::u32string cleaned;
  cleaned.reserve(lowered.size());
  for (char32_t c : lowered) {
    if (c == 0 || c == 0xFFFD || is_control(c)) continue;
    if (is_whitespace(c)) {
      cleaned.push_back(U' ');
    } else if (is_cjk(c)) {
      cleaned.push_back(U' ');
      cleaned.push_back(c);
      cleaned.push_back(U' ');
    } else {
      cleaned.push_back(c);
    }
  }
  const std::u32string composed = normalize(nfc(), cleaned);
  // Whitespace split; each word lower-cased (already), decomposed, stripped of Mn marks and split
  // at punctuation.
  std::size_t i = 0;
  while (i < composed.size()) {
    while (i < composed.size() && is_python_space(composed[i])) ++i;
    std::size_t j = i;
    while (j < composed.size() && !is_python_space(composed[j])) ++j;
    if (j == i) break;
    const std::u32string word = normalize(nfd(), composed.substr(i, j - i));
    std::string current;
    for (char32_t c : word) {
      if ((category_mask(c) & U_GC_MN_MASK) != 0) continue;
      if (is_punctuation(c)) {
        if (!current.empty()) words.push_back(std::move(current));
        current.clear();
        std::string p;
        append_utf8(p, c);
        words.push_back(std::move(p));
      } else {
        append_utf8(current, c);
      }
    }
    if (!current.empty()) words.push_back(std::move(current));
    i = j;
  }
  return Status::ok();
}

Result<std::vector<std::string>> WordPieceTokenizer::basic_tokenize(std::string_view text) const {
  std::vector<std::string> words;
  BFEDGE_RETURN_IF_ERROR(basic_tokenize_into(text, 0, words));
  return words;
}

void WordPieceTokenizer::wordpiece(const std::string& word, std::vector<std::string>& out) const {
  // Code point boundaries: bounds[k] is the byte offset of code point k.
  std::vector<std::size_t> bounds;
  char32_t cp = 0;
  for (std::size_t i = 0; i < word.size();) {
    bounds.push_back(i);
    i += decode_utf8(word, i, cp);
  }
  const std::size_t chars = bounds.size();
  bounds.push_back(word.size());
  if (chars > static_cast<std::size_t>(kMaxWordPieceWordChars)) {
    out.push_back(token(unk_id_));
    return;
  }
  const std::size_t first = out.size();
  std::string candidate;
  for (std::size_t start = 0; start < chars;) {
    std::size_t end = chars;
    for (; end > start; --end) {
      candidate.assign(start > 0 ? "##" : "");
      candidate.append(word, bounds[start], bounds[end] - bounds[start]);
      if (index_.find(std::string_view(candidate)) != index_.end()) break;
    }
    if (end == start) {  // no piece covers this position: the whole word is unknown
      out.resize(first);
      out.push_back(token(unk_id_));
      return;
    }
    out.push_back(candidate);
    start = end;
  }
}

Result<std::vector<std::string>> WordPieceTokenizer::tokenize(std::string_view text) const {
  try {
    std::vector<std::string> pieces;
    std::vector<std::string> words;
    // Split at literal special tokens (leftmost, then longest), as the added-token trie does.
    std::size_t chunk = 0;
    std::size_t i = 0;
    const auto flush = [&](std::size_t end) -> Status {
      words.clear();
      BFEDGE_RETURN_IF_ERROR(basic_tokenize_into(text.substr(chunk, end - chunk), chunk, words));
      for (const std::string& w : words) wordpiece(w, pieces);
      return Status::ok();
    };
    while (i < text.size()) {
      const std::string* match = nullptr;
      if (text[i] == '[') {
        for (const std::string& s : specials_) {
          if (text.substr(i).starts_with(s) && (match == nullptr || s.size() > match->size())) {
            match = &s;
          }
        }
      }
      if (match == nullptr) {
        ++i;
        continue;
      }
      BFEDGE_RETURN_IF_ERROR(flush(i));
      pieces.push_back(*match);
      i += match->size();
      chunk = i;
    }
    BFEDGE_RETURN_IF_ERROR(flush(text.size()));
    return pieces;
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::capacity, "text: not enough memory to tokenize it");
  }
}

Result<std::vector<int>> WordPieceTokenizer::ids(std::string_view text) const {
  Result<std::vector<std::string>> pieces = tokenize(text);
  if (!pieces.is_ok()) return pieces.status();
  std::vector<int> out;
  out.reserve(pieces.value().size());
  for (const std::string& p : pieces.value()) out.push_back(find(p));  // every piece is in vocab
  return out;
}

Result<WordPieceEncoding> WordPieceTokenizer::encode(std::string_view text, int max_length) const {
  if (max_length < 2) {
    return invalid_argument("max_length is " + std::to_string(max_length) +
                            ", expected at least 2 ([CLS] and [SEP])");
  }
  Result<std::vector<int>> body = ids(text);
  if (!body.is_ok()) return body.status();
  WordPieceEncoding e;
  const std::size_t room = static_cast<std::size_t>(max_length) - 2;
  std::vector<int>& b = body.value();
  if (b.size() > room) {
    b.resize(room);
    e.truncated = true;
  }
  e.ids.reserve(b.size() + 2);
  e.ids.push_back(cls_id_);
  e.ids.insert(e.ids.end(), b.begin(), b.end());
  e.ids.push_back(sep_id_);
  e.attention_mask.assign(e.ids.size(), 1);
  return e;
}

Result<WordPieceBatch> WordPieceTokenizer::encode_batch(std::span<const std::string> texts,
                                                        int max_length,
                                                        WordPiecePadding padding) const {
  std::vector<WordPieceEncoding> rows;
  rows.reserve(texts.size());
  for (std::size_t r = 0; r < texts.size(); ++r) {
    Result<WordPieceEncoding> e = encode(texts[r], max_length);
    if (!e.is_ok()) {
      return Status(e.status().code(),
                    "batch row " + std::to_string(r) + ": " + e.status().message());
    }
    rows.push_back(std::move(e).value());
  }
  WordPieceBatch batch;
  batch.rows = static_cast<int>(rows.size());
  if (padding == WordPiecePadding::max_length) {
    batch.length = max_length;
  } else {
    for (const auto& e : rows)
      batch.length = std::max(batch.length, static_cast<int>(e.ids.size()));
  }
  const std::size_t len = static_cast<std::size_t>(batch.length);
  batch.ids.assign(rows.size() * len, pad_id_);
  batch.attention_mask.assign(rows.size() * len, 0);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::copy(rows[r].ids.begin(), rows[r].ids.end(), batch.ids.begin() + r * len);
    std::fill_n(batch.attention_mask.begin() + r * len, rows[r].ids.size(), 1);
    batch.truncated.push_back(rows[r].truncated);
  }
  return batch;
}

}  // namespace bfedge::io
