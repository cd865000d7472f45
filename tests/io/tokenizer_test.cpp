// Tokenizer: crafted bad files, run.c-compatible encode/decode on a small crafted vocabulary,
// and the real tok512 against the golden prompt ids.
#include "bfedge/io/tokenizer.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "allocation_limit.hpp"
#include "bfedge/io/token_ids.hpp"
#include "support/test_support.hpp"

namespace bfedge::io {
namespace {

using test::Bytes;
using test::TempDir;

void expect_load_error(const std::string& path, const std::string& fragment) {
  const auto result = Tokenizer::load(path);
  ASSERT_FALSE(result.is_ok());
  EXPECT_NE(result.status().message().find(path), std::string::npos) << result.status().message();
  EXPECT_NE(result.status().message().find(fragment), std::string::npos)
      << "message: " << result.status().message() << "\nexpected: " << fragment;
}

TEST(TokenizerLoad, MissingFile) {
  TempDir dir;
  expect_load_error(dir.file("nope.bin"), "cannot open");
}

TEST(TokenizerLoad, HeaderErrors) {
  TempDir dir;
  const std::string path = dir.file("tok.bin");
  Bytes().raw("ab").write(path);
  expect_load_error(path, "truncated");
  Bytes().i32(0).write(path);
  expect_load_error(path, "max_token_length is 0");
  Bytes().i32(4).write(path);
  expect_load_error(path, "no token records");
}

TEST(TokenizerLoad, RecordRunningPastTheEnd) {
  TempDir dir;
  const std::string path = dir.file("tok.bin");
  Bytes().i32(4).f32(0.0f).i32(1).raw("a").f32(0.0f).i32(4).raw("bc").write(path);
  expect_load_error(path, "token record 1 runs past the end of the file");
  Bytes().i32(4).f32(0.0f).i32(1).raw("a").f32(0.0f).write(path);
  expect_load_error(path, "token record 1 runs past the end of the file");
}

TEST(TokenizerLoad, RecordLengthOutsideLimits) {
  TempDir dir;
  const std::string path = dir.file("tok.bin");
  Bytes().i32(2).f32(0.0f).i32(3).raw("abc").write(path);
  expect_load_error(path, "token record 0 has length 3");
  Bytes().i32(2).f32(0.0f).i32(-1).write(path);
  expect_load_error(path, "has length -1");
}

// A length field alone (here 60000, within max_token_length 65536, with 4 bytes left) must not
// make the parser allocate the piece before checking the bytes are there.
TEST(TokenizerLoad, HugeLengthFieldFailsBeforeAllocating) {
  TempDir dir;
  const std::string path = dir.file("tok.bin");
  Bytes().i32(kMaxTokenLength).f32(0.0f).i32(60000).raw("abcd").write(path);
  test::ScopedAllocationLimit limit(4096);
  expect_load_error(path, "token record 0 runs past the end of the file (needs 60000 bytes, 4 left)");
  EXPECT_LT(test::ScopedAllocationLimit::largest_request(), std::size_t{4096});
}

TEST(TokenizerParse, FromBytesNamesTheInput) {
  const Bytes good = Bytes().i32(3).f32(0.0f).i32(1).raw("a").f32(-1.0f).i32(2).raw("ab");
  const auto& d = good.data();
  const auto bytes = std::as_bytes(std::span(d.data(), d.size()));
  const auto t = Tokenizer::parse(bytes, "<memory>");
  ASSERT_TRUE(t.is_ok()) << t.status().message();
  EXPECT_EQ(t.value().piece(1), "ab");
  const auto bad = Tokenizer::parse(bytes.first(bytes.size() - 1), "<memory>");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().message(),
            "<memory>: token record 1 runs past the end of the file (needs 2 bytes, 1 left)");
}

TEST(TokenizerLoad, CountsRecordsAsVocabulary) {
  TempDir dir;
  const std::string path = dir.file("tok.bin");
  Bytes().i32(3).f32(0.0f).i32(1).raw("a").f32(-1.0f).i32(2).raw("ab").write(path);
  const auto t = Tokenizer::load(path);
  ASSERT_TRUE(t.is_ok()) << t.status().message();
  EXPECT_EQ(t.value().vocab_size(), 2);
  EXPECT_EQ(t.value().piece(1), "ab");
  EXPECT_EQ(t.value().score(1), -1.0f);
}

// A vocabulary with run.c's special ids, byte fallback for every byte, and a few merges.
Tokenizer crafted_tokenizer() {
  std::vector<std::string> pieces = {"<unk>", "\n<s>\n", "\n</s>\n"};
  std::vector<float> scores = {0, 0, 0};
  char hex[8];
  for (int b = 0; b < 256; ++b) {
    std::snprintf(hex, sizeof hex, "<0x%02X>", b);
    pieces.emplace_back(hex);
    scores.push_back(0.0f);
  }
  const std::pair<const char*, float> merges[] = {{" ", -100.0f}, {"a", -50.0f},  {"b", -50.0f},
                                                  {"ab", -1.0f},  {" ab", -2.0f}, {"é", -40.0f},
                                                  {"ba", -3.0f}};
  for (const auto& [piece, score] : merges) {
    pieces.emplace_back(piece);
    scores.push_back(score);
  }
  return Tokenizer::from_pieces(pieces, scores);
}

TEST(TokenizerEncode, DummyPrefixMergesAndBos) {
  const Tokenizer t = crafted_tokenizer();
  const int space = t.find(" "), ab = t.find("ab"), space_ab = t.find(" ab");
  ASSERT_GE(space, 0);
  // " a b" -> " ", "a", "b" -> best merge "ab" (score -1) -> " " "ab" -> " ab" (-2)
  const auto ids = t.encode("ab", true, false);
  ASSERT_TRUE(ids.is_ok());
  EXPECT_EQ(ids.value(), (std::vector<int>{kBosToken, space_ab}));
  const auto no_bos = t.encode("abab", false, true);
  ASSERT_TRUE(no_bos.is_ok());
  EXPECT_EQ(no_bos.value(), (std::vector<int>{space_ab, ab, kEosToken}));
  const auto empty = t.encode("", true, false);
  EXPECT_EQ(empty.value(), (std::vector<int>{kBosToken}));
}

TEST(TokenizerEncode, Utf8CodePointsAndByteFallback) {
  const Tokenizer t = crafted_tokenizer();
  // "é" is a known 2-byte code point; "ü" (C3 BC) is not and falls back to its bytes + 3.
  const auto ids = t.encode("éü", false, false);
  ASSERT_TRUE(ids.is_ok());
  EXPECT_EQ(ids.value(), (std::vector<int>{t.find(" "), t.find("é"), 0xC3 + 3, 0xBC + 3}));
}

TEST(TokenizerDecode, StripsSpaceAfterBosAndMapsBytePieces) {
  const Tokenizer t = crafted_tokenizer();
  EXPECT_EQ(t.decode(kBosToken, t.find(" ab")), "ab");
  EXPECT_EQ(t.decode(t.find("a"), t.find(" ab")), " ab");
  EXPECT_EQ(t.decode(5, 0x0A + 3), "\n");
  EXPECT_EQ(t.decode(5, 0x41 + 3), "A");
  EXPECT_EQ(t.decode(5, 0x00 + 3), std::string_view("\0", 1));
}

TEST(TokenizerDecode, PrintableFilterMatchesRunC) {
  EXPECT_TRUE(is_printable_piece("a"));
  EXPECT_TRUE(is_printable_piece("\n"));
  EXPECT_TRUE(is_printable_piece("ab"));
  EXPECT_FALSE(is_printable_piece(""));
  EXPECT_FALSE(is_printable_piece(std::string_view("\0", 1)));
  EXPECT_FALSE(is_printable_piece("\x07"));
}

TEST(TokenizerEncode, MissingSpacePieceIsAnError) {
  const Tokenizer t = Tokenizer::from_pieces({"<unk>", "<s>", "</s>", "a"}, {0, 0, 0, 0});
  EXPECT_FALSE(t.encode("a", true, false).is_ok());
  EXPECT_TRUE(t.encode("", true, false).is_ok());
}

// A vocabulary too small for run.c's special ids: encode used ids 1, 2 and 3..258 regardless
// (bfedge generate segfaulted); now it says what is missing (the CLI prefixes the file's path).
TEST(TokenizerEncode, VocabularyWithoutSpecialIdsIsAnErrorNotACrash) {
  TempDir dir;
  const std::string path = dir.file("tiny.bin");
  Bytes().i32(1).f32(0.0f).i32(1).raw(" ").f32(0.0f).i32(1).raw("a").write(path);
  const auto loaded = Tokenizer::load(path);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().message();
  const Tokenizer& t = loaded.value();
  const auto eos = t.encode("a", false, true);
  ASSERT_FALSE(eos.is_ok());
  EXPECT_EQ(eos.status().message(), "the vocabulary (2 tokens) has no EOS id 2");
  const auto fallback = t.encode("b", false, false);
  ASSERT_FALSE(fallback.is_ok());
  EXPECT_EQ(fallback.status().message(),
            "the vocabulary (2 tokens) has no piece for byte 0x62 (byte fallback needs ids 3..258)");
  const auto ok = t.encode("a", false, false);
  ASSERT_TRUE(ok.is_ok()) << ok.status().message();
  EXPECT_EQ(ok.value(), (std::vector<int>{0, 1}));
}

TEST(TokenizerEncode, OneTokenVocabularyIsAnErrorNotACrash) {
  TempDir dir;
  const std::string path = dir.file("one.bin");
  Bytes().i32(1).f32(0.0f).i32(1).raw(" ").write(path);
  const auto t = Tokenizer::load(path);
  ASSERT_TRUE(t.is_ok()) << t.status().message();
  const auto ids = t.value().encode("Once upon a time", true, false);
  ASSERT_FALSE(ids.is_ok());
  EXPECT_EQ(ids.status().message(), "the vocabulary (1 tokens) has no BOS id 1");
  const auto empty = Tokenizer::from_pieces({" "}, {0.0f}).encode("", true, false);
  ASSERT_FALSE(empty.is_ok());
  EXPECT_EQ(empty.status().message(), "the vocabulary (1 tokens) has no BOS id 1");
}

TEST(TokenizerDecode, OutOfRangeIdsDecodeToNothing) {
  const Tokenizer t = Tokenizer::from_pieces({"a", "b"}, {0.0f, 0.0f});
  EXPECT_EQ(t.decode(0, 2), "");
  EXPECT_EQ(t.decode(0, -1), "");
  EXPECT_EQ(t.decode(7, 1), "b");
}

TEST(Tokenizer, LongestPieceBytesIsTheLongestActualPiece) {
  TempDir dir;
  const std::string path = dir.file("tok.bin");
  Bytes().i32(1000).f32(0.0f).i32(1).raw("a").f32(0.0f).i32(5).raw("hello").f32(0.0f).i32(0)
      .write(path);
  const auto t = Tokenizer::load(path);
  ASSERT_TRUE(t.is_ok()) << t.status().message();
  EXPECT_EQ(t.value().max_token_length(), 1000);
  EXPECT_EQ(t.value().longest_piece_bytes(), 5);
  EXPECT_EQ(Tokenizer::from_pieces({"", "xyz"}, {}).longest_piece_bytes(), 3);
}

TEST(TokenizerTok512, EncodesGoldenPrompt) {
  BFEDGE_REQUIRE_SHARED(shared);
  const auto t = Tokenizer::load((shared / "models/tok512.bin").string());
  ASSERT_TRUE(t.is_ok()) << t.status().message();
  EXPECT_EQ(t.value().vocab_size(), 512);
  EXPECT_EQ(t.value().max_token_length(), 7);
  EXPECT_LE(t.value().longest_piece_bytes(), 7);
  const auto golden = read_token_ids((shared / "golden/greedy_once_upon_a_time_n256.ids").string());
  ASSERT_TRUE(golden.is_ok());
  const auto ids = t.value().encode("Once upon a time", true, false);
  ASSERT_TRUE(ids.is_ok());
  ASSERT_LE(ids.value().size(), golden.value().size());
  EXPECT_EQ(ids.value(),
            std::vector<int>(golden.value().begin(),
                             golden.value().begin() + static_cast<long>(ids.value().size())));
  // Decoding the golden ids reproduces the golden text (run.c's printing rules).
  std::string text;
  const auto& g = golden.value();
  for (std::size_t i = 1; i < g.size(); ++i) {
    const std::string_view piece = t.value().decode(g[i - 1], g[i]);
    if (is_printable_piece(piece)) text += piece;
  }
  text += "\n";
  EXPECT_EQ(text, test::read_text((shared / "golden/greedy_once_upon_a_time_n256.txt").string()));
}

}  // namespace
}  // namespace bfedge::io
