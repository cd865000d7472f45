#include "bfedge/io/tokenizer.hpp"

#include <algorithm>
#include <cctype>
#include <new>
#include <numeric>

#include "bfedge/io/file.hpp"

namespace bfedge::io {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses "<0xH" or "<0xHH" at the start of `piece` (run.c uses sscanf "<0x%02hhX>").
int byte_fallback_value(std::string_view piece) {
  if (piece.size() < 4 || piece.substr(0, 3) != "<0x") return -1;
  int value = hex_value(piece[3]);
  if (value < 0) return -1;
  if (piece.size() > 4 && hex_value(piece[4]) >= 0) value = value * 16 + hex_value(piece[4]);
  return value;
}

bool is_utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

Result<Tokenizer> Tokenizer::load(const std::string& path) {
  Result<std::vector<std::byte>> bytes = read_file(path, kMaxTokenizerFileBytes);
  if (!bytes.is_ok()) return bytes.status();
  return parse(bytes.value(), path);
}

Result<Tokenizer> Tokenizer::parse(std::span<const std::byte> bytes, const std::string& name) {
  try {
    return parse_unguarded(bytes, name);
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::capacity, name + ": not enough memory for the tokenizer");
  }
}

Result<Tokenizer> Tokenizer::parse_unguarded(std::span<const std::byte> bytes,
                                             const std::string& name) {
  ByteCursor cursor(bytes.data(), bytes.size());
  Tokenizer t;
  std::int32_t max_len = 0;
  if (!cursor.read_i32(max_len)) {
    return format_error(name + ": truncated: " + std::to_string(bytes.size()) +
                        " bytes, too short for a tokenizer header");
  }
  if (max_len <= 0 || max_len > kMaxTokenLength) {
    return format_error(name + ": max_token_length is " + std::to_string(max_len) +
                        ", expected 1.." + std::to_string(kMaxTokenLength));
  }
  t.max_token_length_ = max_len;
  const auto record = [&t, &name] {
    return name + ": token record " + std::to_string(t.pieces_.size());
  };
  while (!cursor.at_end()) {
    float score = 0.0f;
    std::int32_t length = 0;
    if (!cursor.read_f32(score) || !cursor.read_i32(length)) {
      return format_error(record() + " runs past the end of the file (" +
                          std::to_string(cursor.remaining()) + " bytes left, header needs 8)");
    }
    if (length < 0 || length > max_len) {
      return format_error(record() + " has length " + std::to_string(length) + ", outside 0.." +
                          std::to_string(max_len) + " (max_token_length)");
    }
    // Checked before the piece is allocated: a length field alone never drives an allocation.
    if (static_cast<std::size_t>(length) > cursor.remaining()) {
      return format_error(record() + " runs past the end of the file (needs " +
                          std::to_string(length) + " bytes, " +
                          std::to_string(cursor.remaining()) + " left)");
    }
    const auto* chars = reinterpret_cast<const char*>(cursor.current());
    t.pieces_.emplace_back(chars, static_cast<std::size_t>(length));
    (void)cursor.skip(static_cast<std::size_t>(length));
    t.scores_.push_back(score);
  }
  if (t.pieces_.empty()) return format_error(name + ": no token records");
  t.build_index();
  return t;
}

Tokenizer Tokenizer::from_pieces(std::vector<std::string> pieces, std::vector<float> scores) {
  Tokenizer t;
  t.pieces_ = std::move(pieces);
  t.scores_ = std::move(scores);
  t.scores_.resize(t.pieces_.size(), 0.0f);
  t.build_index();
  t.max_token_length_ = t.longest_piece_bytes_;
  return t;
}

void Tokenizer::build_index() {
  sorted_ids_.resize(pieces_.size());
  std::iota(sorted_ids_.begin(), sorted_ids_.end(), 0);
  // Equal pieces keep id order (find returns the lowest id, as run.c's bsearch on a stable
  // order would). std::sort with the id as tie-break: libstdc++'s stable_sort trips clang's
  // deprecation warning (get_temporary_buffer).
  std::sort(sorted_ids_.begin(), sorted_ids_.end(), [this](int a, int b) {
    const int order = piece(a).compare(piece(b));
    return order != 0 ? order < 0 : a < b;
  });
  longest_piece_bytes_ = 0;
  for (const std::string& p : pieces_) {
    longest_piece_bytes_ = std::max(longest_piece_bytes_, static_cast<int>(p.size()));
  }
  byte_pieces_.resize(256);
  for (int i = 0; i < 256; ++i) byte_pieces_[static_cast<std::size_t>(i)] = static_cast<char>(i);
}

int Tokenizer::find(std::string_view text) const {
  auto it = std::lower_bound(sorted_ids_.begin(), sorted_ids_.end(), text,
                             [this](int id, std::string_view key) { return piece(id) < key; });
  if (it == sorted_ids_.end() || piece(*it) != text) return -1;
  return *it;
}

// run.c's merge rule: repeatedly merge the adjacent pair whose concatenation is a piece with the
// highest score (above -1e10; the leftmost pair on ties) until no pair is a piece. run.c rescans
// every pair after each merge, O(n^2) lookups for n tokens; here each pair is looked up once when
// it forms, kept in a max-heap ordered by (score, leftmost position), and skipped when a merge has
// changed either side since: the same merges in the same order in O(n log n).
void Tokenizer::merge_pairs(std::vector<int>& tokens) const {
  const std::size_t n = tokens.size();
  if (n < 2) return;
  std::vector<std::size_t> next(n), prev(n);
  std::vector<std::uint32_t> version(n, 0);
  for (std::size_t i = 0; i < n; ++i) next[i] = i + 1, prev[i] = i - 1;  // prev[0] wraps: never read
  struct Candidate {
    float score;
    int id;
    std::size_t left, right;
    std::uint32_t left_version, right_version;
  };
  const auto lower = [](const Candidate& a, const Candidate& b) {  // heap top: highest, then leftmost
    return a.score != b.score ? a.score < b.score : a.left > b.left;
  };
  std::vector<Candidate> heap;
  std::string merged;
  const auto consider = [&](std::size_t left, std::size_t right) {
    merged = piece(tokens[left]);
    merged += piece(tokens[right]);
    const int id = find(merged);
    if (id < 0 || !(score(id) > -1e10f)) return;
    heap.push_back({score(id), id, left, right, version[left], version[right]});
    std::push_heap(heap.begin(), heap.end(), lower);
  };
  for (std::size_t i = 0; i + 1 < n; ++i) consider(i, i + 1);
  std::vector<bool> alive(n, true);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), lower);
    const Candidate c = heap.back();
    heap.pop_back();
    if (!alive[c.left] || !alive[c.right] || next[c.left] != c.right || version[c.left] != c.left_version ||
        version[c.right] != c.right_version) {
      continue;  // a merge since has changed this pair
    }
    tokens[c.left] = c.id;
    ++version[c.left];
    alive[c.right] = false;
    next[c.left] = next[c.right];
    if (next[c.left] < n) prev[next[c.left]] = c.left;
    if (c.left > 0) {
      std::size_t before = prev[c.left];
      consider(before, c.left);
    }
    if (next[c.left] < n) consider(c.left, next[c.left]);
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (alive[i]) tokens[kept++] = tokens[i];
  }
  tokens.resize(kept);
}

Result<std::vector<int>> Tokenizer::encode(std::string_view text, bool bos, bool eos) const {
  const std::string vocabulary = "the vocabulary (" + std::to_string(vocab_size()) + " tokens)";
  if (bos && kBosToken >= vocab_size()) return format_error(vocabulary + " has no BOS id 1");
  if (eos && kEosToken >= vocab_size()) return format_error(vocabulary + " has no EOS id 2");
  std::vector<int> tokens;
  if (bos) tokens.push_back(kBosToken);
  if (!text.empty()) {
    const int space = find(" ");
    if (space < 0) return format_error("tokenizer has no \" \" piece for the dummy prefix");
    tokens.push_back(space);
  }
  // One lookup per UTF-8 code point (at most 4 bytes); unknown code points fall back to bytes.
  std::string code_point;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!is_utf8_continuation(text[i])) code_point.clear();
    code_point.push_back(text[i]);
    if (i + 1 < text.size() && is_utf8_continuation(text[i + 1]) && code_point.size() < 4) continue;
    const int id = find(code_point);
    if (id >= 0) {
      tokens.push_back(id);
    } else {
      for (char byte : code_point) {
        const int fallback = static_cast<unsigned char>(byte) + 3;
        if (fallback >= vocab_size()) {
          static constexpr char kHex[] = "0123456789ABCDEF";
          const auto value = static_cast<unsigned char>(byte);
          return format_error(vocabulary + " has no piece for byte 0x" + kHex[value >> 4] +
                       kHex[value & 15] + " (byte fallback needs ids 3..258)");
        }
        tokens.push_back(fallback);
      }
    }
    code_point.clear();
  }
  merge_pairs(tokens);
  if (eos) tokens.push_back(kEosToken);
  return tokens;
}

std::string_view Tokenizer::decode(int prev_token, int token) const {
  if (token < 0 || token >= vocab_size()) return {};
  std::string_view text = piece(token);
  if (prev_token == kBosToken && !text.empty() && text[0] == ' ') text.remove_prefix(1);
  const int byte = byte_fallback_value(text);
  if (byte >= 0) return std::string_view(byte_pieces_).substr(static_cast<std::size_t>(byte), 1);
  return text;
}

bool is_printable_piece(std::string_view piece) {
  if (piece.empty()) return false;
  if (piece.size() == 1) {
    const auto byte = static_cast<unsigned char>(piece[0]);
    return std::isprint(byte) || std::isspace(byte);
  }
  return true;
}

}  // namespace bfedge::io
