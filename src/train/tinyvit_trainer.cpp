#include "bfedge/train/tinyvit_trainer.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <numeric>

#include "bfedge/io/image_dataset.hpp"
#include "bfedge/io/image_transform.hpp"
#include "bfedge/train/tinyvit_export.hpp"
#include "bfedge/train/tinyvit_module.hpp"
#include "train_progress.hpp"
#include "training_loop.hpp"

namespace bfedge::train {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const char* dataset_name(ImageDatasetName d) { return models::image_dataset_name(d); }

const io::ChannelStats& dataset_stats(ImageDatasetName d) {
  return d == ImageDatasetName::cifar10 ? io::kCifar10Stats : io::kFashionMnistStats;
}

json run_fingerprint(const TinyVitTrainOptions& o) {
  return {{"config", json::parse(models::tinyvit_config_json(o.config))},
          {"dataset", dataset_name(o.dataset)},
          {"data", o.data_path.empty() ? "" : fs::absolute(o.data_path).string()},
          {"epochs", o.epochs},
          {"batch_size", o.batch_size},
          {"learning_rate", o.learning_rate},
          {"warmup_ratio", o.warmup_ratio},
          {"weight_decay", o.weight_decay},
          {"max_grad_norm", o.max_grad_norm},
          {"augment", o.augment},
          {"seed", o.seed},
          {"limit_train", o.limit_train},
          {"init_from", o.init_from.empty() ? "" : fs::absolute(o.init_from).string()},
          {"teacher", o.teacher_dir.empty() ? "" : fs::absolute(o.teacher_dir).string()},
          {"distill_weight", o.distill_weight},
          {"distill_temperature", o.distill_temperature}};
}


LoopSettings loop_settings(const TinyVitTrainOptions& o) { return loop_settings_from(o, run_fingerprint(o)); }

class TinyVitTask : public TrainingTask {
 public:
  // `initial` (may be empty) replaces timm's init; `teacher` (may be empty) is distilled from.
  TinyVitTask(const TinyVitTrainOptions& o, io::ImageDataset train, io::ImageDataset test, TinyVitClassifier initial,
              TinyVitClassifier teacher)
      : o_(o), train_(std::move(train)), test_(std::move(test)), model_(std::move(initial)), teacher_(std::move(teacher)) {
    if (!teacher_.is_empty()) teacher_->eval();
  }

  std::shared_ptr<torch::nn::Module> build_model() override {
    if (model_.is_empty()) model_ = TinyVitClassifier(o_.config);
    return model_.ptr();
  }
  bool no_weight_decay(const std::string& name) const override {
    return name.ends_with(".bias") || name.find("norm.") != std::string::npos || name.find(".bn.") != std::string::npos ||
           name.ends_with("attention_biases");
  }
  long examples() const override { return static_cast<long>(train_.labels.size()); }
  std::vector<std::vector<int>> epoch_batches(int epoch) const override {
    std::vector<int> order(train_.labels.size());
    std::iota(order.begin(), order.end(), 0);
    io::SplitMix64 rng(o_.seed * 7919 + static_cast<std::uint64_t>(epoch));
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(static_cast<std::uint32_t>(i))]);
    std::vector<std::vector<int>> batches;
    for (std::size_t at = 0; at < order.size(); at += static_cast<std::size_t>(o_.batch_size)) {
      const std::size_t end = std::min(order.size(), at + static_cast<std::size_t>(o_.batch_size));
      batches.emplace_back(order.begin() + static_cast<long>(at), order.begin() + static_cast<long>(end));
    }
    return batches;
  }
  StepOutput step(const std::vector<int>& batch, std::uint64_t step_seed) override {
    io::SplitMix64 rng(step_seed);
    io::AugmentOptions augment;
    const torch::Tensor images = make_batch(train_, batch, o_.augment ? &augment : nullptr, &rng);
    torch::Tensor labels = labels_of(train_, batch);
    torch::Tensor logits = model_->forward(images).logits;
    torch::Tensor loss = torch::nn::functional::cross_entropy(logits, labels);
    if (!teacher_.is_empty()) {
      torch::Tensor teacher_logits;
      {
        torch::NoGradGuard no_grad;
        teacher_logits = teacher_->forward(images).logits;
      }
      loss = o_.distill_weight * distillation_loss(logits, teacher_logits, o_.distill_temperature) +
             (1.0 - o_.distill_weight) * loss;
    }
    return {loss, logits, labels};
  }
  Status evaluate_and_export(int epoch, json& record, ProgressBar& bar) override;

 private:
  // Normalized (rows, C, H, W) floats of `indices` (augmented when `augment` is given).
  torch::Tensor make_batch(const io::ImageDataset& data, const std::vector<int>& indices, const io::AugmentOptions* augment,
                           io::SplitMix64* rng) {
    const std::vector<std::size_t> at(indices.begin(), indices.end());
    const long rows = static_cast<long>(indices.size());
    torch::Tensor out = torch::empty({rows, data.channels, data.height, data.width}, torch::kFloat);
    const Status made = io::make_image_batch(data, at, dataset_stats(o_.dataset), io::TensorLayout::chw, augment, rng,
                                             std::span<float>(out.data_ptr<float>(), static_cast<std::size_t>(out.numel())));
    if (!made.is_ok()) throw std::runtime_error(made.message());
    return out;
  }
  static torch::Tensor labels_of(const io::ImageDataset& data, const std::vector<int>& indices) {
    torch::Tensor labels = torch::empty({static_cast<long>(indices.size())}, torch::kLong);
    for (std::size_t i = 0; i < indices.size(); ++i) {
      labels[static_cast<long>(i)] = data.labels[static_cast<std::size_t>(indices[i])];
    }
    return labels;
  }

  const TinyVitTrainOptions& o_;
  io::ImageDataset train_, test_;
  TinyVitClassifier model_, teacher_;
};

Status TinyVitTask::evaluate_and_export(int epoch, json& record, ProgressBar& bar) {
  const int classes = o_.config.num_classes;
  std::vector<std::vector<long>> confusion(static_cast<std::size_t>(classes), std::vector<long>(static_cast<std::size_t>(classes), 0));
  long correct = 0;
  const int count = static_cast<int>(test_.labels.size());
  for (int start = 0; start < count; start += 256) {
    std::vector<int> indices(static_cast<std::size_t>(std::min(256, count - start)));
    std::iota(indices.begin(), indices.end(), start);
    const torch::Tensor predicted = model_->forward(make_batch(test_, indices, nullptr, nullptr)).logits.argmax(1);
    for (std::size_t i = 0; i < indices.size(); ++i) {
      const long p = predicted[static_cast<long>(i)].item<long>();
      const int truth = test_.labels[static_cast<std::size_t>(indices[i])];
      confusion[static_cast<std::size_t>(truth)][static_cast<std::size_t>(p)] += 1;
      correct += p == truth;
    }
  }
  const double accuracy = 100.0 * static_cast<double>(correct) / std::max(1, count);
  record["test_accuracy"] = accuracy;
  record["test_examples"] = count;
  record["confusion"] = confusion;
  char text[160];
  std::snprintf(text, sizeof text, "epoch %d: test accuracy %.2f%% (%ld/%d) at step %ld, %s elapsed", epoch + 1, accuracy,
                correct, count, record["step"].get<long>(), format_duration(record["elapsed_seconds"].get<double>()).c_str());
  bar.line(text);
  return export_tinyvit(model_, o_.out_dir);
}

Result<io::ImageDataset> load_split(const TinyVitTrainOptions& o, const std::string& split, int limit) {
  const io::LoadReporter reporter = io::stderr_reporter(std::string(dataset_name(o.dataset)) + " " + split);
  Result<io::ImageDataset> data =
      o.dataset == ImageDatasetName::cifar10
          ? io::load_cifar10(o.data_path.empty() ? "../shared/data/cifar10-jpg" : o.data_path, split, {}, reporter)
          : io::load_fashion_mnist(o.data_path.empty() ? io::kFashionMnistDir : o.data_path, split, {}, reporter);
  if (!data.is_ok() || limit <= 0 || static_cast<std::size_t>(limit) >= data.value().labels.size()) return data;
  // Every (count / limit)-th image: the splits are sorted by class, so a prefix would be one class.
  io::ImageDataset& d = data.value();
  const std::size_t count = d.labels.size(), image = static_cast<std::size_t>(d.height) * d.width * d.channels;
  for (std::size_t i = 0; i < static_cast<std::size_t>(limit); ++i) {
    const std::size_t from = i * count / static_cast<std::size_t>(limit);
    d.labels[i] = d.labels[from];
    std::copy_n(d.pixels.begin() + static_cast<long>(from * image), image, d.pixels.begin() + static_cast<long>(i * image));
  }
  d.labels.resize(static_cast<std::size_t>(limit));
  d.pixels.resize(static_cast<std::size_t>(limit) * image);
  return data;
}

}  // namespace

// A folder's model that must take the run's images and classes; `what` names it in errors.
Result<TinyVitClassifier> import_matching(const std::string& dir, const models::TinyVitConfig& run, const char* what) {
  Result<TinyVitClassifier> model = import_tinyvit(dir);
  if (!model.is_ok()) return model.status();
  const models::TinyVitConfig& c = model.value()->config();
  if (c.num_classes != run.num_classes || c.in_chans != run.in_chans || c.image_height != run.image_height ||
      c.image_width != run.image_width) {
    return invalid_argument(std::string(what) + " " + dir + ": its model takes " + std::to_string(c.image_height) + "x" +
                            std::to_string(c.image_width) + "x" + std::to_string(c.in_chans) + " images and " +
                            std::to_string(c.num_classes) + " classes, the data " + std::to_string(run.image_height) +
                            "x" + std::to_string(run.image_width) + "x" + std::to_string(run.in_chans) + " and " +
                            std::to_string(run.num_classes));
  }
  return model;
}

Status train_tinyvit(const TinyVitTrainOptions& options) {
  TinyVitTrainOptions o = options;
  if (o.distill_weight < 0 || o.distill_weight > 1 || o.distill_temperature <= 0) {
    return invalid_argument("train tinyvit: the distillation weight must be in [0, 1] and the temperature above 0");
  }
  TinyVitClassifier initial(nullptr), teacher(nullptr);
  if (!o.init_from.empty()) {  // the run trains this model: its config is the run's
    Result<TinyVitClassifier> start = import_matching(o.init_from, o.config, "--init-from");
    if (!start.is_ok()) return start.status();
    initial = std::move(start.value());
    o.config = initial->config();
  }
  if (!o.teacher_dir.empty()) {
    Result<TinyVitClassifier> t = import_matching(o.teacher_dir, o.config, "--teacher");
    if (!t.is_ok()) return t.status();
    teacher = std::move(t.value());
  }
  BFEDGE_RETURN_IF_ERROR(models::validate_tinyvit_config(o.config, "--config"));
  BFEDGE_RETURN_IF_ERROR(prepare_output_dir(loop_settings(o)));
  Result<io::ImageDataset> train = load_split(o, "train", o.limit_train);
  if (!train.is_ok()) return train.status();
  Result<io::ImageDataset> test = load_split(o, "test", o.limit_test);
  if (!test.is_ok()) return test.status();
  const io::ImageDataset& t = train.value();
  if (t.height != o.config.image_height || t.width != o.config.image_width || t.channels != o.config.in_chans) {
    return invalid_argument(std::string(dataset_name(o.dataset)) + ": images are " + std::to_string(t.height) + "x" +
                            std::to_string(t.width) + "x" + std::to_string(t.channels) + ", the config takes " +
                            std::to_string(o.config.image_height) + "x" + std::to_string(o.config.image_width) + "x" +
                            std::to_string(o.config.in_chans));
  }
  TinyVitTask task(o, std::move(train.value()), std::move(test.value()), std::move(initial), std::move(teacher));
  try {
    return run_training_loop(loop_settings(o), task);
  } catch (const std::exception& e) {
    return format_error(std::string("train tinyvit: ") + std::string(e.what()).substr(0, 300));
  }
}

}  // namespace bfedge::train
