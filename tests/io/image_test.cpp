// Image decoding: JPEG and PNG round trips through the tests' own encoders, every PNG colour
// type, and each bad input with its exact one-line error.
#include <gtest/gtest.h>
#include <png.h>

#include <cstdlib>

#include "bfedge/io/image.hpp"
#include "support/image_encode.hpp"
#include "support/test_support.hpp"

namespace bfedge::io {
namespace {

using test::encode_jpeg;
using test::encode_png;
using test::test_pixels;

Result<Image> decode(const std::vector<std::uint8_t>& bytes, const std::string& name) {
  return decode_image(bytes, name);
}

std::string error_of(const std::vector<std::uint8_t>& bytes, const std::string& name) {
  Result<Image> image = decode(bytes, name);
  return image.is_ok() ? "(decoded)" : image.status().message();
}

TEST(ImageDecode, PngRoundTripIsExactForEveryChannelCount) {
  for (int channels = 1; channels <= 4; ++channels) {
    const std::vector<std::uint8_t> pixels = test_pixels(7, 13, channels, 3);
    Result<Image> image = decode(encode_png(7, 13, channels, pixels), "x.png");
    ASSERT_TRUE(image.is_ok()) << image.status().message();
    EXPECT_EQ(image.value().height, 7);
    EXPECT_EQ(image.value().width, 13);
    EXPECT_EQ(image.value().channels, channels);
    EXPECT_EQ(image.value().pixels, pixels) << channels << " channels";
  }
}

TEST(ImageDecode, ReadImageFromAFileSniffsTheFormatNotTheExtension) {
  test::TempDir dir;
  const std::vector<std::uint8_t> pixels = test_pixels(4, 5, 3, 1);
  test::write_bytes(dir.file("really_a_png.jpg"), encode_png(4, 5, 3, pixels));
  Result<Image> image = read_image(dir.file("really_a_png.jpg"));
  ASSERT_TRUE(image.is_ok()) << image.status().message();
  EXPECT_EQ(image.value().pixels, pixels);
  Result<Image> missing = read_image(dir.file("none.png"));
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().message(), dir.file("none.png") + ": cannot open (No such file or directory)");
}

// A smooth image, no sample above 224 (JPEG blurs sharp colour edges by design).
std::vector<std::uint8_t> smooth_pixels(int height, int width, int channels) {
  std::vector<std::uint8_t> p;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < channels; ++c) p.push_back(static_cast<std::uint8_t>(20 + 2 * x + 2 * y + 40 * c));
    }
  }
  return p;
}

TEST(ImageDecode, JpegRoundTripIsNearForRgbAndGray) {
  for (const int channels : {1, 3}) {
    for (const bool progressive : {false, true}) {
      const std::vector<std::uint8_t> pixels = smooth_pixels(32, 32, channels);
      Result<Image> image = decode(encode_jpeg(32, 32, channels, pixels, 95, progressive), "x.jpg");
      ASSERT_TRUE(image.is_ok()) << image.status().message();
      ASSERT_EQ(image.value().channels, channels);
      ASSERT_EQ(image.value().pixels.size(), pixels.size());
      double total = 0;
      for (std::size_t i = 0; i < pixels.size(); ++i) total += std::abs(int(image.value().pixels[i]) - int(pixels[i]));
      EXPECT_LT(total / static_cast<double>(pixels.size()), 2.0) << channels << " channels, progressive " << progressive;
    }
  }
}

TEST(ImageDecode, PaletteAndTransparencyExpand) {
  test::PngSpec spec;
  spec.height = 2;
  spec.width = 3;
  spec.color_type = PNG_COLOR_TYPE_PALETTE;
  spec.palette = {255, 0, 0, 0, 255, 0, 0, 0, 255};
  spec.rows = {0, 1, 2, 2, 1, 0};
  Result<Image> rgb = decode(encode_png(spec), "p.png");
  ASSERT_TRUE(rgb.is_ok()) << rgb.status().message();
  EXPECT_EQ(rgb.value().channels, 3);
  EXPECT_EQ(rgb.value().pixels, (std::vector<std::uint8_t>{255, 0, 0, 0, 255, 0, 0, 0, 255,
                                                             0, 0, 255, 0, 255, 0, 255, 0, 0}));
  spec.trns = {128};  // entry 0 half transparent, the others opaque
  Result<Image> rgba = decode(encode_png(spec), "p.png");
  ASSERT_TRUE(rgba.is_ok()) << rgba.status().message();
  EXPECT_EQ(rgba.value().channels, 4);
  EXPECT_EQ(std::vector<std::uint8_t>(rgba.value().pixels.begin(), rgba.value().pixels.begin() + 8),
            (std::vector<std::uint8_t>{255, 0, 0, 128, 0, 255, 0, 255}));
}

TEST(ImageDecode, LowAndHighBitDepthsBecomeEightBits) {
  test::PngSpec gray1;  // 1-bit gray: 0 -> 0, 1 -> 255
  gray1.height = 1;
  gray1.width = 8;
  gray1.color_type = PNG_COLOR_TYPE_GRAY;
  gray1.bit_depth = 1;
  gray1.rows = {0b10110000};
  Result<Image> g = decode(encode_png(gray1), "g.png");
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  EXPECT_EQ(g.value().pixels, (std::vector<std::uint8_t>{255, 0, 255, 255, 0, 0, 0, 0}));

  test::PngSpec rgb16;  // 16-bit samples are scaled (rounded) to 8 bits
  rgb16.height = 1;
  rgb16.width = 2;
  rgb16.color_type = PNG_COLOR_TYPE_RGB;
  rgb16.bit_depth = 16;
  rgb16.rows = {0xff, 0xff, 0x00, 0x00, 0x80, 0x80, 0x12, 0x34, 0x01, 0x00, 0xfe, 0xff};
  Result<Image> c = decode(encode_png(rgb16), "c.png");
  ASSERT_TRUE(c.is_ok()) << c.status().message();
  EXPECT_EQ(c.value().pixels, (std::vector<std::uint8_t>{255, 0, 128, 18, 1, 254}));

  test::PngSpec gray_key;  // a transparent gray value (tRNS) becomes an alpha channel
  gray_key.height = 1;
  gray_key.width = 2;
  gray_key.color_type = PNG_COLOR_TYPE_GRAY;
  gray_key.rows = {7, 9};
  gray_key.trns_color = {7};
  Result<Image> k = decode(encode_png(gray_key), "k.png");
  ASSERT_TRUE(k.is_ok()) << k.status().message();
  EXPECT_EQ(k.value().channels, 2);
  EXPECT_EQ(k.value().pixels, (std::vector<std::uint8_t>{7, 0, 9, 255}));
}

TEST(ImageDecode, InterlacedPngDecodesLikeTheProgressiveOne) {
  test::PngSpec spec;
  spec.height = 9;
  spec.width = 11;
  spec.color_type = PNG_COLOR_TYPE_RGB;
  spec.rows = test_pixels(9, 11, 3, 8);
  spec.interlace = true;
  Result<Image> image = decode(encode_png(spec), "i.png");
  ASSERT_TRUE(image.is_ok()) << image.status().message();
  EXPECT_EQ(image.value().pixels, spec.rows);
}

TEST(ImageErrors, TruncatedJpeg) {
  std::vector<std::uint8_t> jpeg = encode_jpeg(32, 32, 3, test_pixels(32, 32, 3, 1));
  jpeg.resize(jpeg.size() / 2);
  EXPECT_EQ(error_of(jpeg, "x.jpg"), "x.jpg: truncated JPEG");
  jpeg.resize(40);  // inside the headers
  EXPECT_EQ(error_of(jpeg, "x.jpg"), "x.jpg: truncated JPEG");
}

// The index of the first `marker` (FF xx) in a JPEG.
std::size_t find_marker(const std::vector<std::uint8_t>& jpeg, std::uint8_t marker) {
  for (std::size_t i = 0; i + 1 < jpeg.size(); ++i) {
    if (jpeg[i] == 0xFF && jpeg[i + 1] == marker) return i;
  }
  ADD_FAILURE() << "no marker";
  return 0;
}

TEST(ImageErrors, CorruptJpegBytes) {
  const std::vector<std::uint8_t> good = encode_jpeg(16, 16, 3, test_pixels(16, 16, 3, 1));
  std::vector<std::uint8_t> jpeg = good;
  jpeg[find_marker(jpeg, 0xC0) + 4] = 12;  // SOF0 sample precision
  EXPECT_EQ(error_of(jpeg, "x.jpg"), "x.jpg: corrupt JPEG: Unsupported JPEG data precision 12");
  jpeg = good;
  const std::size_t dqt = find_marker(jpeg, 0xDB);
  jpeg.insert(jpeg.begin() + static_cast<std::ptrdiff_t>(dqt), {0x12, 0x34, 0x56});
  EXPECT_EQ(error_of(jpeg, "x.jpg"), "x.jpg: corrupt JPEG: 3 extraneous bytes before marker 0xdb");
}

TEST(ImageErrors, TruncatedPng) {
  std::vector<std::uint8_t> png = encode_png(8, 8, 3, test_pixels(8, 8, 3, 1));
  png.resize(png.size() - 20);  // inside IDAT or IEND
  EXPECT_EQ(error_of(png, "x.png"), "x.png: truncated PNG");
  png.resize(12);
  EXPECT_EQ(error_of(png, "x.png"), "x.png: truncated PNG");
}

TEST(ImageErrors, BadPngCrc) {
  std::vector<std::uint8_t> png = encode_png(8, 8, 3, test_pixels(8, 8, 3, 1));
  png[29] ^= 0x01;  // IHDR's CRC: 8 signature + 4 length + 4 type + 13 data
  EXPECT_EQ(error_of(png, "x.png"), "x.png: corrupt PNG: IHDR: CRC error");
}

TEST(ImageErrors, NotAnImage) {
  EXPECT_EQ(error_of({'G', 'I', 'F', '8', '9', 'a', 0, 0}, "x.png"), "x.png: not a JPEG or PNG image");
  EXPECT_EQ(error_of({}, "x.png"), "x.png: empty file, not a JPEG or PNG image");
  EXPECT_EQ(error_of({0xFF, 0xD8}, "x.jpg"), "x.jpg: not a JPEG or PNG image");
}

TEST(ImageErrors, AbsurdSizesAreRefusedBeforeAllocating) {
  std::vector<std::uint8_t> png = encode_png(1, 1, 1, {0});
  png[16] = 0x00, png[17] = 0x00, png[18] = 0x4e, png[19] = 0x20;  // width 20000
  EXPECT_EQ(error_of(png, "big.png"), "big.png: 20000×1 pixels, more than 16384 a side");
  std::vector<std::uint8_t> jpeg = encode_jpeg(8, 8, 1, test_pixels(8, 8, 1, 1));
  const std::size_t sof = find_marker(jpeg, 0xC0);
  jpeg[sof + 5] = 0x4e, jpeg[sof + 6] = 0x20;  // height 20000
  EXPECT_EQ(error_of(jpeg, "big.jpg"), "big.jpg: 8×20000 pixels, more than 16384 a side");
  ImageLimits small;
  small.max_pixel_bytes = 100;
  Result<Image> limited = decode_image(encode_png(8, 8, 3, test_pixels(8, 8, 3, 1)), "s.png", small);
  ASSERT_FALSE(limited.is_ok());
  EXPECT_EQ(limited.status().message(), "s.png: 8×8 pixels × 3 channels, more than the 100 bytes allowed");
}

TEST(ImageChannels, EqualCountsPassAnythingElseIsAnError) {
  Image rgba{1, 1, 4, {1, 2, 3, 4}};
  EXPECT_TRUE(require_channels(rgba, 4, "cat.png").is_ok());
  Result<Image> to_rgb = require_channels(rgba, 3, "cat.png");
  ASSERT_FALSE(to_rgb.is_ok());
  EXPECT_EQ(to_rgb.status().message(), "cat.png: 4 channels (RGBA); the model takes 3 (RGB)");
  Result<Image> gray_to_rgb = require_channels(Image{1, 1, 1, {9}}, 3, "g.png");
  ASSERT_FALSE(gray_to_rgb.is_ok());
  EXPECT_EQ(gray_to_rgb.status().message(), "g.png: 1 channel (gray); the model takes 3 (RGB)");
  Result<Image> rgb_to_gray = require_channels(Image{1, 1, 3, {1, 2, 3}}, 1, "c.jpg");
  ASSERT_FALSE(rgb_to_gray.is_ok());
  EXPECT_EQ(rgb_to_gray.status().message(), "c.jpg: 3 channels (RGB); the model takes 1 (gray)");
}

}  // namespace
}  // namespace bfedge::io
