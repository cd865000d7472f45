#include "bfedge/io/sentence_dataset.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "support/test_support.hpp"

namespace bfedge::io {
namespace {

std::string error_of(std::string_view text) {
  auto result = parse_sentence_dataset(text, "d.tsv");
  EXPECT_FALSE(result.is_ok()) << "parsed: " << text;
  return result.is_ok() ? "" : result.status().message();
}

TEST(SentenceDataset, GlueTsvFindsColumnsByName) {
  auto result = parse_sentence_dataset("sentence\tlabel\r\na fine film\t1\r\ndull\t0\n", "d.tsv");
  ASSERT_TRUE(result.is_ok()) << result.status().message();
  const auto& d = result.value();
  ASSERT_EQ(d.examples.size(), 2u);
  EXPECT_EQ(d.examples[0].text, "a fine film");
  EXPECT_EQ(d.examples[0].label, 1);
  EXPECT_EQ(d.examples[1].text, "dull");
  EXPECT_EQ(d.examples[1].label, 0);
  EXPECT_EQ(d.examples[0].line, 2);  // after the header
  EXPECT_EQ(d.examples[1].line, 3);
  EXPECT_EQ(d.num_labels, 2);
}

TEST(SentenceDataset, ContentColumnAndLabelFirst) {
  auto tsv = parse_sentence_dataset("label\tcontent\n4\tgreat\n", "d.tsv");
  ASSERT_TRUE(tsv.is_ok()) << tsv.status().message();
  EXPECT_EQ(tsv.value().examples[0].text, "great");
  EXPECT_EQ(tsv.value().num_labels, 5);
  auto plain = parse_sentence_dataset("0 one long string of cliches .\n5 What ?", "TREC.all");
  ASSERT_TRUE(plain.is_ok()) << plain.status().message();
  ASSERT_EQ(plain.value().examples.size(), 2u);
  EXPECT_EQ(plain.value().examples[0].text, "one long string of cliches .");
  EXPECT_EQ(plain.value().examples[1].label, 5);
  EXPECT_EQ(plain.value().examples[1].line, 2);
  EXPECT_EQ(plain.value().num_labels, 6);
}

TEST(SentenceDataset, BadLinesNameFileAndLine) {
  EXPECT_EQ(error_of(""), "d.tsv: the dataset is empty");
  EXPECT_EQ(error_of("label\tsentence\n"), "d.tsv: the dataset has a header but no examples");
  EXPECT_EQ(error_of("label\tsentence\n1\tok\nx\tbad\n"), "d.tsv:3: label 'x' is not an integer");
  EXPECT_EQ(error_of("label\tsentence\n-1\tbad\n"), "d.tsv:2: label -1 is outside 0..65535");
  EXPECT_EQ(error_of("label\tsentence\n1\tok\t3\n"), "d.tsv:2: 3 tab-separated fields, the header has 2");
  EXPECT_EQ(error_of("label\tsentence\n1\t\n"), "d.tsv:2: the text is empty");
  EXPECT_EQ(error_of("label\tsentence\n1\tok\n\n1\tok\n"), "d.tsv:3: empty line");
  EXPECT_EQ(error_of("lab\tsentence\n1\tok\n"), "d.tsv:1: the header has no 'label' column");
  EXPECT_EQ(error_of("label\tsent\n1\tok\n"), "d.tsv:1: the header has no 'sentence', 'content' or 'text' column");
  EXPECT_EQ(error_of("1 ok\nnolabel\n"), "d.tsv:2: expected 'LABEL TEXT'");
  EXPECT_EQ(error_of("1 ok\n2x fine\n"), "d.tsv:2: label '2x' is not an integer");
}

TEST(SentenceDataset, TextThatIsNotUtf8IsReadAsWindows1252AndListed) {
  auto result = parse_sentence_dataset(
      "1 fine\n4 sister\xf0" "city caf\xe9\n0 na\xc3\xafve\n0 \x85the end \x96 it\x92s\x81\n", "d.all");
  ASSERT_TRUE(result.is_ok()) << result.status().message();
  const auto& d = result.value();
  ASSERT_EQ(d.examples.size(), 4u);
  EXPECT_EQ(d.examples[1].text, "sister\xc3\xb0" "city caf\xc3\xa9");  // U+00F0, U+00E9
  EXPECT_EQ(d.examples[2].text, "na\xc3\xafve");                    // valid UTF-8 is kept as it is
  // U+2026 "…", U+2013 "–", U+2019 "’"; 0x81 (undefined in Windows-1252) stays U+0081.
  EXPECT_EQ(d.examples[3].text, "\xe2\x80\xa6the end \xe2\x80\x93 it\xe2\x80\x99s\xc2\x81");
  EXPECT_EQ(d.windows1252_lines, (std::vector<int>{2, 4}));
  EXPECT_EQ(windows1252_note(d), "d.all: 2 lines are not valid UTF-8 and were read as Windows-1252 (line 2 first)");
  auto clean = parse_sentence_dataset("1 fine\n", "d.all");
  ASSERT_TRUE(clean.is_ok());
  EXPECT_EQ(windows1252_note(clean.value()), "");
}

TEST(SentenceDataset, ReadsTrecFromShared) {
  BFEDGE_REQUIRE_SHARED(shared);
  const auto train = shared / "data/sentence-classification/TREC.train.all";
  if (!std::filesystem::exists(train)) GTEST_SKIP() << train << " absent: skipped";
  auto result = load_sentence_dataset(train.string());
  ASSERT_TRUE(result.is_ok()) << result.status().message();
  EXPECT_EQ(result.value().examples.size(), 5452u);
  EXPECT_EQ(result.value().num_labels, 6);
  EXPECT_EQ(result.value().windows1252_lines, std::vector<int>{66});  // "sister\xf0city"
}

TEST(SentenceDataset, MissingFileNamesIt) {
  auto result = load_sentence_dataset("/nonexistent/dev.tsv");
  ASSERT_FALSE(result.is_ok());
  EXPECT_NE(result.status().message().find("/nonexistent/dev.tsv"), std::string::npos);
}

TEST(SentenceDataset, ReadsSst2FromShared) {
  BFEDGE_REQUIRE_SHARED(shared);
  const auto dev = shared / "data/sst2-glue/dev.tsv";
  if (!std::filesystem::exists(dev)) GTEST_SKIP() << dev << " absent: skipped";
  auto result = load_sentence_dataset(dev.string());
  ASSERT_TRUE(result.is_ok()) << result.status().message();
  EXPECT_EQ(result.value().examples.size(), 872u);  // GLUE SST-2 dev
  EXPECT_EQ(result.value().num_labels, 2);
}

}  // namespace
}  // namespace bfedge::io
