#include "bfedge/train/mobilebert_trainer.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <optional>

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
          {"limit_train", o.limit_train},
          {"init_from", o.init_from.empty() ? "" : fs::absolute(o.init_from).string()},
          {"teacher", o.teacher_dir.empty() ? "" : fs::absolute(o.teacher_dir).string()},
          {"distill_weight", o.distill_weight},
          {"distill_temperature", o.distill_temperature}};
}

LoopSettings loop_settings(const MobileBertTrainOptions& o) { return loop_settings_from(o, run_fingerprint(o)); }

torch::Tensor to_tensor(std::vector<std::int64_t>& values, int rows, int length) {
  return torch::from_blob(values.data(), {rows, length}, torch::kLong);
}

// The teacher of a distillation run: its module (eval mode) and the map from its token ids to the
// student's (the same piece, or the student's [UNK]).
struct MobileBertTeacher {
  MobileBertClassifier model{nullptr};
  std::vector<std::int64_t> student_id;
  int pad_id = 0;
};

class MobileBertTask : public TrainingTask {
 public:
  // `tokenizer` is the student's; with a teacher, `train` holds the teacher's ids.
  MobileBertTask(const MobileBertTrainOptions& o, io::WordPieceTokenizer tokenizer, EncodedSentences train,
                 EncodedSentences dev, bool has_dev, MobileBertClassifier initial, MobileBertTeacher teacher)
      : o_(o), tokenizer_(std::move(tokenizer)), train_(std::move(train)), dev_(std::move(dev)), has_dev_(has_dev),
        model_(std::move(initial)), teacher_(std::move(teacher)) {
    if (!teacher_.model.is_empty()) teacher_.model->eval();
  }

  std::shared_ptr<torch::nn::Module> build_model() override {
    if (model_.is_empty()) model_ = MobileBertClassifier(o_.config);
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
    const bool distill = !teacher_.model.is_empty();
    batch_ = pad_batch(train_, batch, distill ? teacher_.pad_id : tokenizer_.pad_id());  // a member: tensors view it
    PaddedBatch& b = batch_;
    const auto ids = to_tensor(b.ids, b.rows, b.length), mask = to_tensor(b.mask, b.rows, b.length);
    const auto labels = torch::from_blob(b.labels.data(), {b.rows}, torch::kLong);
    if (!distill) {
      const auto logits = model_->forward(ids, mask, torch::zeros_like(ids)).logits;
      return {torch::nn::functional::cross_entropy(logits, labels), logits, labels};
    }
    student_ids_.resize(b.ids.size());
    for (std::size_t i = 0; i < b.ids.size(); ++i) student_ids_[i] = teacher_.student_id[static_cast<std::size_t>(b.ids[i])];
    const auto own = to_tensor(student_ids_, b.rows, b.length);
    const auto logits = model_->forward(own, mask, torch::zeros_like(own)).logits;
    torch::Tensor teacher_logits;
    {
      torch::NoGradGuard no_grad;
      teacher_logits = teacher_.model->forward(ids, mask, torch::zeros_like(ids)).logits;
    }
    const torch::Tensor loss = o_.distill_weight * distillation_loss(logits, teacher_logits, o_.distill_temperature) +
                               (1.0 - o_.distill_weight) * torch::nn::functional::cross_entropy(logits, labels);
    return {loss, logits, labels};
  }
  Status evaluate_and_export(int epoch, json& record, ProgressBar& bar) override;

 private:
  const MobileBertTrainOptions& o_;
  io::WordPieceTokenizer tokenizer_;
  EncodedSentences train_, dev_;
  bool has_dev_;
  MobileBertClassifier model_;
  MobileBertTeacher teacher_;
  PaddedBatch batch_;
  std::vector<std::int64_t> student_ids_;
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

// The teacher of a distillation run and its id map onto the student's vocabulary.
Result<MobileBertTeacher> load_teacher(const std::string& dir, const io::WordPieceTokenizer& student,
                                       const models::MobileBertConfig& run,
                                       std::optional<io::WordPieceTokenizer>& teacher_vocab) {
  Result<MobileBertClassifier> model = import_mobilebert(dir);
  if (!model.is_ok()) return model.status();
  if (model.value()->config().num_labels != run.num_labels) {
    return invalid_argument("--teacher " + dir + ": its model has " + std::to_string(model.value()->config().num_labels) +
                            " labels, the student " + std::to_string(run.num_labels));
  }
  Result<io::WordPieceTokenizer> vocab = io::WordPieceTokenizer::load((fs::path(dir) / "vocab.txt").string());
  if (!vocab.is_ok()) return vocab.status();
  MobileBertTeacher t;
  t.model = std::move(model.value());
  t.pad_id = vocab.value().pad_id();
  for (int id = 0; id < vocab.value().vocab_size(); ++id) {
    const int mine = student.find(vocab.value().token(id));
    t.student_id.push_back(mine >= 0 ? mine : student.unk_id());
  }
  teacher_vocab.emplace(std::move(vocab.value()));
  return t;
}

Status train_mobilebert(const MobileBertTrainOptions& options) {
  MobileBertTrainOptions o = options;
  if (o.epochs < 1 || o.batch_size < 1 || o.max_length < 2 || o.learning_rate <= 0 || o.log_every < 1) {
    return invalid_argument("train: epochs, batch size and log interval must be positive, max length at least 2, "
                            "learning rate above 0");
  }
  if (o.distill_weight < 0 || o.distill_weight > 1 || o.distill_temperature <= 0) {
    return invalid_argument("train mobilebert: the distillation weight must be in [0, 1] and the temperature above 0");
  }
  MobileBertClassifier initial(nullptr);
  if (!o.init_from.empty()) {  // the run trains this model: its config and vocabulary are the run's
    Result<MobileBertClassifier> start = import_mobilebert(o.init_from);
    if (!start.is_ok()) return start.status();
    initial = std::move(start.value());
    o.config = initial->config();
    o.vocab_path = (fs::path(o.init_from) / "vocab.txt").string();
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
  MobileBertTeacher teacher;
  std::optional<io::WordPieceTokenizer> teacher_vocab;
  if (!o.teacher_dir.empty()) {
    Result<MobileBertTeacher> t = load_teacher(o.teacher_dir, tokenizer.value(), o.config, teacher_vocab);
    if (!t.is_ok()) return t.status();
    teacher = std::move(t.value());
  }
  const io::WordPieceTokenizer& train_tokenizer = teacher_vocab ? *teacher_vocab : tokenizer.value();
  auto train_data = io::load_sentence_dataset(o.train_path);
  if (!train_data.is_ok()) return train_data.status();
  if (const std::string note = io::windows1252_note(train_data.value()); !note.empty()) std::fprintf(stderr, "bfedge: note: %s\n", note.c_str());
  auto train = encode_sentences(train_data.value(), train_tokenizer, o.max_length, o.config.num_labels, o.limit_train);
  if (!train.is_ok()) return train.status();
  EncodedSentences dev;
  if (!o.dev_path.empty()) {
    auto dev_data = io::load_sentence_dataset(o.dev_path);
    if (!dev_data.is_ok()) return dev_data.status();
    if (const std::string note = io::windows1252_note(dev_data.value()); !note.empty()) std::fprintf(stderr, "bfedge: note: %s\n", note.c_str());
    auto encoded = encode_sentences(dev_data.value(), tokenizer.value(), o.max_length, o.config.num_labels);
    if (!encoded.is_ok()) return encoded.status();
    dev = std::move(encoded.value());
  }
  MobileBertTask task(o, std::move(tokenizer.value()), std::move(train.value()), std::move(dev), !o.dev_path.empty(),
                      std::move(initial), std::move(teacher));
  return run_training_loop(loop_settings(o), task);
}

}  // namespace bfedge::train
