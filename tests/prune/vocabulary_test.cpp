// Vocabulary pruning: the task's ids, the smaller vocab.txt and the id map, checked by tokenizing
// with the smaller vocab.txt: the teacher's pieces on the task's texts, and the documented change
// for a word that needs a dropped piece. With ../shared: SST-2's training sentences.
#include <gtest/gtest.h>

#include "bfedge/io/sentence_dataset.hpp"
#include "bfedge/prune/vocabulary.hpp"
#include "support/test_support.hpp"

namespace bfedge::prune {
namespace {

std::vector<int> mapped(const std::vector<int>& map, const std::vector<int>& ids) {
  std::vector<int> out;
  for (int id : ids) out.push_back(map[static_cast<std::size_t>(id)]);
  return out;
}

TEST(PruneVocabulary, TheSmallerVocabTokenizesTheTasksTextsAsTheTeacher) {
  const std::string vocab =
      "[PAD]\n[unused0]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\ncat\nplay\n##ing\n##ed\nun\n##believ\n##able\ndog\n!\n";
  const io::WordPieceTokenizer teacher = io::WordPieceTokenizer::parse(vocab, "vocab.txt").value();
  const std::vector<std::string> texts = {"The cat, playing!", "unbelievable the dog"};
  const std::vector<int> keep = task_vocabulary(teacher, texts).value();
  // [PAD] [UNK] [CLS] [SEP] [MASK] the cat play ##ing un ##believ ##able dog ! — not [unused0] , ##ed
  EXPECT_EQ(keep, (std::vector<int>{0, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15}));
  const io::WordPieceTokenizer student = io::WordPieceTokenizer::parse(pruned_vocab_text(teacher, keep), "small").value();
  EXPECT_EQ(student.vocab_size(), 14);
  EXPECT_EQ(student.pad_id(), 0);
  const std::vector<int> map = student_id_map(teacher, keep);
  for (const std::string& text : texts) {
    EXPECT_EQ(student.ids(text).value(), mapped(map, teacher.ids(text).value())) << text;
  }
  // "played" needs the dropped ##ed: the teacher's pieces map to [play, UNK], the smaller vocab
  // cannot finish the word and gives one [UNK] (BERT's rule for a word it cannot split).
  EXPECT_EQ(mapped(map, teacher.ids("played").value()), (std::vector<int>{7, student.unk_id()}));
  EXPECT_EQ(student.ids("played").value(), (std::vector<int>{student.unk_id()}));
  EXPECT_FALSE(task_vocabulary(teacher, std::vector<std::string>{"ok", "bad \xff byte"}).is_ok());
}

TEST(PruneVocabulary, Sst2TrainingSentencesKeepTheirPieces) {
  BFEDGE_REQUIRE_SHARED(shared);
  const auto teacher = io::WordPieceTokenizer::load((shared / "models/bert-base-uncased-vocab.txt").string());
  ASSERT_TRUE(teacher.is_ok()) << teacher.status().message();
  const auto train = io::load_sentence_dataset((shared / "data/sst2-glue/train.tsv").string());
  ASSERT_TRUE(train.is_ok()) << train.status().message();
  std::vector<std::string> texts;
  for (const io::LabeledSentence& s : train.value().examples) texts.push_back(s.text);
  const std::vector<int> keep = task_vocabulary(teacher.value(), texts).value();
  std::printf("SST-2 train: %zu sentences use %zu of %d pieces\n", texts.size(), keep.size(), teacher.value().vocab_size());
  EXPECT_LT(keep.size(), 20000u);
  const io::WordPieceTokenizer student =
      io::WordPieceTokenizer::parse(pruned_vocab_text(teacher.value(), keep), "small").value();
  const std::vector<int> map = student_id_map(teacher.value(), keep);
  for (std::size_t i = 0; i < texts.size(); i += 7) {  // every 7th sentence: the same pieces
    ASSERT_EQ(student.ids(texts[i]).value(), mapped(map, teacher.value().ids(texts[i]).value())) << texts[i];
  }
}

}  // namespace
}  // namespace bfedge::prune
