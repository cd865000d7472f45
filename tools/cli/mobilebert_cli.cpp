#include "mobilebert_cli.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "cli_common.hpp"

namespace bfedge::cli {

void add_mobilebert_options(CLI::App& command, MobileBertOptions& o) {
  command.add_option("dir", o.dir, "Hugging Face MobileBERT directory (config.json, model.safetensors, vocab.txt) or TinyViT "
                     "directory in timm's layout (config.json, model.safetensors)")
      ->required();
  add_integer_option(command, "--max-length", o.max_length, 2, models::kMaxMobileBertDimension,
                     "tokens per text with [CLS] and [SEP]; longer texts are truncated (at most the model's max_position_embeddings)")
      ->default_str(std::to_string(o.max_length));
  add_integer_option(command, "--batch", o.batch, 1, kMaxBatch, "texts per forward pass, padded to the longest")
      ->default_str(std::to_string(o.batch));
  command.add_option("--dtype", o.dtype, "f32 (the FP32 reference) or bf16 (the deployed graph)")->capture_default_str();
  add_integer_option(command, "--threads", o.threads, 1, kMaxThreads, "host threads")
      ->default_str(std::to_string(o.threads));
  command.add_flag("--json", o.json, "print JSON");
}

Result<LoadedClassifier> load_classifier(const MobileBertOptions& o) {
  BFEDGE_RETURN_IF_ERROR(check_file_name("dir", o.dir));
  Result<Dtype> dtype = parse_dtype(o.dtype);
  if (!dtype.is_ok()) return invalid_argument("--dtype: " + dtype.status().message());
  std::error_code ec;
  if (!std::filesystem::exists(o.dir, ec)) return io_error(o.dir + ": no such directory");
  if (!std::filesystem::is_directory(o.dir, ec)) {
    return io_error(o.dir + ": not a directory (expected config.json, model.safetensors and vocab.txt in it)");
  }
  const std::string vocab_path = (std::filesystem::path(o.dir) / "vocab.txt").string();
  Result<io::WordPieceTokenizer> tokenizer = io::WordPieceTokenizer::load(vocab_path);
  if (!tokenizer.is_ok()) return tokenizer.status();
  Result<std::unique_ptr<MobileBertClassifier>> model = load_mobilebert_classifier(o.dir, dtype.value(), o.threads);
  if (!model.is_ok()) return model.status();
  const models::MobileBertConfig& config = model.value()->config();
  if (tokenizer.value().vocab_size() > config.vocab_size) {
    return format_error(vocab_path + ": vocabulary mismatch: " + std::to_string(tokenizer.value().vocab_size()) +
                        " tokens, more than the model's vocab_size " + std::to_string(config.vocab_size));
  }
  std::vector<std::string> labels = config.id2label;
  if (labels.empty()) {
    for (int i = 0; i < config.num_labels; ++i) labels.push_back(std::to_string(i));
  }
  const int max_length = std::min(o.max_length, config.max_position_embeddings);
  return LoadedClassifier{std::move(model).value(), std::move(tokenizer).value(), max_length, std::move(labels)};
}

Result<std::vector<Prediction>> predict(const LoadedClassifier& c, std::span<const std::string> texts) {
  Result<io::WordPieceBatch> batch = c.tokenizer.encode_batch(texts, c.max_length);
  if (!batch.is_ok()) return batch.status();
  const io::WordPieceBatch& b = batch.value();
  Result<std::vector<float>> logits = c.model->logits(inputs_of(b));
  if (!logits.is_ok()) return logits.status();
  return predictions_from(b, logits.value(), c.model->config().num_labels);
}

std::vector<Prediction> predictions_from(const io::WordPieceBatch& b, std::span<const float> logits, int num_labels) {
  const auto labels = static_cast<std::size_t>(num_labels);
  std::vector<Prediction> out(static_cast<std::size_t>(b.rows));
  for (std::size_t r = 0; r < out.size(); ++r) {
    Prediction& p = out[r];
    const auto first = logits.begin() + static_cast<std::ptrdiff_t>(r * labels);
    p.logits.assign(first, first + static_cast<std::ptrdiff_t>(labels));
    p.label = static_cast<int>(std::max_element(p.logits.begin(), p.logits.end()) - p.logits.begin());
    const double top = p.logits[static_cast<std::size_t>(p.label)];
    double sum = 0.0;
    for (const float l : p.logits) sum += std::exp(static_cast<double>(l) - top);
    for (const float l : p.logits) p.probabilities.push_back(std::exp(static_cast<double>(l) - top) / sum);
    const auto row = b.attention_mask.begin() + static_cast<std::ptrdiff_t>(r) * b.length;
    p.tokens = static_cast<int>(std::count(row, row + b.length, 1));
    p.truncated = b.truncated[r];
  }
  return out;
}

Status check_labels(const io::SentenceDataset& data, std::size_t count, int num_labels, const std::string& whose) {
  for (std::size_t i = 0; i < std::min(count, data.examples.size()); ++i) {
    const io::LabeledSentence& e = data.examples[i];
    if (e.label >= num_labels) {
      return format_error(data.path + ":" + std::to_string(e.line) + ": label " + std::to_string(e.label) +
                          " is outside " + whose + " labels 0.." + std::to_string(num_labels - 1));
    }
  }
  return Status::ok();
}

}  // namespace bfedge::cli
