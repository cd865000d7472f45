// The image datasets bfedge trains TinyViT on, and timm's variants adapted to their images
// (docs/tinyvit.md, "Small images"): CIFAR-10 (32×32 RGB) and Fashion-MNIST (28×28 gray).
#pragma once

#include <string>

#include "bfedge/core/status.hpp"
#include "bfedge/models/tinyvit_config.hpp"

namespace bfedge::models {

enum class ImageDatasetName { cifar10, fashion_mnist };
const char* image_dataset_name(ImageDatasetName d);  // "cifar10", "fashion-mnist"
Result<ImageDatasetName> parse_image_dataset_name(const std::string& name);

// timm's `architecture` (a variant's name, or a config.json path ending in ".json": its variant and
// model_args, e.g. narrower stages) for the dataset's images: their size and channels, 10 classes
// with their names, the training set's mean/std, stem strides (1, 2), and each stage's window
// covering its whole map.
Result<TinyVitConfig> tinyvit_config_for_dataset(const std::string& architecture, ImageDatasetName dataset);

}  // namespace bfedge::models
