// Tokenizer::encode's merges against run.c's own loop (rescan every adjacent pair, merge the best,
// repeat), written here over the public API as the oracle: random tokenizers with ties, NaN and
// very low scores, random texts with multi-byte code points; and tok512 on random prompts. Also:
// a 100 KB prompt encodes in O(n log n) (run.c's loop would take tens of seconds).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "bfedge/io/tokenizer.hpp"
#include "support/test_support.hpp"

namespace bfedge::io {
namespace {

bool continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// run.c's encode, step by step (bfedge's error cases aside).
std::vector<int> run_c_encode(const Tokenizer& t, const std::string& text) {
  std::vector<int> tokens{kBosToken};
  if (!text.empty()) tokens.push_back(t.find(" "));
  std::string cp;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!continuation(text[i])) cp.clear();
    cp.push_back(text[i]);
    if (i + 1 < text.size() && continuation(text[i + 1]) && cp.size() < 4) continue;
    const int id = t.find(cp);
    if (id >= 0) {
      tokens.push_back(id);
    } else {
      for (char b : cp) tokens.push_back(static_cast<unsigned char>(b) + 3);
    }
    cp.clear();
  }
  for (;;) {
    float best_score = -1e10f;
    int best_id = -1;
    std::size_t best = 0;
    for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
      const int id = t.find(t.piece(tokens[i]) + t.piece(tokens[i + 1]));
      if (id >= 0 && t.score(id) > best_score) best_score = t.score(id), best_id = id, best = i;
    }
    if (best_id < 0) break;
    tokens[best] = best_id;
    tokens.erase(tokens.begin() + static_cast<std::ptrdiff_t>(best) + 1);
  }
  return tokens;
}

// <unk> <s> </s>, the 256 byte pieces, then " " and random merges of a small alphabet.
Tokenizer random_tokenizer(std::mt19937& rng) {
  std::vector<std::string> pieces{"<unk>", "<s>", "</s>"};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    pieces.emplace_back(name);
  }
  const std::vector<std::string> alphabet{" ", "a", "b", "c", "\xC3\xA9" /* é */, "\xE2\x82\xAC" /* € */};
  for (const std::string& s : alphabet) pieces.push_back(s);
  std::uniform_int_distribution<std::size_t> pick_piece(259, 259 + alphabet.size() - 1);
  for (int i = 0; i < 60; ++i) {
    const std::string merged = pieces[pick_piece(rng)] + pieces[259 + rng() % (pieces.size() - 259)];
    if (merged.size() <= 12) pieces.push_back(merged);
  }
  std::vector<float> scores(pieces.size());
  const float special[] = {0.0f, 1.0f, -1e10f, -1e11f, std::nanf("")};
  for (float& s : scores) s = rng() % 4 == 0 ? special[rng() % 5] : static_cast<float>(rng() % 7);  // many ties
  return Tokenizer::from_pieces(pieces, scores);
}

std::string random_text(std::mt19937& rng, int length) {
  const std::vector<std::string> parts{" ", "a", "b", "c", "ab", "\xC3\xA9", "\xE2\x82\xAC", "z", "\xF0\x9F\x98\x80"};
  std::string text;
  for (int i = 0; i < length; ++i) text += parts[rng() % parts.size()];
  return text;
}

TEST(TokenizerMerge, MatchesRunCsLoopOnRandomTokenizersAndTexts) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    const Tokenizer t = random_tokenizer(rng);
    const std::string text = random_text(rng, 1 + static_cast<int>(rng() % 40));
    auto got = t.encode(text, true, false);
    ASSERT_TRUE(got.is_ok()) << got.status().message();
    ASSERT_EQ(got.value(), run_c_encode(t, text)) << "trial " << trial;
  }
}

TEST(TokenizerMerge, MatchesRunCsLoopWithTok512) {
  BFEDGE_REQUIRE_SHARED(shared);
  auto t = Tokenizer::load((shared / "models/tok512.bin").string());
  ASSERT_TRUE(t.is_ok());
  std::mt19937 rng(11);
  const std::vector<std::string> words{"Once", " upon", " a", " time", ",", " there", " was", " little", "girl",
                                       " named", " Lily", ".", " She", " loved", "\n", "  ", "é", "xyz", "!"};
  for (int trial = 0; trial < 200; ++trial) {
    std::string text;
    const int n = 1 + static_cast<int>(rng() % 30);
    for (int i = 0; i < n; ++i) text += words[rng() % words.size()];
    auto got = t.value().encode(text, true, false);
    ASSERT_TRUE(got.is_ok());
    ASSERT_EQ(got.value(), run_c_encode(t.value(), text)) << text;
  }
}

TEST(TokenizerMerge, AHundredKilobytePromptEncodes) {
  std::mt19937 rng(3);
  const Tokenizer t = random_tokenizer(rng);
  const std::string text = random_text(rng, 56000);  // ~100 KB
  ASSERT_GT(text.size(), 90000u);
  auto got = t.encode(text, true, false);
  ASSERT_TRUE(got.is_ok());
  EXPECT_GT(got.value().size(), 1u);
}

}  // namespace
}  // namespace bfedge::io
