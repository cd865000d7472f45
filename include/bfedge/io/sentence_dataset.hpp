// Labelled sentences for text classification, in the two layouts found in ../shared/data:
//
//   GLUE TSV (sst2-glue/train.tsv, dev.tsv): a header line of tab-separated column names, then one
//     example per line with the same number of tab-separated fields. The label column is named
//     "label"; the text column is the first of "sentence", "content", "text" present.
//   Label-first text (harvardnlp sentence-classification/*.all, stsa.*): "LABEL TEXT" per line,
//     the label an integer, one space, then the text. Chosen when the first line has no tab.
//
// Labels are integers in [0, kMaxSentenceLabels). Lines end with "\n" (one "\r" before it is
// dropped); a final empty line is allowed, any other empty line is an error. The text must be
// non-empty. A text that is not valid UTF-8 is read as Windows-1252, Latin-1 with typographic
// marks at 0x80-0x9F (the harvardnlp files mix them with UTF-8: TREC.train.all line 66, 202 lines
// of rt-polarity.all with "\x85" for "…"), and its line is listed. Every error is one line naming the file, the 1-based line number and
// the problem ("data/dev.tsv:17: label 'x' is not an integer").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bfedge/core/status.hpp"

namespace bfedge::io {

inline constexpr int kMaxSentenceLabels = 1 << 16;
inline constexpr std::uint64_t kMaxSentenceDatasetBytes = std::uint64_t{1} << 30;

struct LabeledSentence {
  std::string text;
  int label = 0;
  int line = 0;  // 1-based line number in the file, for errors found later (a label a model lacks)
};

struct SentenceDataset {
  std::string path;
  std::vector<LabeledSentence> examples;
  int num_labels = 0;  // 1 + the largest label seen
  std::vector<int> windows1252_lines;  // 1-based lines that were not UTF-8, read as Windows-1252
};

// Parses a dataset held in memory; `name` (a path) prefixes every error.
Result<SentenceDataset> parse_sentence_dataset(std::string_view text, const std::string& name);

// One line saying which lines were read as Windows-1252 ("" when none), for a note to the user.
std::string windows1252_note(const SentenceDataset& dataset);

// Reads and parses a dataset file (at most kMaxSentenceDatasetBytes).
Result<SentenceDataset> load_sentence_dataset(const std::string& path);

}  // namespace bfedge::io
