// WordPiece vocabulary (BERT's vocab.txt) and tokenizer with Hugging Face BertTokenizer semantics
// (the Python tokenization_bert.py, transformers 4.x: do_lower_case=True, strip_accents unset,
// tokenize_chinese_chars=True, max_input_chars_per_word=100).
//
// vocab.txt layout: UTF-8 text, one token per line; a token's id is its 0-based line number.
//   - lines end with "\n"; one "\r" before it is dropped (CRLF files, as Python's universal
//     newlines read them); the last line may lack its "\n".
//   - a token is non-empty, valid UTF-8 and holds no whitespace or control character (such a
//     token could never match a word: words are split at whitespace). No byte-order mark.
//   - every token is distinct (Hugging Face silently lets the later line win; here it is an error
//     naming both lines).
//   - [PAD], [UNK], [CLS] and [SEP] must be present; [MASK] is optional.
//   - at most kMaxVocabFileBytes bytes and kMaxVocabTokens tokens.
// Every load error is one line naming the file and the problem (with a line number where there
// is one).
//
// Tokenizing (docs/formats.md has the details):
//   1. literal special tokens in the text ("[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]" when in the
//      vocabulary) are kept whole, as PreTrainedTokenizer's added-token split does;
//   2. BasicTokenizer on the rest: drop NUL, U+FFFD and characters of category C* (except \t \n \r,
//      which are whitespace); whitespace (\t \n \r, space, Zs) becomes a space; CJK ideographs get
//      spaces around them; NFC; split at whitespace (also U+2028/U+2029, as Python's str.split);
//      lower-case (full Unicode mapping), NFD, drop Mn marks; split off each punctuation
//      character (ASCII 33-47, 58-64, 91-96, 123-126 and category P*);
//   3. WordPiece: greedy longest match first, continuation pieces prefixed "##"; a word with no
//      full cover, or of more than 100 code points, becomes [UNK].
// Unicode data comes from ICU (libicu-dev); HF uses Python's unicodedata: the results differ only
// for characters whose properties changed between the two Unicode versions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bfedge/core/status.hpp"

namespace bfedge::io {

inline constexpr std::uint64_t kMaxVocabFileBytes = std::uint64_t{64} << 20;
inline constexpr int kMaxVocabTokens = 1 << 22;
// BertTokenizer's max_input_chars_per_word: longer words (in code points) become [UNK].
inline constexpr int kMaxWordPieceWordChars = 100;

// One encoded text: [CLS] pieces… [SEP]; attention_mask is 1 for every id.
struct WordPieceEncoding {
  std::vector<int> ids;
  std::vector<int> attention_mask;
  bool truncated = false;  // pieces were dropped to fit max_length
};

// A padded batch, row-major rows × length: ids padded with [PAD], attention_mask 0 there.
struct WordPieceBatch {
  int rows = 0;
  int length = 0;
  std::vector<int> ids;
  std::vector<int> attention_mask;
  std::vector<bool> truncated;  // per row
};

enum class WordPiecePadding {
  longest,     // pad every row to the longest row of the batch
  max_length,  // pad every row to max_length
};

class WordPieceTokenizer {
 public:
  // Reads a vocab.txt (at most kMaxVocabFileBytes) and parses it.
  static Result<WordPieceTokenizer> load(const std::string& path);
  // Parses vocab.txt text held in memory; `name` (a path) prefixes every error.
  static Result<WordPieceTokenizer> parse(std::string_view text, const std::string& name);

  int vocab_size() const { return static_cast<int>(tokens_.size()); }
  const std::string& token(int id) const { return tokens_[static_cast<std::size_t>(id)]; }
  // The id of exactly `token`, or -1.
  int find(std::string_view token) const;

  int pad_id() const { return pad_id_; }
  int unk_id() const { return unk_id_; }
  int cls_id() const { return cls_id_; }
  int sep_id() const { return sep_id_; }
  int mask_id() const { return mask_id_; }  // -1 when the vocabulary has no [MASK]

  // BasicTokenizer alone: the words (lower-cased, accents stripped, punctuation split off) before
  // WordPiece. An error when `text` is not valid UTF-8 (naming the byte offset).
  Result<std::vector<std::string>> basic_tokenize(std::string_view text) const;
  // The WordPiece pieces of `text` (BertTokenizer.tokenize), special tokens kept whole.
  Result<std::vector<std::string>> tokenize(std::string_view text) const;
  // The ids of tokenize(text), without [CLS]/[SEP].
  Result<std::vector<int>> ids(std::string_view text) const;

  // [CLS] ids… [SEP], truncated to max_length ids (pieces are dropped from the end; [SEP] is kept).
  // max_length must be at least 2.
  Result<WordPieceEncoding> encode(std::string_view text, int max_length) const;
  // encode() for each text, padded with [PAD] (mask 0) to the longest row or to max_length.
  Result<WordPieceBatch> encode_batch(std::span<const std::string> texts, int max_length,
                                      WordPiecePadding padding = WordPiecePadding::longest) const;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  WordPieceTokenizer() = default;
  void wordpiece(const std::string& word, std::vector<std::string>& out) const;
  Status basic_tokenize_into(std::string_view text, std::size_t offset,
                             std::vector<std::string>& words) const;

  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int, Hash, std::equal_to<>> index_;
  std::vector<std::string> specials_;  // the special tokens present, matched literally in text
  int pad_id_ = -1;
  int unk_id_ = -1;
  int cls_id_ = -1;
  int sep_id_ = -1;
  int mask_id_ = -1;
};

}  // namespace bfedge::io
