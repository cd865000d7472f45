// Tokenized sentences and the deterministic batch order of each epoch (no libtorch here).
#pragma once

#include <cstdint>
#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/io/sentence_dataset.hpp"
#include "bfedge/io/wordpiece.hpp"

namespace bfedge::train {

struct EncodedSentences {
  std::vector<std::vector<int>> ids;  // [CLS] … [SEP], at most max_length
  std::vector<int> labels;
  int truncated = 0;                  // sentences cut to max_length
};

// Encodes the examples; labels must be below num_labels (an error names the file and example).
// limit > 0: `limit` sentences, the first ones, or the whole set repeated in order up to `limit`
// when it is smaller (so that a short proxy trains as many steps on a small task as on a large one).
Result<EncodedSentences> encode_sentences(const io::SentenceDataset& data, const io::WordPieceTokenizer& tokenizer,
                                          int max_length, int num_labels, int limit = 0);

// The batches of one epoch as lists of example indices: a permutation from (seed, epoch), cut
// into chunks of kChunkBatches batches, each chunk sorted by length (longest first) and cut into
// batches, then the batches shuffled. Every example appears exactly once.
inline constexpr int kChunkBatches = 50;
std::vector<std::vector<int>> epoch_batches(const EncodedSentences& data, int batch_size, std::uint64_t seed, int epoch);

// Consecutive batches in order (evaluation).
std::vector<std::vector<int>> sequential_batches(int count, int batch_size);

// A padded batch, row-major rows × length (pad_id and mask 0 past each row's end).
struct PaddedBatch {
  int rows = 0;
  int length = 0;
  std::vector<std::int64_t> ids, mask, labels;
};
PaddedBatch pad_batch(const EncodedSentences& data, const std::vector<int>& indices, int pad_id);

}  // namespace bfedge::train
