// bfedge eval on a TinyViT folder: accuracy on CIFAR-10 or Fashion-MNIST (a split of it), the
// confusion matrix with the class names, images/s, and with --compare the other forward pass's
// accuracy, the agreement and the NMSE of each named hidden state and of the logits.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bfedge/io/image_dataset.hpp"
#include "bfedge/io/image_transform.hpp"
#include "bfedge/models/tinyvit_datasets.hpp"
#include "cli_common.hpp"
#include "eval_comparison.hpp"
#include "tinyvit_classifier.hpp"
#include "tinyvit_cli.hpp"

namespace bfedge::cli {
namespace {

constexpr const char* kCifar10Dir = "../shared/data/cifar10-jpg";  // as `train tinyvit`

struct EvalResult {
  std::int64_t correct = 0;
  std::vector<std::vector<std::int64_t>> confusion;  // [true][predicted]
  double seconds = 0.0;
};

// --data: a dataset name (its default folder) or a path. A path is Fashion-MNIST when it holds
// the IDX files, else CIFAR-10 (an archive, a folder of archives or an extracted tree).
}  // namespace

Result<io::ImageDataset> load_dataset(const std::string& data, const std::string& split) {
  namespace fs = std::filesystem;
  const io::LoadReporter reporter = io::stderr_reporter("bfedge eval: " + data + " " + split);
  auto name = models::parse_image_dataset_name(data);
  if (name.is_ok()) {
    if (name.value() == models::ImageDatasetName::cifar10)
      return io::load_cifar10(kCifar10Dir, split, {}, reporter);
    return io::load_fashion_mnist(io::kFashionMnistDir, split, {}, reporter);
  }
  std::error_code ec;
  if (!fs::exists(data, ec)) {
    return invalid_argument("--data '" + data +
                            "' is neither cifar10, fashion-mnist nor an existing path");
  }
  if (fs::exists(fs::path(data) / "t10k-images-idx3-ubyte.gz", ec) ||
      fs::exists(fs::path(data) / "train-images-idx3-ubyte.gz", ec)) {
    return io::load_fashion_mnist(data, split, {}, reporter);
  }
  return io::load_cifar10(data, split, {}, reporter);
}

// The images must be the model's size and channels, the labels its classes.
Status check_dataset(const io::ImageDataset& d, const std::string& data,
                     const models::TinyVitConfig& c) {
  if (d.height != c.image_height || d.width != c.image_width || d.channels != c.in_chans) {
    return invalid_argument(data + ": " + std::to_string(d.height) + "×" + std::to_string(d.width) +
                            "×" + std::to_string(d.channels) + " images; the model takes " +
                            std::to_string(c.image_height) + "×" + std::to_string(c.image_width) +
                            "×" + std::to_string(c.in_chans));
  }
  if (d.class_names.size() > static_cast<std::size_t>(c.num_classes)) {
    return invalid_argument(data + ": " + std::to_string(d.class_names.size()) +
                            " classes; the model has " + std::to_string(c.num_classes));
  }
  return Status::ok();
}

namespace {

int argmax(const std::vector<float>& logits, std::size_t row, std::size_t classes) {
  const auto first = logits.begin() + static_cast<std::ptrdiff_t>(row * classes);
  return static_cast<int>(std::max_element(first, first + static_cast<std::ptrdiff_t>(classes)) -
                          first);
}

// With --limit N, every (size / N)-th image, as `train tinyvit --limit-test N` takes them: the
// splits are sorted by class, so the first N would be one or two classes.
std::vector<std::size_t> selected_images(std::size_t size, std::size_t count) {
  std::vector<std::size_t> out(count);
  for (std::size_t i = 0; i < count; ++i) out[i] = i * size / count;
  return out;
}

Result<EvalResult> evaluate(const ImageClassifier& model, const io::ImageDataset& d,
                            const std::vector<std::size_t>& selected, std::size_t batch,
                            bool progress, const ImageClassifier* other, Comparison& cmp,
                            std::vector<std::string>& hidden_names) {
  const models::TinyVitConfig& c = model.config();
  const auto classes = static_cast<std::size_t>(c.num_classes);
  const io::ChannelStats stats = channel_stats_of(c);
  EvalResult r;
  r.confusion.assign(classes, std::vector<std::int64_t>(classes, 0));
  const auto start = std::chrono::steady_clock::now();
  const std::size_t count = selected.size();
  std::vector<std::size_t> indices;
  std::vector<float> images;
  for (std::size_t first = 0; first < count; first += batch) {
    const std::size_t n = std::min(batch, count - first);
    indices.resize(n);
    for (std::size_t i = 0; i < n; ++i) indices[i] = selected[first + i];
    images.resize(n * d.image_bytes());
    BFEDGE_RETURN_IF_ERROR(
        io::make_image_batch(d, indices, stats, io::TensorLayout::hwc, nullptr, nullptr, images));
    auto ours = model.forward(images, static_cast<int>(n), other != nullptr);
    if (!ours.is_ok()) return ours.status();
    models::TinyVitOutputs theirs;
    if (other != nullptr) {
      auto out = other->forward(images, static_cast<int>(n), true);
      if (!out.is_ok())
        return Status(out.status().code(), other->name() + ": " + out.status().message());
      theirs = std::move(out).value();
      const auto& h = ours.value().hidden_states;
      hidden_names = ours.value().hidden_names;
      for (std::size_t l = 0; l < std::min(h.size(), theirs.hidden_states.size()); ++l) {
        cmp.add(l, h[l], theirs.hidden_states[l]);
      }
      cmp.add(h.size(), ours.value().logits, theirs.logits);
    }
    for (std::size_t i = 0; i < n; ++i) {
      const int truth = d.labels[indices[i]], predicted = argmax(ours.value().logits, i, classes);
      r.correct += truth == predicted;
      ++r.confusion[static_cast<std::size_t>(truth)][static_cast<std::size_t>(predicted)];
      if (other != nullptr) {
        const int their_label = argmax(theirs.logits, i, classes);
        cmp.correct += their_label == truth;
        cmp.agree += their_label == predicted;
      }
    }
    if (progress) std::fprintf(stderr, "\rbfedge eval: %zu/%zu images", first + n, count);
  }
  if (progress) std::fprintf(stderr, "\r\033[K");
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

nlohmann::ordered_json comparison_json(const ImageClassifier& other, const Comparison& cmp,
                                       std::size_t count, const std::vector<std::string>& names) {
  const std::vector<double> nmse = cmp.nmse();
  nlohmann::ordered_json j;
  j["with"] = other.name();
  j["accuracy"] = 100.0 * static_cast<double>(cmp.correct) / static_cast<double>(count);
  j["agreement"] = 100.0 * static_cast<double>(cmp.agree) / static_cast<double>(count);
  j["hidden_states"] = names;
  j["hidden_state_nmse"] =
      std::vector<double>(nmse.begin(), nmse.end() - 1);  // in the order of hidden_states
  j["logits_nmse"] = nmse.back();
  return j;
}

void print_comparison(const ImageClassifier& model, const nlohmann::ordered_json& j,
                      double accuracy) {
  const std::string with = j["with"].get<std::string>();
  std::printf("\ncompared with %s on the same batches\n", with.c_str());
  std::printf("%-12s %.2f %% (%s %.2f %%, difference %+.2f points)\n", "accuracy",
              j["accuracy"].get<double>(), model.name().c_str(), accuracy,
              accuracy - j["accuracy"].get<double>());
  std::printf("%-12s %.2f %% of images get the same label\n", "agreement",
              j["agreement"].get<double>());
  std::printf("NMSE of %s against %s (sum of squared differences / sum of squares):\n",
              model.name().c_str(), with.c_str());
  const auto& names = j["hidden_states"];
  const auto& nmse = j["hidden_state_nmse"];
  std::size_t width = 14;
  for (const auto& n : names) width = std::max(width, n.get<std::string>().size());
  double worst = 0;
  for (std::size_t l = 0; l < nmse.size() && l < names.size(); ++l) {
    worst = std::max(worst, nmse[l].get<double>());
    std::printf("  %-*s %.3e\n", static_cast<int>(width), names[l].get<std::string>().c_str(),
                nmse[l].get<double>());
  }
  std::printf("  %-*s %.3e\n  %-*s %.3e\n", static_cast<int>(width), "logits",
              j["logits_nmse"].get<double>(), static_cast<int>(width), "worst state", worst);
}

void print_confusion(const std::vector<std::string>& labels, const EvalResult& r) {
  int width = 8;
  for (const std::string& l : labels) width = std::max(width, static_cast<int>(l.size()) + 1);
  std::printf("%-*s", width, "");
  for (const std::string& l : labels) std::printf("%*s", width, l.c_str());
  std::printf("\n");
  for (std::size_t t = 0; t < labels.size(); ++t) {
    std::printf("%-*s", width, labels[t].c_str());
    for (const std::int64_t n : r.confusion[t])
      std::printf("%*lld", width, static_cast<long long>(n));
    std::printf("\n");
  }
}

Result<std::unique_ptr<ImageClassifier>> load_compared(const TinyVitEvalOptions& o) {
  const auto& m = o.model;
  if (o.compare == "torch") return load_torch_tinyvit_classifier(m.dir, Dtype::f32, m.threads);
  if (o.compare == "torch-bf16")
    return load_torch_tinyvit_classifier(m.dir, Dtype::bf16, m.threads);
  return load_tinyvit_classifier(m.dir, o.compare == "bf16" ? Dtype::bf16 : Dtype::f32, m.threads);
}

}  // namespace

int run_tinyvit_eval(const TinyVitEvalOptions& o) {
  Result<Dtype> dtype = parse_dtype(o.model.dtype);
  if (!dtype.is_ok()) return report_error("--dtype: " + dtype.status().message(), kExitUsageError);
  if (o.split != "test" && o.split != "train") {
    return report_error("--split '" + o.split + "' is not test or train", kExitUsageError);
  }
  Result<std::unique_ptr<ImageClassifier>> loaded =
      load_tinyvit_classifier(o.model.dir, dtype.value(), o.model.threads);
  if (!loaded.is_ok()) return report_error(loaded.status());
  const ImageClassifier& model = *loaded.value();
  const models::TinyVitConfig& c = model.config();
  Result<io::ImageDataset> data = load_dataset(o.data, o.split);
  if (!data.is_ok()) return report_error(data.status());
  const io::ImageDataset& d = data.value();
  if (Status s = check_dataset(d, o.data, c); !s.is_ok()) return report_error(s);
  const std::size_t count =
      std::min(d.size(), o.limit ? static_cast<std::size_t>(*o.limit) : d.size());
  if (count == 0) return report_error(o.data + ": no images in the " + o.split + " split");

  std::unique_ptr<ImageClassifier> other;
  if (!o.compare.empty()) {
    auto loaded_other = load_compared(o);
    if (!loaded_other.is_ok())
      return report_error("--compare " + o.compare + ": " + loaded_other.status().message());
    other = std::move(loaded_other).value();
  }
  Comparison cmp;
  std::vector<std::string> hidden_names;
  Result<EvalResult> result =
      evaluate(model, d, selected_images(d.size(), count), static_cast<std::size_t>(o.model.batch),
               isatty(STDERR_FILENO) == 1, other.get(), cmp, hidden_names);
  if (!result.is_ok()) return report_error(o.model.dir + ": " + result.status().message());
  const EvalResult& r = result.value();
  const std::vector<std::string> labels = class_names_of(c);
  const double accuracy = 100.0 * static_cast<double>(r.correct) / static_cast<double>(count);
  const double per_second = r.seconds > 0.0 ? static_cast<double>(count) / r.seconds : 0.0;
  nlohmann::ordered_json cmp_json;
  if (other) cmp_json = comparison_json(*other, cmp, count, hidden_names);
  if (o.model.json) {
    nlohmann::ordered_json j = {{"model", o.model.dir},   {"architecture", c.architecture},
                                {"data", o.data},         {"split", o.split},
                                {"dtype", o.model.dtype}, {"examples", count},
                                {"correct", r.correct},   {"accuracy", accuracy},
                                {"labels", labels},       {"confusion", r.confusion},
                                {"seconds", r.seconds},   {"examples_per_second", per_second},
                                {"batch", o.model.batch}};
    if (other) j["compare"] = cmp_json;
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  std::printf("%-12s %s (%s, %s, %d×%d×%d images, batch %d)\n", "model", o.model.dir.c_str(),
              model.name().c_str(), c.architecture.c_str(), c.image_height, c.image_width,
              c.in_chans, o.model.batch);
  std::printf("%-12s %s (%s split)\n%-12s %zu\n", "data", o.data.c_str(), o.split.c_str(),
              "examples", count);
  std::printf("%-12s %.2f %% (%lld correct)\n", "accuracy", accuracy,
              static_cast<long long>(r.correct));
  std::printf("%-12s %.1f\n\nconfusion (rows: true label, columns: predicted)\n", "images/s",
              per_second);
  print_confusion(labels, r);
  if (other) print_comparison(model, cmp_json, accuracy);
  return 0;
}

}  // namespace bfedge::cli
