#include "sentence_batches.hpp"

#include <algorithm>
#include <numeric>
#include <random>

namespace bfedge::train {

Result<EncodedSentences> encode_sentences(const io::SentenceDataset& data, const io::WordPieceTokenizer& tokenizer,
                                          int max_length, int num_labels, int limit) {
  EncodedSentences out;
  const std::size_t size = data.examples.size();
  const std::size_t count = limit > 0 ? static_cast<std::size_t>(limit) : size;
  for (std::size_t i = 0; i < std::min(count, size); ++i) {
    const io::LabeledSentence& e = data.examples[i];
    if (e.label >= num_labels) {
      return invalid_argument(data.path + ": example " + std::to_string(i + 1) + " has label " +
                              std::to_string(e.label) + ", the model has " + std::to_string(num_labels) + " labels");
    }
    auto encoded = tokenizer.encode(e.text, max_length);
    if (!encoded.is_ok()) return format_error(data.path + ": example " + std::to_string(i + 1) + ": " + encoded.status().message());
    out.truncated += encoded.value().truncated ? 1 : 0;
    out.ids.push_back(std::move(encoded.value().ids));
    out.labels.push_back(e.label);
  }
  for (std::size_t i = size; i < count && size > 0; ++i) {  // a set smaller than the limit, repeated
    out.ids.push_back(out.ids[i % size]);
    out.labels.push_back(out.labels[i % size]);
  }
  return out;
}

std::vector<std::vector<int>> epoch_batches(const EncodedSentences& data, int batch_size, std::uint64_t seed, int epoch) {
  std::vector<int> order(data.ids.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + static_cast<std::uint64_t>(epoch) + 1);
  std::shuffle(order.begin(), order.end(), rng);
  const std::size_t chunk = static_cast<std::size_t>(batch_size) * kChunkBatches;
  std::vector<std::vector<int>> batches;
  for (std::size_t begin = 0; begin < order.size(); begin += chunk) {
    const auto first = order.begin() + static_cast<std::ptrdiff_t>(begin);
    const auto last = order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), begin + chunk));
    std::stable_sort(first, last, [&](int a, int b) { return data.ids[a].size() > data.ids[b].size(); });
    for (auto it = first; it < last; it += std::min<std::ptrdiff_t>(batch_size, last - it)) {
      batches.emplace_back(it, std::min(it + batch_size, last));
    }
  }
  std::shuffle(batches.begin(), batches.end(), rng);
  return batches;
}

std::vector<std::vector<int>> sequential_batches(int count, int batch_size) {
  std::vector<std::vector<int>> batches;
  for (int begin = 0; begin < count; begin += batch_size) {
    batches.emplace_back();
    for (int i = begin; i < std::min(count, begin + batch_size); ++i) batches.back().push_back(i);
  }
  return batches;
}

PaddedBatch pad_batch(const EncodedSentences& data, const std::vector<int>& indices, int pad_id) {
  PaddedBatch b;
  b.rows = static_cast<int>(indices.size());
  for (int i : indices) b.length = std::max(b.length, static_cast<int>(data.ids[i].size()));
  const std::size_t cells = static_cast<std::size_t>(b.rows) * static_cast<std::size_t>(b.length);
  b.ids.assign(cells, pad_id);
  b.mask.assign(cells, 0);
  for (std::size_t r = 0; r < indices.size(); ++r) {
    const auto& ids = data.ids[indices[r]];
    for (std::size_t t = 0; t < ids.size(); ++t) {
      b.ids[r * b.length + t] = ids[t];
      b.mask[r * b.length + t] = 1;
    }
    b.labels.push_back(data.labels[indices[r]]);
  }
  return b;
}

}  // namespace bfedge::train
