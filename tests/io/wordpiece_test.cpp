// WordPiece: crafted bad vocab.txt files, the greedy longest-match on a small crafted vocabulary,
// and BertTokenizer (bert-base-uncased) behaviour on the real vocabulary with hand-checked pieces.
#include "bfedge/io/wordpiece.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/test_support.hpp"

namespace bfedge::io {
namespace {

using test::TempDir;
using Pieces = std::vector<std::string>;

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

void expect_load_error(const std::string& path, const std::string& fragment) {
  const auto result = WordPieceTokenizer::load(path);
  ASSERT_FALSE(result.is_ok()) << "loaded: " << path;
  const std::string& message = result.status().message();
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find(fragment), std::string::npos)
      << "message: " << message << "\nexpected: " << fragment;
  EXPECT_EQ(message.find('\n'), std::string::npos) << "one line: " << message;
}

const std::string kSpecials = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n";

WordPieceTokenizer crafted(const std::string& extra) {
  auto t = WordPieceTokenizer::parse(kSpecials + extra, "crafted");
  EXPECT_TRUE(t.is_ok()) << t.status().message();
  return std::move(t).value();
}

Pieces tokenize(const WordPieceTokenizer& t, std::string_view text) {
  auto r = t.tokenize(text);
  EXPECT_TRUE(r.is_ok()) << r.status().message();
  return r.is_ok() ? r.value() : Pieces{};
}

TEST(WordPieceLoad, MissingFile) {
  TempDir dir;
  expect_load_error(dir.file("nope.txt"), "cannot open");
}

TEST(WordPieceLoad, EmptyFile) {
  TempDir dir;
  write_text(dir.file("vocab.txt"), "");
  expect_load_error(dir.file("vocab.txt"), "empty file");
}

TEST(WordPieceLoad, MissingSpecialTokens) {
  TempDir dir;
  const std::string path = dir.file("vocab.txt");
  for (const std::string name : {"[PAD]", "[UNK]", "[CLS]", "[SEP]"}) {
    std::string text = kSpecials + "a\n";
    text.erase(text.find(name), name.size() + 1);
    write_text(path, text);
    expect_load_error(path, "no " + name + " token");
  }
  write_text(path, kSpecials);  // [MASK] is optional
  const auto t = WordPieceTokenizer::load(path);
  ASSERT_TRUE(t.is_ok()) << t.status().message();
  EXPECT_EQ(t.value().mask_id(), -1);
}

TEST(WordPieceLoad, DuplicateTokenNamesBothLines) {
  TempDir dir;
  write_text(dir.file("vocab.txt"), kSpecials + "a\nb\na\n");
  expect_load_error(dir.file("vocab.txt"), "line 7: duplicate token \"a\" (first on line 5)");
}

TEST(WordPieceLoad, InvalidUtf8NamesTheLine) {
  TempDir dir;
  const std::string path = dir.file("vocab.txt");
  for (const std::string bad : {"\xC3", "\xC0\xAF", "\xED\xA0\x80", "a\xFF", "\xF4\x90\x80\x80"}) {
    write_text(path, kSpecials + "ok\n" + bad + "\n");
    expect_load_error(path, "line 6: invalid UTF-8");
  }
}

TEST(WordPieceLoad, WhitespaceAndEmptyLines) {
  TempDir dir;
  const std::string path = dir.file("vocab.txt");
  write_text(path, kSpecials + "a b\n");
  expect_load_error(path, "line 5: the token holds whitespace or a control character (U+0020)");
  write_text(path, kSpecials + "a\tb\n");
  expect_load_error(path, "(U+0009)");
  write_text(path, kSpecials + "a\rb\n");  // a lone CR inside a line
  expect_load_error(path, "(U+000D)");
  write_text(path, kSpecials + "a\xE3\x80\x80\n");  // U+3000 ideographic space
  expect_load_error(path, "(U+3000)");
  write_text(path, kSpecials + "\nb\n");
  expect_load_error(path, "line 5: empty token");
  write_text(path, kSpecials + "b\n\n");  // a blank last line is an empty token too
  expect_load_error(path, "line 6: empty token");
  write_text(path, "\xEF\xBB\xBF" + kSpecials);
  expect_load_error(path, "byte-order mark");
}

TEST(WordPieceLoad, CrlfAndMissingFinalNewline) {
  const auto crlf = WordPieceTokenizer::parse("[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\nab\r\n", "crlf");
  ASSERT_TRUE(crlf.is_ok()) << crlf.status().message();
  EXPECT_EQ(crlf.value().vocab_size(), 5);
  EXPECT_EQ(crlf.value().find("ab"), 4);
  const auto bare = WordPieceTokenizer::parse(kSpecials + "ab", "bare");
  ASSERT_TRUE(bare.is_ok()) << bare.status().message();
  EXPECT_EQ(bare.value().vocab_size(), 5);
  EXPECT_EQ(bare.value().token(4), "ab");
}

TEST(WordPieceLoad, TooLarge) {
  TempDir dir;
  const std::string path = dir.file("vocab.txt");
  write_text(path, kSpecials);
  std::filesystem::resize_file(path, kMaxVocabFileBytes + 1);  // sparse: nothing is written
  const auto result = WordPieceTokenizer::load(path);
  ASSERT_FALSE(result.is_ok());
  EXPECT_NE(result.status().message().find(path + ": 67108865 bytes, more than the 67108864"),
            std::string::npos)
      << result.status().message();
}

TEST(WordPieceCrafted, GreedyLongestMatchFirst) {
  // The example of the original BERT README: un ##aff ##able.
  const auto t = crafted("un\nunaff\n##aff\n##able\n##a\n##ble\n##affable\n");
  EXPECT_EQ(tokenize(t, "unaffable"), (Pieces{"unaff", "##able"}));
  const auto u = crafted("un\n##aff\n##able\n##a\n##ble\n");
  EXPECT_EQ(tokenize(u, "unaffable"), (Pieces{"un", "##aff", "##able"}));
  // No cover for the tail: the whole word is [UNK], not a partial sequence.
  EXPECT_EQ(tokenize(u, "unaffablex"), (Pieces{"[UNK]"}));
  EXPECT_EQ(tokenize(u, "un unx un"), (Pieces{"un", "[UNK]", "un"}));
  // A continuation piece never starts a word.
  EXPECT_EQ(tokenize(u, "able"), (Pieces{"[UNK]"}));
}

TEST(WordPieceCrafted, WordLengthLimitCountsCodePoints) {
  const auto t = crafted("a\n##a\n\xD0\xB6\n##\xD0\xB6\n");  // a, ##a, ж, ##ж
  Pieces hundred{"a"};
  hundred.resize(100, "##a");
  EXPECT_EQ(tokenize(t, std::string(100, 'a')), hundred);
  EXPECT_EQ(tokenize(t, std::string(101, 'a')), (Pieces{"[UNK]"}));
  std::string zhe100;
  for (int i = 0; i < 100; ++i) zhe100 += "\xD0\xB6";  // 200 bytes, 100 code points
  ASSERT_EQ(tokenize(t, zhe100).size(), 100u);
  EXPECT_EQ(tokenize(t, zhe100 + "\xD0\xB6"), (Pieces{"[UNK]"}));
}

TEST(WordPieceCrafted, EncodeArguments) {
  const auto t = crafted("a\n");
  EXPECT_FALSE(t.encode("a", 1).is_ok());
  const auto e = t.encode("a a", 2);
  ASSERT_TRUE(e.is_ok());
  EXPECT_EQ(e.value().ids, (std::vector<int>{2, 3}));
  EXPECT_TRUE(e.value().truncated);
  const auto bad = t.encode("a\xFF", 8);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("invalid UTF-8 at byte 1"), std::string::npos)
      << bad.status().message();
}

// ---- the real bert-base-uncased vocabulary ----

#define BFEDGE_REAL_VOCAB(t)                                                                  \
  BFEDGE_REQUIRE_SHARED(shared);                                                              \
  const std::string vocab_path = (shared / "models/bert-base-uncased-vocab.txt").string();    \
  if (!std::filesystem::exists(vocab_path)) GTEST_SKIP() << vocab_path << " absent: skipped"; \
  auto t##_result = WordPieceTokenizer::load(vocab_path);                                     \
  ASSERT_TRUE(t##_result.is_ok()) << t##_result.status().message();                           \
  const WordPieceTokenizer& t = t##_result.value()

std::vector<int> ids(const WordPieceTokenizer& t, std::string_view text) {
  auto r = t.ids(text);
  EXPECT_TRUE(r.is_ok()) << r.status().message();
  return r.is_ok() ? r.value() : std::vector<int>{};
}

TEST(WordPieceReal, LoadsTheFullVocabulary) {
  BFEDGE_REAL_VOCAB(t);
  EXPECT_EQ(t.vocab_size(), 30522);
  EXPECT_EQ(t.pad_id(), 0);
  EXPECT_EQ(t.unk_id(), 100);
  EXPECT_EQ(t.cls_id(), 101);
  EXPECT_EQ(t.sep_id(), 102);
  EXPECT_EQ(t.mask_id(), 103);
  EXPECT_EQ(t.find("the"), 1996);
  EXPECT_EQ(t.token(1996), "the");
  EXPECT_EQ(t.find("not-a-token"), -1);
}

TEST(WordPieceReal, LowerCaseAndAccentStripping) {
  BFEDGE_REAL_VOCAB(t);
  EXPECT_EQ(tokenize(t, "H\xC3\xA9llo na\xC3\xAFve caf\xC3\xA9"),
            (Pieces{"hello", "naive", "cafe"}));
  EXPECT_EQ(ids(t, "H\xC3\xA9llo na\xC3\xAFve caf\xC3\xA9"), (std::vector<int>{7592, 15743, 7668}));
  EXPECT_EQ(tokenize(t, "cafe\xCC\x81"), (Pieces{"cafe"}));  // decomposed: e + U+0301
  EXPECT_EQ(tokenize(t, "\xC3\x85ngstr\xC3\xB6m"), (Pieces{"ang", "##strom"}));  // Ångström
  EXPECT_EQ(tokenize(t, "\xC4\xB0stanbul"), (Pieces{"istanbul"}));  // İ lowers to i + U+0307
  // Lower-cased one character at a time: no final sigma (ΟΔΟΣ → οδοσ).
  EXPECT_EQ(tokenize(t, "\xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3"),
            (Pieces{"\xCE\xBF", "##\xCE\xB4", "##\xCE\xBF", "##\xCF\x83"}));
  // NFD, not NFKD: the ﬁ ligature stays (and is in the vocabulary).
  EXPECT_EQ(tokenize(t, "\xEF\xAC\x81ne"), (Pieces{"\xEF\xAC\x81", "##ne"}));
}

TEST(WordPieceReal, ChineseCharactersSplitOneByOne) {
  BFEDGE_REAL_VOCAB(t);
  const auto words = t.basic_tokenize("\xE6\x88\x91\xE7\x88\xB1\xE4\xBD\xA0");  // 我爱你
  ASSERT_TRUE(words.is_ok());
  EXPECT_EQ(words.value(), (Pieces{"\xE6\x88\x91", "\xE7\x88\xB1", "\xE4\xBD\xA0"}));
  // 爱 and 你 are not in bert-base-uncased's vocabulary.
  EXPECT_EQ(ids(t, "\xE6\x88\x91\xE7\x88\xB1\xE4\xBD\xA0"), (std::vector<int>{1855, 100, 100}));
  EXPECT_EQ(ids(t, "\xE4\xB8\xAD\xE5\x9B\xBD\xE4\xBA\xBA"), (std::vector<int>{1746, 1799, 1756}));
  EXPECT_EQ(tokenize(t,
                     "ab\xE4\xB8\xAD"
                     "cd"),
            (Pieces{"ab", "\xE4\xB8\xAD", "cd"}));
}

TEST(WordPieceReal, PunctuationIsSplitOff) {
  BFEDGE_REAL_VOCAB(t);
  EXPECT_EQ(tokenize(t, "don't!"), (Pieces{"don", "'", "t", "!"}));
  EXPECT_EQ(ids(t, "don't!"), (std::vector<int>{2123, 1005, 1056, 999}));
  // Unicode P* (em dash, inverted question mark) and ASCII symbols ($ is Sc, still split).
  EXPECT_EQ(tokenize(t, "hello\xE2\x80\x94world \xC2\xBFqu\xC3\xA9? $5"),
            (Pieces{"hello", "\xE2\x80\x94", "world", "\xC2\xBF", "que", "?", "$", "5"}));
  EXPECT_EQ(ids(t, "The quick brown fox jumps over the lazy dog."),
            (std::vector<int>{1996, 4248, 2829, 4419, 14523, 2058, 1996, 13971, 3899, 1012}));
}

TEST(WordPieceReal, UnknownWords) {
  BFEDGE_REAL_VOCAB(t);
  EXPECT_EQ(ids(t, "\xF0\x9F\x98\x80"), (std::vector<int>{100}));  // 😀
  EXPECT_EQ(ids(t, "\xE2\x91\xA0"), (std::vector<int>{100}));      // ①
  // An emoji is not punctuation: it joins the word, and the whole word is [UNK].
  EXPECT_EQ(tokenize(t, "hello\xF0\x9F\x98\x80 world"), (Pieces{"[UNK]", "world"}));
}

TEST(WordPieceReal, SubwordSplits) {
  BFEDGE_REAL_VOCAB(t);
  // Not BERT README's un ##aff ##able: this vocabulary has no "##aff".
  EXPECT_EQ(tokenize(t, "unaffable"), (Pieces{"una", "##ffa", "##ble"}));
  EXPECT_EQ(ids(t, "unaffable"), (std::vector<int>{14477, 20961, 3468}));
  EXPECT_EQ(tokenize(t, "Tokenization of embeddings"),
            (Pieces{"token", "##ization", "of", "em", "##bed", "##ding", "##s"}));
  Pieces a100{"aaa"};
  a100.resize(49, "##aa");
  a100.push_back("##a");  // 3 + 48 * 2 + 1 = 100 characters
  EXPECT_EQ(tokenize(t, std::string(100, 'a')), a100);
  EXPECT_EQ(tokenize(t, std::string(101, 'a')), (Pieces{"[UNK]"}));
}

TEST(WordPieceReal, ControlCharactersAreRemoved) {
  BFEDGE_REAL_VOCAB(t);
  // U+0001 (Cc), U+200B (Cf), NUL, U+FFFD, U+0085 (Cc), VT, U+001F, U+E000 (Co): all dropped,
  // joining what is on either side.
  EXPECT_EQ(tokenize(t, std::string("hel\x01lo a\xE2\x80\x8B"
                                    "b") +
                            std::string(1, '\0') +
                            "c\xEF\xBF\xBD"
                            "d"),
            (Pieces{"hello", "abc", "##d"}));
  EXPECT_EQ(tokenize(t, "x\xC2\x85y\x0bz\x1fw"), (Pieces{"x", "##y", "##z", "##w"}));
  EXPECT_EQ(tokenize(t, "\xEE\x80\x80x"), (Pieces{"x"}));
}

TEST(WordPieceReal, WhitespaceVariants) {
  BFEDGE_REAL_VOCAB(t);
  // \t \n \r\n, NBSP and U+3000 (Zs) become spaces; U+2028/U+2029 are kept by cleaning but split
  // words (Python's str.split).
  const Pieces expected{"a", "b", "c", "d", "e", "f", "g", "h"};
  EXPECT_EQ(tokenize(t,
                     "  a\tb\nc\r\nd\xC2\xA0"
                     "e\xE3\x80\x80"
                     "f\xE2\x80\xA8g\xE2\x80\xA9h  "),
            expected);
  EXPECT_EQ(tokenize(t, ""), Pieces{});
  EXPECT_EQ(tokenize(t, " \t\n"), Pieces{});
}

TEST(WordPieceReal, LiteralSpecialTokensStayWhole) {
  BFEDGE_REAL_VOCAB(t);
  EXPECT_EQ(ids(t, "[CLS] hi[MASK]there [SEP]"),
            (std::vector<int>{101, t.find("hi"), 103, t.find("there"), 102}));
  // Matched case-sensitively, before lower-casing: [cls] is text.
  EXPECT_EQ(tokenize(t, "[cls]"), (Pieces{"[", "cl", "##s", "]"}));
}

TEST(WordPieceReal, EncodeTruncatesKeepingSep) {
  BFEDGE_REAL_VOCAB(t);
  const auto full = t.encode("don't!", 16);
  ASSERT_TRUE(full.is_ok());
  EXPECT_EQ(full.value().ids, (std::vector<int>{101, 2123, 1005, 1056, 999, 102}));
  EXPECT_EQ(full.value().attention_mask, (std::vector<int>(6, 1)));
  EXPECT_FALSE(full.value().truncated);
  const auto cut = t.encode("don't!", 4);
  ASSERT_TRUE(cut.is_ok());
  EXPECT_EQ(cut.value().ids, (std::vector<int>{101, 2123, 1005, 102}));
  EXPECT_TRUE(cut.value().truncated);
  const auto exact = t.encode("don't!", 6);
  ASSERT_TRUE(exact.is_ok());
  EXPECT_FALSE(exact.value().truncated);
}

TEST(WordPieceReal, BatchPadsWithPadAndMaskZero) {
  BFEDGE_REAL_VOCAB(t);
  const std::vector<std::string> texts{"don't!", "the", ""};
  const auto longest = t.encode_batch(texts, 5);
  ASSERT_TRUE(longest.is_ok());
  const WordPieceBatch& b = longest.value();
  EXPECT_EQ(b.rows, 3);
  EXPECT_EQ(b.length, 5);
  EXPECT_EQ(b.ids, (std::vector<int>{101, 2123, 1005, 1056, 102,  //
                                     101, 1996, 102, 0, 0,        //
                                     101, 102, 0, 0, 0}));
  EXPECT_EQ(b.attention_mask, (std::vector<int>{1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0}));
  EXPECT_EQ(b.truncated, (std::vector<bool>{true, false, false}));

  const auto fixed = t.encode_batch(std::span(texts).subspan(1), 6, WordPiecePadding::max_length);
  ASSERT_TRUE(fixed.is_ok());
  EXPECT_EQ(fixed.value().length, 6);
  EXPECT_EQ(fixed.value().ids, (std::vector<int>{101, 1996, 102, 0, 0, 0, 101, 102, 0, 0, 0, 0}));

  const std::vector<std::string> bad{"ok", "\xFF"};
  const auto err = t.encode_batch(bad, 8);
  ASSERT_FALSE(err.is_ok());
  EXPECT_NE(err.status().message().find("batch row 1: text: invalid UTF-8 at byte 0"),
            std::string::npos)
      << err.status().message();
}

}  // namespace
}  // namespace bfedge::io
