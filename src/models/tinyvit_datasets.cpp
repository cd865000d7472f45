#include "bfedge/models/tinyvit_datasets.hpp"

#include <algorithm>

#include "bfedge/io/image_dataset.hpp"
#include "bfedge/io/image_transform.hpp"

namespace bfedge::models {

const char* image_dataset_name(ImageDatasetName d) { return d == ImageDatasetName::cifar10 ? "cifar10" : "fashion-mnist"; }

Result<ImageDatasetName> parse_image_dataset_name(const std::string& name) {
  if (name == "cifar10") return ImageDatasetName::cifar10;
  if (name == "fashion-mnist") return ImageDatasetName::fashion_mnist;
  return invalid_argument("--dataset: \"" + name + "\" is not cifar10 or fashion-mnist");
}

Result<TinyVitConfig> tinyvit_config_for_dataset(const std::string& architecture, ImageDatasetName dataset) {
  const bool file = architecture.size() > 5 && architecture.ends_with(".json");
  Result<TinyVitConfig> variant = file ? load_tinyvit_config(architecture) : tinyvit_variant(architecture);
  if (!variant.is_ok()) return variant.status();
  TinyVitConfig c = std::move(variant).value();
  const bool cifar = dataset == ImageDatasetName::cifar10;
  c.image_height = c.image_width = cifar ? 32 : 28;
  c.in_chans = cifar ? 3 : 1;
  c.num_classes = 10;
  const io::ChannelStats& stats = cifar ? io::kCifar10Stats : io::kFashionMnistStats;
  c.mean.assign(stats.mean.begin(), stats.mean.begin() + stats.channels);
  c.std.assign(stats.stddev.begin(), stats.stddev.begin() + stats.channels);
  const auto& names = cifar ? io::kCifar10Classes : io::kFashionMnistClasses;
  c.label_names.assign(names.begin(), names.end());
  c.stem_strides[0] = 1, c.stem_strides[1] = 2;
  for (int i = 0; i < c.stages(); ++i) {
    const TinyVitResolution r = tinyvit_stage_resolution(c, i);
    c.window_sizes[static_cast<std::size_t>(i)] = std::max(r.height, r.width);
  }
  BFEDGE_RETURN_IF_ERROR(validate_tinyvit_config(c, architecture));
  return c;
}

}  // namespace bfedge::models
