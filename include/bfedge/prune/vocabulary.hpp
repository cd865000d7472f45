// Pruning MobileBERT's vocabulary to the pieces a task uses (docs/adr/0009): the kept ids, the
// smaller vocab.txt and the id map. Kept ids keep their order, so the student's id of a piece is
// its rank among the kept ones. On every text whose words use only kept pieces, WordPiece over
// the smaller vocab.txt gives the teacher's pieces (longest-match-first finds the same prefix at
// each step: no longer prefix was in the teacher's vocabulary either); a word that needs a dropped
// piece is segmented otherwise or becomes [UNK] (tests/prune/vocabulary_test.cpp shows both).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/io/wordpiece.hpp"

namespace bfedge::prune {

// Every id the tokenizer gives `texts`, plus [PAD], [UNK], [CLS], [SEP] and [MASK] (when the
// vocabulary has it), sorted. Errors: a text that is not UTF-8 (its index and the byte offset).
Result<std::vector<int>> task_vocabulary(const io::WordPieceTokenizer& tokenizer, std::span<const std::string> texts);

// The vocab.txt text of the kept ids (`keep` sorted, in range), one piece per line in kept order.
std::string pruned_vocab_text(const io::WordPieceTokenizer& tokenizer, const std::vector<int>& keep);

// Teacher id → student id: a kept id's rank in `keep`, a dropped one the student's [UNK].
std::vector<int> student_id_map(const io::WordPieceTokenizer& teacher, const std::vector<int>& keep);

}  // namespace bfedge::prune
