#include "bfedge/train/mobilebert_trainer.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>

#include "bfedge/io/file.hpp"
#include "bfedge/train/mobilebert_export.hpp"
#include "bfedge/train/mobilebert_module.hpp"
#include "sentence_batches.hpp"
#include "train_progress.hpp"
#include "training_loop.hpp"

namespace bfedge::train {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// The settings a resumed run must share with the run it continues.
json run_fingerprint(const MobileBertTrainOptions& o) {
  return {{"config", json::parse(models::mobilebert_config_json(o.config))},
          {"train", fs::absolute(o.train_path).string()},
          {"epochs", o.epochs},
          {"batch_size", o.batch_size},
          {"learning_rate", o.learning_rate},
          {"warmup_ratio", o.warmup_ratio},
          {"weight_decay", o.weight_decay},
          {"max_grad_norm", o.max_grad_norm},
          {"max_length", o.max_length},
          {"seed", o.seed},
          {"limit_train", o.limit_train}};
}

LoopSettings loop_settings(const MobileBertTrainOptions& o) { return loop_settings_from(o, run_fingerprint(o)); }

torch::Tensor to_tensor(std::vector<std::int64_t>& values, int rows, int length) {
  return torch::from_blob(values.data(), {rows, length}, torch::kLong);
}

class MobileBertTask : public TrainingTask {
 public:
  MobileBertTask(const MobileBertTrainOptions& o, io::WordPieceTokenizer tokenizer, EncodedSentences train,
                 EncodedSentences dev, bool has_dev)
      : o_(o), tokenizer_(std::move(tokenizer)), train_(std::move(train)), dev_(std::move(dev)), has_dev_(has_dev),
        model_(nullptr) {}

  std::shared_ptr<torch::nn::Module> build_model() override {
    model_ = MobileBertClassifier(o_.config);
    return model_.ptr();
  }
  bool no_weight_decay(const std::string& name) const override {
    return name.ends_with(".bias") || name.find("LayerNorm") != std::string::npos;
  }
  long examples() const override { return static_cast<long>(train_.ids.size()); }
  std::vector<std::vector<int>> epoch_batches(int epoch) const override {
    return train::epoch_batches(train_, o_.batch_size, o_.seed, epoch);
  }
  StepOutput step(const std::vector<int>& batch, std::uint64_t) override {
    batch_ = pad_batch(train_, batch, tokenizer_.pad_id());  // a member: the tensors below view it
    PaddedBatch& b = batch_;
    const auto ids = to_tensor(b.ids, b.rows, b.length), mask = to_tensor(b.mask, b.rows, b.length);
    const auto labels = torch::from_blob(b.labels.data(), {b.rows}, torch::kLong);
    const auto logits = model_->forward(ids, mask, torch::zeros_like(ids)).logits;
    return {torch::nn::functional::cross_entropy(logits, labels), logits, labels};
  }
  Status evaluate_and_export(int epoch, json& record, ProgressBar& bar) override;

 private:
  const MobileBertTrainOptions& o_;
  io::WordPieceTokenizer tokenizer_;
  EncodedSentences train_, dev_;
  bool has_dev_;
  MobileBertClassifier model_;
  PaddedBatch batch_;
};

Status MobileBertTask::evaluate_and_export(int epoch, json& record, ProgressBar& bar) {
  if (has_dev_) {
    const int labels = o_.config.num_labels;
    std::vector<std::vector<long>> confusion(labels, std::vector<long>(labels, 0));
    long correct = 0;
    for (const auto& indices : sequential_batches(static_cast<int>(dev_.ids.size()), 64)) {
      PaddedBatch b = pad_batch(dev_, indices, tokenizer_.pad_id());
      const auto ids = to_tensor(b.ids, b.rows, b.length), mask = to_tensor(b.mask, b.rows, b.length);
      const auto predicted = model_->forward(ids, mask, torch::zeros_like(ids)).logits.argmax(1);
      for (int r = 0; r < b.rows; ++r) {
        const long pr = predicted[r].item<long>();
        confusion[static_cast<std::size_t>(b.labels[r])][static_cast<std::size_t>(pr)] += 1;
        correct += pr == b.labels[r];
      }
    }
    const double accuracy = 100.0 * static_cast<double>(correct) / static_cast<double>(dev_.ids.size());
    record["dev_accuracy"] = accuracy;
    record["dev_examples"] = dev_.ids.size();
    record["confusion"] = confusion;
    char text[160];
    std::snprintf(text, sizeof text, "epoch %d: dev accuracy %.2f%% (%ld/%zu) at step %ld, %s elapsed", epoch + 1,
                  accuracy, correct, dev_.ids.size(), record["step"].get<long>(),
                  format_duration(record["elapsed_seconds"].get<double>()).c_str());
    bar.line(text);
  }
  return export_mobilebert(model_, o_.out_dir, o_.vocab_path);
}

}  // namespace

Status train_mobilebert(const MobileBertTrainOptions& o) {
  if (o.epochs < 1 || o.batch_size < 1 || o.max_length < 2 || o.learning_rate <= 0 || o.log_every < 1) {
    return invalid_argument("train: epochs, batch size and log interval must be positive, max length at least 2, "
                            "learning rate above 0");
  }
  auto tokenizer = io::WordPieceTokenizer::load(o.vocab_path);
  if (!tokenizer.is_ok()) return tokenizer.status();
  if (tokenizer.value().vocab_size() != o.config.vocab_size) {
    return invalid_argument(o.vocab_path + ": " + std::to_string(tokenizer.value().vocab_size()) +
                            " tokens, the config's vocab_size is " + std::to_string(o.config.vocab_size));
  }
  if (o.max_length > o.config.max_position_embeddings) {
    return invalid_argument("--max-length " + std::to_string(o.max_length) + " is above max_position_embeddings " +
                            std::to_string(o.config.max_position_embeddings));
  }
  auto train_data = io::load_sentence_dataset(o.train_path);
  if (!train_data.is_ok()) return train_data.status();
  auto train = encode_sentences(train_data.value(), tokenizer.value(), o.max_length, o.config.num_labels, o.limit_train);
  if (!train.is_ok()) return train.status();
  EncodedSentences dev;
  if (!o.dev_path.empty()) {
    auto dev_data = io::load_sentence_dataset(o.dev_path);
    if (!dev_data.is_ok()) return dev_data.status();
    auto encoded = encode_sentences(dev_data.value(), tokenizer.value(), o.max_length, o.config.num_labels);
    if (!encoded.is_ok()) return encoded.status();
    dev = std::move(encoded.value());
  }
  MobileBertTask task(o, std::move(tokenizer.value()), std::move(train.value()), std::move(dev), !o.dev_path.empty());
  return run_training_loop(loop_settings(o), task);
}

}  // namespace bfedge::train
