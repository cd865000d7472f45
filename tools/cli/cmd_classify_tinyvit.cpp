// bfedge classify on a TinyViT folder: the label of each image file (JPEG or PNG) with its
// softmax probabilities; one line (or one JSON object) per image, in argument order.
//
// Every image is decoded and checked before any is classified, so a bad one is the only line
// printed: it must have the model's channels (io::require_channels: nothing converted) and the
// model's size. bfedge does not resize: a resize is a choice (filter, crop, aspect) the model's
// accuracy depends on, so it is left to the caller's tools.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string>
#include <vector>

#include "bfedge/io/image.hpp"
#include "bfedge/io/image_transform.hpp"
#include "cli_common.hpp"
#include "tinyvit_classifier.hpp"
#include "tinyvit_cli.hpp"

namespace bfedge::cli {
namespace {

constexpr std::size_t kShownClasses = 3;  // the text line's top probabilities

Result<io::Image> read_model_image(const std::string& path, const models::TinyVitConfig& c) {
  Result<io::Image> image = io::read_image(path);
  if (!image.is_ok()) return image.status();
  Result<io::Image> checked = io::require_channels(std::move(image).value(), c.in_chans, path);
  if (!checked.is_ok()) return checked.status();
  const io::Image& i = checked.value();
  if (i.height != c.image_height || i.width != c.image_width) {
    return invalid_argument(path + ": " + std::to_string(i.width) + "×" + std::to_string(i.height) +
                            " pixels; the model takes " + std::to_string(c.image_width) + "×" +
                            std::to_string(c.image_height) + " (bfedge does not resize)");
  }
  return checked;
}

std::vector<double> softmax(std::span<const float> logits) {
  const double top = *std::max_element(logits.begin(), logits.end());
  std::vector<double> p;
  double sum = 0.0;
  for (const float l : logits) sum += std::exp(static_cast<double>(l) - top);
  for (const float l : logits) p.push_back(std::exp(static_cast<double>(l) - top) / sum);
  return p;
}

void print_prediction(const std::string& path, const std::vector<std::string>& labels,
                      std::span<const float> logits, bool json) {
  const std::vector<double> p = softmax(logits);
  const auto label =
      static_cast<std::size_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
  if (json) {
    const nlohmann::ordered_json j = {{"path", path},
                                      {"label", labels[label]},
                                      {"label_id", label},
                                      {"probabilities", p},
                                      {"logits", std::vector<float>(logits.begin(), logits.end())}};
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return;
  }
  std::vector<std::size_t> order(p.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return p[a] > p[b]; });
  std::printf("%s\t%s\t", path.c_str(), labels[label].c_str());
  for (std::size_t k = 0; k < std::min(kShownClasses, order.size()); ++k) {
    std::printf("%s%s=%.6f", k ? " " : "", labels[order[k]].c_str(), p[order[k]]);
  }
  std::printf("\n");
}

}  // namespace

int run_tinyvit_classify(const TinyVitClassifyOptions& o) {
  Result<Dtype> dtype = parse_dtype(o.model.dtype);
  if (!dtype.is_ok()) return report_error("--dtype: " + dtype.status().message(), kExitUsageError);
  if (o.images.empty())
    return report_error("no image given (classify DIR image.png ...)", kExitUsageError);
  Result<std::unique_ptr<ImageClassifier>> loaded =
      load_tinyvit_classifier(o.model.dir, dtype.value(), o.model.threads);
  if (!loaded.is_ok()) return report_error(loaded.status());
  const ImageClassifier& model = *loaded.value();
  const models::TinyVitConfig& c = model.config();
  const io::ChannelStats stats = channel_stats_of(c);
  const std::size_t floats = static_cast<std::size_t>(c.image_height) * c.image_width * c.in_chans;
  std::vector<float> normalized(o.images.size() * floats);
  for (std::size_t i = 0; i < o.images.size(); ++i) {
    if (Status s = check_file_name("image", o.images[i]); !s.is_ok()) return report_error(s);
    Result<io::Image> image = read_model_image(o.images[i], c);
    if (!image.is_ok()) return report_error(image.status());
    const io::Image& im = image.value();
    const Status s = io::normalize_image(im.pixels.data(), im.height, im.width, im.channels, stats,
                                         io::TensorLayout::hwc,
                                         std::span(normalized).subspan(i * floats, floats));
    if (!s.is_ok()) return report_error(o.images[i] + ": " + s.message());
  }
  const std::vector<std::string> labels = class_names_of(c);
  const auto classes = static_cast<std::size_t>(c.num_classes);
  const auto batch = static_cast<std::size_t>(o.model.batch);
  for (std::size_t first = 0; first < o.images.size(); first += batch) {
    const std::size_t n = std::min(batch, o.images.size() - first);
    const std::vector<float> images(
        normalized.begin() + static_cast<std::ptrdiff_t>(first * floats),
        normalized.begin() + static_cast<std::ptrdiff_t>((first + n) * floats));
    auto out = model.forward(images, static_cast<int>(n), false);
    if (!out.is_ok()) return report_error(o.model.dir + ": " + out.status().message());
    for (std::size_t i = 0; i < n; ++i) {
      print_prediction(o.images[first + i], labels,
                       std::span(out.value().logits).subspan(i * classes, classes), o.model.json);
    }
  }
  return 0;
}

}  // namespace bfedge::cli
