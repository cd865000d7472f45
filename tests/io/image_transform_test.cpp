// Image pre-processing: normalization in both layouts, augmentation (deterministic, crop and
// flip semantics), and the documented mean/std constants against the training sets.
#include <gtest/gtest.h>

#include <filesystem>

#include "bfedge/io/image_transform.hpp"
#include "support/test_support.hpp"

namespace bfedge::io {
namespace {

namespace fs = std::filesystem;

TEST(ImageTransform, NormalizeChwAndHwc) {
  const std::vector<std::uint8_t> pixels = {0, 255, 51, 102, 204, 0};  // 1×2 RGB
  const ChannelStats stats{3, {0.5, 0.0, 0.2, 0}, {0.5, 1.0, 0.4, 0}};
  std::vector<float> hwc(6), chw(6);
  ASSERT_TRUE(normalize_image(pixels.data(), 1, 2, 3, stats, TensorLayout::hwc, hwc).is_ok());
  ASSERT_TRUE(normalize_image(pixels.data(), 1, 2, 3, stats, TensorLayout::chw, chw).is_ok());
  const std::vector<float> want_hwc = {-1.0f, 1.0f, 0.0f, -0.2f, 0.8f, -0.5f};
  const std::vector<float> want_chw = {-1.0f, -0.2f, 1.0f, 0.8f, 0.0f, -0.5f};
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_NEAR(hwc[i], want_hwc[i], 1e-6f) << i;
    EXPECT_NEAR(chw[i], want_chw[i], 1e-6f) << i;
  }
  Status wrong = normalize_image(pixels.data(), 1, 2, 3, kFashionMnistStats, TensorLayout::hwc, hwc);
  EXPECT_EQ(wrong.message(), "normalize: 3 channels, the statistics have 1");
}

TEST(ImageTransform, SplitMix64IsTheReferenceSequence) {
  SplitMix64 rng(1234567);  // values from the reference C implementation (Vigna's splitmix64.c)
  EXPECT_EQ(rng.next(), 6457827717110365317ull);
  EXPECT_EQ(rng.next(), 3203168211198807973ull);
  EXPECT_EQ(rng.next(), 9817491932198370423ull);
}

std::vector<std::uint8_t> ramp(int h, int w, int c) {
  std::vector<std::uint8_t> p(static_cast<std::size_t>(h * w * c));
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::uint8_t>(1 + i % 250);
  return p;
}

TEST(ImageTransform, AugmentationIsDeterministicAndACropOfThePaddedImage) {
  for (const int side : {28, 32}) {
    const int channels = side == 32 ? 3 : 1;
    const std::vector<std::uint8_t> in = ramp(side, side, channels);
    std::vector<std::uint8_t> a(in.size()), b(in.size());
    SplitMix64 r1(42), r2(42);
    int flips = 0, shifted = 0;
    for (int trial = 0; trial < 200; ++trial) {
      augment_image(in.data(), side, side, channels, {}, r1, a.data());
      augment_image(in.data(), side, side, channels, {}, r2, b.data());
      ASSERT_EQ(a, b);
      // Recover (dy, dx, flip) by search: the output must be exactly one padded crop.
      int matches = 0;
      for (int dy = -4; dy <= 4; ++dy) {
        for (int dx = -4; dx <= 4; ++dx) {
          for (const bool flip : {false, true}) {
            bool same = true;
            for (int y = 0; y < side && same; ++y) {
              for (int x = 0; x < side && same; ++x) {
                const int sy = y + dy, sx = (flip ? side - 1 - x : x) + dx;
                for (int c = 0; c < channels; ++c) {
                  const std::uint8_t want = sy < 0 || sy >= side || sx < 0 || sx >= side
                                                ? 0 : in[static_cast<std::size_t>((sy * side + sx) * channels + c)];
                  same = same && a[static_cast<std::size_t>((y * side + x) * channels + c)] == want;
                }
              }
            }
            if (same) {
              ++matches;
              flips += flip;
              shifted += dy != 0 || dx != 0;
            }
          }
        }
      }
      ASSERT_EQ(matches, 1) << "trial " << trial;
    }
    EXPECT_GT(flips, 60);
    EXPECT_LT(flips, 140);
    EXPECT_GT(shifted, 150);
  }
}

TEST(ImageTransform, FlipAndCropCanBeTurnedOff) {
  const std::vector<std::uint8_t> in = ramp(32, 32, 3);
  std::vector<std::uint8_t> out(in.size());
  SplitMix64 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    augment_image(in.data(), 32, 32, 3, AugmentOptions{0, false}, rng, out.data());
    EXPECT_EQ(out, in);
  }
}

TEST(ImageTransform, BatchAugmentsThenNormalizes) {
  ImageDataset d{2, 2, 1, {0, 51, 102, 153, 204, 255, 0, 0}, {0, 1}, {"a", "b"}};
  const ChannelStats stats{1, {0.0}, {1.0}};
  std::vector<float> out(8);
  const std::size_t order[] = {1, 0};
  ASSERT_TRUE(make_image_batch(d, order, stats, TensorLayout::chw, nullptr, nullptr, out).is_ok());
  EXPECT_FLOAT_EQ(out[0], 0.8f);
  EXPECT_FLOAT_EQ(out[5], 0.2f);
  const std::size_t past[] = {2};
  std::vector<float> one(4);
  EXPECT_EQ(make_image_batch(d, past, stats, TensorLayout::chw, nullptr, nullptr, one).message(),
            "image batch: index 2 past the 2 images");
}

void expect_stats(const ChannelStats& got, const ChannelStats& documented) {
  ASSERT_EQ(got.channels, documented.channels);
  for (std::size_t c = 0; c < static_cast<std::size_t>(got.channels); ++c) {
    EXPECT_NEAR(got.mean[c], documented.mean[c], 1e-6) << "channel " << c;
    EXPECT_NEAR(got.stddev[c], documented.stddev[c], 1e-6) << "channel " << c;
  }
}

TEST(ImageTransform, ConstantsMatchTheTrainingSets) {
  if (fs::exists(fs::path(kFashionMnistDir) / "train-images-idx3-ubyte.gz")) {
    Result<ImageDataset> fm = load_fashion_mnist(kFashionMnistDir, "train", CacheOptions{false, ""});
    ASSERT_TRUE(fm.is_ok()) << fm.status().message();
    expect_stats(compute_channel_stats(fm.value()), kFashionMnistStats);
  }
  BFEDGE_REQUIRE_SHARED(shared);
  const fs::path archive = shared / "data/cifar10-jpg/cifar10_train_jpg.tar.xz";
  if (!fs::exists(archive)) GTEST_SKIP() << archive << " not found: skipped";
  Result<ImageDataset> cifar = load_cifar10(archive.string(), "train", CacheOptions{false, ""});
  ASSERT_TRUE(cifar.is_ok()) << cifar.status().message();
  EXPECT_EQ(cifar.value().size(), 50000u);
  expect_stats(compute_channel_stats(cifar.value()), kCifar10Stats);
}

}  // namespace
}  // namespace bfedge::io
