// Image pre-processing: channel statistics, normalization to float tensors, seeded augmentation.
#include "bfedge/io/image_transform.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace bfedge::io {

ChannelStats compute_channel_stats(const ImageDataset& d) {
  ChannelStats stats;
  stats.channels = d.channels;
  const auto channels = static_cast<std::size_t>(d.channels);
  if (channels == 0 || channels > 4 || d.pixels.empty()) return stats;
  // Exact integer sums (a pixel is < 2^8, its square < 2^16: 2^40 pixels fit in 64 bits).
  std::array<std::uint64_t, 4> sum{}, sum_sq{};
  for (std::size_t i = 0; i < d.pixels.size(); ++i) {
    const std::uint64_t v = d.pixels[i];
    sum[i % channels] += v;
    sum_sq[i % channels] += v * v;
  }
  const double count = static_cast<double>(d.pixels.size() / channels);
  for (std::size_t c = 0; c < channels; ++c) {
    const double mean = static_cast<double>(sum[c]) / count;
    const double var = static_cast<double>(sum_sq[c]) / count - mean * mean;
    stats.mean[c] = mean / 255.0;
    stats.stddev[c] = std::sqrt(std::max(var, 0.0)) / 255.0;
  }
  return stats;
}

Status normalize_image(const std::uint8_t* pixels, int height, int width, int channels, const ChannelStats& stats,
                       TensorLayout layout, std::span<float> out) {
  if (channels != stats.channels) {
    return invalid_argument("normalize: " + std::to_string(channels) + " channels, the statistics have " +
                            std::to_string(stats.channels));
  }
  const std::size_t plane = static_cast<std::size_t>(height) * static_cast<std::size_t>(width);
  const auto c_count = static_cast<std::size_t>(channels);
  if (out.size() != plane * c_count) {
    return invalid_argument("normalize: output of " + std::to_string(out.size()) + " floats, the image has " +
                            std::to_string(plane * c_count));
  }
  std::array<float, 4> scale{}, shift{};
  for (std::size_t c = 0; c < c_count; ++c) {
    if (!(stats.stddev[c] > 0)) return invalid_argument("normalize: std of channel " + std::to_string(c) + " is not positive");
    scale[c] = static_cast<float>(1.0 / (255.0 * stats.stddev[c]));
    shift[c] = static_cast<float>(-stats.mean[c] / stats.stddev[c]);
  }
  for (std::size_t p = 0; p < plane; ++p) {
    for (std::size_t c = 0; c < c_count; ++c) {
      const float v = static_cast<float>(pixels[p * c_count + c]) * scale[c] + shift[c];
      out[layout == TensorLayout::hwc ? p * c_count + c : c * plane + p] = v;
    }
  }
  return Status::ok();
}

void augment_image(const std::uint8_t* in, int height, int width, int channels, const AugmentOptions& options,
                   SplitMix64& rng, std::uint8_t* out) {
  const int pad = std::max(options.crop_padding, 0);
  const auto span = static_cast<std::uint32_t>(2 * pad + 1);
  const int dy = static_cast<int>(rng.below(span)) - pad;  // window offset in the unpadded image
  const int dx = static_cast<int>(rng.below(span)) - pad;
  const bool flip = (rng.next() >> 63) != 0 && options.horizontal_flip;
  const auto c_count = static_cast<std::size_t>(channels);
  for (int y = 0; y < height; ++y) {
    const int sy = y + dy;
    for (int x = 0; x < width; ++x) {
      const int sx = (flip ? width - 1 - x : x) + dx;
      std::uint8_t* o = out + (static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)) * c_count;
      if (sy < 0 || sy >= height || sx < 0 || sx >= width) {
        std::fill(o, o + c_count, std::uint8_t{0});
      } else {
        const std::uint8_t* i = in + (static_cast<std::size_t>(sy) * static_cast<std::size_t>(width) + static_cast<std::size_t>(sx)) * c_count;
        std::copy(i, i + c_count, o);
      }
    }
  }
}

Status make_image_batch(const ImageDataset& d, std::span<const std::size_t> indices, const ChannelStats& stats,
                        TensorLayout layout, const AugmentOptions* augment, SplitMix64* rng, std::span<float> out) {
  const std::size_t per_image = d.image_bytes();
  if (out.size() != indices.size() * per_image) {
    return invalid_argument("image batch: output of " + std::to_string(out.size()) + " floats, " +
                            std::to_string(indices.size()) + " images need " + std::to_string(indices.size() * per_image));
  }
  if (augment != nullptr && rng == nullptr) return invalid_argument("image batch: augmentation needs a generator");
  std::vector<std::uint8_t> scratch(augment != nullptr ? per_image : 0);
  for (std::size_t b = 0; b < indices.size(); ++b) {
    if (indices[b] >= d.size()) {
      return invalid_argument("image batch: index " + std::to_string(indices[b]) + " past the " +
                              std::to_string(d.size()) + " images");
    }
    const std::uint8_t* pixels = d.image(indices[b]);
    if (augment != nullptr) {
      augment_image(pixels, d.height, d.width, d.channels, *augment, *rng, scratch.data());
      pixels = scratch.data();
    }
    BFEDGE_RETURN_IF_ERROR(normalize_image(pixels, d.height, d.width, d.channels, stats, layout,
                                           out.subspan(b * per_image, per_image)));
  }
  return Status::ok();
}

}  // namespace bfedge::io
