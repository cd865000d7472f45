// llama2.c tokenizer file (tokenizer.bin / tok512.bin). All values little-endian.
//
//   int32 max_token_length
//   then, once per token id 0, 1, 2, ... until the end of the file:
//     float32 score | int32 length | `length` bytes (no terminator)
//
// The file does not store the vocabulary size: it is the number of records, and must equal the
// model's vocab_size. Id 1 is BOS, id 2 is EOS, ids 3..258 are the byte-fallback pieces
// "<0x00>".."<0xFF>". A smaller vocabulary loads, but encode refuses what it lacks (BOS, EOS, a
// byte's fallback id) with an error naming it. Encoding and decoding follow llama2.c run.c exactly (dummy-prefix space,
// UTF-8 code points looked up whole, byte fallback, greedy highest-score pair merges).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bfedge/core/status.hpp"

namespace bfedge::io {

inline constexpr int kBosToken = 1;
inline constexpr int kEosToken = 2;
inline constexpr int kMaxTokenLength = 1 << 16;
inline constexpr std::uint64_t kMaxTokenizerFileBytes = std::uint64_t{256} << 20;

class Tokenizer {
 public:
  // Reads a tokenizer file (at most kMaxTokenizerFileBytes) and parses it.
  static Result<Tokenizer> load(const std::string& path);
  // Parses a tokenizer file held in memory; `name` (a path) prefixes every error. Allocates no
  // more than the bytes justify: a length field is checked against the bytes left first.
  static Result<Tokenizer> parse(std::span<const std::byte> bytes, const std::string& name);
  // Builds a tokenizer from pieces and scores (tests, converters). Scores and pieces same length.
  static Tokenizer from_pieces(std::vector<std::string> pieces, std::vector<float> scores);

  int vocab_size() const { return static_cast<int>(pieces_.size()); }
  // The header's bound on piece lengths (not necessarily reached).
  int max_token_length() const { return max_token_length_; }
  // The length in bytes of the longest actual piece.
  int longest_piece_bytes() const { return longest_piece_bytes_; }
  const std::string& piece(int id) const { return pieces_[static_cast<std::size_t>(id)]; }
  float score(int id) const { return scores_[static_cast<std::size_t>(id)]; }

  // The id whose piece is exactly `text`, or -1.
  int find(std::string_view text) const;

  // An error when the text needs an id the vocabulary lacks: BOS (bos), EOS (eos), the " " dummy
  // prefix, a byte's fallback id 3 + byte. The message does not repeat the tokenizer's path: the
  // caller, which knows it, prefixes it. Every id returned is < vocab_size().
  Result<std::vector<int>> encode(std::string_view text, bool bos, bool eos) const;

  // The text printed for `token` after `prev_token` (run.c decode): the leading space is dropped
  // after BOS and "<0xXX>" pieces become the raw byte; an id outside 0..vocab_size()-1 decodes
  // to "". Valid until the tokenizer is destroyed.
  std::string_view decode(int prev_token, int token) const;

 private:
  Tokenizer() = default;
  static Result<Tokenizer> parse_unguarded(std::span<const std::byte> bytes,
                                           const std::string& name);
  void build_index();
  void merge_pairs(std::vector<int>& tokens) const;

  std::vector<std::string> pieces_;
  std::vector<float> scores_;
  std::vector<int> sorted_ids_;  // ids ordered by piece bytes, for binary search
  std::string byte_pieces_;      // 256 one-byte strings for the "<0xXX>" pieces
  int max_token_length_ = 0;
  int longest_piece_bytes_ = 0;
};

// run.c's safe_printf filter: false for empty pieces and single non-printable, non-space bytes.
bool is_printable_piece(std::string_view piece);

}  // namespace bfedge::io
