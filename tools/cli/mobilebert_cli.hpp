// What `classify` and `eval` share: their options, loading a MobileBERT directory (config.json,
// model.safetensors, vocab.txt) and predicting labels for texts in padded batches.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "bfedge/io/sentence_dataset.hpp"
#include "bfedge/io/wordpiece.hpp"
#include "mobilebert_classifier.hpp"

namespace bfedge::cli {

inline constexpr int kMaxBatch = 4096;  // --batch

struct MobileBertOptions {
  std::string dir;
  int max_length = 128;
  int batch = 32;
  std::string dtype = "f32";
  int threads = 1;
  bool json = false;
};
// The positional DIR and --max-length, --batch, --dtype, --threads, --json.
void add_mobilebert_options(CLI::App& command, MobileBertOptions& options);

struct LoadedClassifier {
  std::unique_ptr<MobileBertClassifier> model;
  io::WordPieceTokenizer tokenizer;
  int max_length;                   // --max-length, at most the model's max_position_embeddings
  std::vector<std::string> labels;  // config id2label, else "0", "1", ...
};

// Checks the options, then loads dir/vocab.txt and the model. A missing file is named; a vocabulary
// with ids the model's embeddings do not have is refused.
Result<LoadedClassifier> load_classifier(const MobileBertOptions& options);

// Every label of the first `count` examples must be one a model with `num_labels` predicts: the
// first that is not is named by file and line ("dev.tsv:3: label 5 is outside the model's labels
// 0..1"); `whose` names the model ("the model's", "the teacher's").
Status check_labels(const io::SentenceDataset& data, std::size_t count, int num_labels, const std::string& whose);

struct Prediction {
  int label = 0;
  std::vector<float> logits;          // num_labels
  std::vector<double> probabilities;  // softmax of the logits
  int tokens = 0;                     // ids fed to the model, [CLS] and [SEP] included
  bool truncated = false;             // the text had more pieces than max_length allows
};

// The predictions for `texts` (valid UTF-8), encoded and padded to the longest as one batch (HF's
// padding="longest"). The batch's composition matters a little: the last real token's trigram
// sees the [PAD] embedding (models/mobilebert.hpp).
Result<std::vector<Prediction>> predict(const LoadedClassifier& c, std::span<const std::string> texts);

// The model inputs of an encoded batch (token types all 0), viewing `b`.
inline models::MobileBertInputs inputs_of(const io::WordPieceBatch& b) {
  return {b.ids, b.attention_mask, {}, b.rows, b.length};
}
// The predictions of a batch from its logits (b.rows × num_labels).
std::vector<Prediction> predictions_from(const io::WordPieceBatch& b, std::span<const float> logits, int num_labels);

}  // namespace bfedge::cli
