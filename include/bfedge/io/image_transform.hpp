// Pre-processing of decoded images for a model: seeded training augmentation on the uint8
// pixels (random crop with zero padding, horizontal flip) and conversion to float tensors, CHW or
// HWC, normalized per channel: (pixel / 255 - mean[c]) / std[c].
//
// Augmentation follows the usual CIFAR recipe (torchvision's RandomCrop(size, padding=4) then
// RandomHorizontalFlip): the image is padded with zero (black) pixels on each side, a window of
// the original size is cut at a uniformly drawn offset, and it is mirrored with probability 1/2.
// Padding happens before normalization, so a padded pixel becomes -mean/std, as in torchvision.
// Both steps are optional (AugmentOptions) and apply to Fashion-MNIST (28×28) as to CIFAR-10.
// Draws come from SplitMix64 (not std:: distributions, whose output differs between standard
// libraries): per image, always two offsets then one flip bit, whatever is enabled, so the same
// seed gives the same crops on every machine with flips on or off.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "bfedge/core/status.hpp"
#include "bfedge/io/image_dataset.hpp"

namespace bfedge::io {

// Per-channel mean and standard deviation of pixel / 255 (population std over every pixel).
struct ChannelStats {
  int channels = 0;
  std::array<double, 4> mean{};
  std::array<double, 4> stddev{};
};

// Computed with compute_channel_stats over the training splits bfedge loads (checked by
// ImageTransform.ConstantsMatchTheTrainingSets):
//   CIFAR-10: the 50,000 training images of ../shared/data/cifar10-jpg (the JPEG q75 copy, so a
//     little off the usual (0.4914, 0.4822, 0.4465) / (0.2470, 0.2435, 0.2616) of the PNG originals).
//   Fashion-MNIST: the 60,000 training images of Debian's dataset-fashion-mnist.
inline constexpr ChannelStats kCifar10Stats = {3, {0.491250, 0.482090, 0.446521, 0.0},
                                               {0.245232, 0.242782, 0.260629, 0.0}};
inline constexpr ChannelStats kFashionMnistStats = {1, {0.286041, 0.0, 0.0, 0.0}, {0.353024, 0.0, 0.0, 0.0}};

ChannelStats compute_channel_stats(const ImageDataset& dataset);

enum class TensorLayout { chw, hwc };

// One image (height × width × channels, HWC uint8) to normalized floats in `layout`; `out` holds
// exactly height × width × channels floats. Errors: channel count differing from the stats, a
// wrong output size, a zero std.
Status normalize_image(const std::uint8_t* pixels, int height, int width, int channels, const ChannelStats& stats,
                       TensorLayout layout, std::span<float> out);

// SplitMix64 (Steele, Lea, Flood 2014): a tiny, fully specified generator.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) for n ≥ 1 (the top 32 bits scaled: Lemire's method without rejection;
  // the bias is below n / 2^32).
  std::uint32_t below(std::uint32_t n) {
    return static_cast<std::uint32_t>(((next() >> 32) * std::uint64_t{n}) >> 32);
  }

 private:
  std::uint64_t state_;
};

struct AugmentOptions {
  int crop_padding = 4;          // 0: no random crop
  bool horizontal_flip = true;
};

// Writes the augmented image (same size) to `out`, which must not overlap `in`.
void augment_image(const std::uint8_t* in, int height, int width, int channels, const AugmentOptions& options,
                   SplitMix64& rng, std::uint8_t* out);

// A batch of dataset images `indices` as normalized floats (N, C, H, W) or (N, H, W, C); with
// `augment` (and `rng`) each image is augmented first, in index order.
Status make_image_batch(const ImageDataset& dataset, std::span<const std::size_t> indices, const ChannelStats& stats,
                        TensorLayout layout, const AugmentOptions* augment, SplitMix64* rng, std::span<float> out);

}  // namespace bfedge::io
