// Task vocabularies: the union of the texts' ids with the specials; the smaller vocab.txt; ids mapped.
#include "bfedge/prune/vocabulary.hpp"

#include <algorithm>
#include <set>

namespace bfedge::prune {

Result<std::vector<int>> task_vocabulary(const io::WordPieceTokenizer& t, std::span<const std::string> texts) {
  std::set<int> used = {t.pad_id(), t.unk_id(), t.cls_id(), t.sep_id()};
  if (t.mask_id() >= 0) used.insert(t.mask_id());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    Result<std::vector<int>> ids = t.ids(texts[i]);
    if (!ids.is_ok()) return invalid_argument("text " + std::to_string(i) + ": " + ids.status().message());
    used.insert(ids.value().begin(), ids.value().end());
  }
  return std::vector<int>(used.begin(), used.end());
}

std::string pruned_vocab_text(const io::WordPieceTokenizer& t, const std::vector<int>& keep) {
  std::string text;
  for (int id : keep) text += t.token(id) + "\n";
  return text;
}

std::vector<int> student_id_map(const io::WordPieceTokenizer& teacher, const std::vector<int>& keep) {
  const auto rank = [&](int id) { return static_cast<int>(std::lower_bound(keep.begin(), keep.end(), id) - keep.begin()); };
  std::vector<int> map(static_cast<std::size_t>(teacher.vocab_size()), rank(teacher.unk_id()));
  for (int id : keep) map[static_cast<std::size_t>(id)] = rank(id);
  return map;
}

}  // namespace bfedge::prune
