// Encoders for tests and the fuzz seed corpus: small JPEG and PNG files written with libjpeg and
// libpng in memory (bfedge itself only decodes). Any libjpeg/libpng error aborts: the inputs are
// the tests' own.
#pragma once

#include <cstdint>
#include <vector>

namespace bfedge::test {

// A baseline JPEG of HWC pixels with 1 (gray) or 3 (RGB) channels; `progressive` for a
// multi-scan file.
std::vector<std::uint8_t> encode_jpeg(int height, int width, int channels, const std::vector<std::uint8_t>& pixels,
                                      int quality = 95, bool progressive = false);

// A PNG of packed rows as libpng takes them: `color_type` a PNG_COLOR_TYPE_*, `bit_depth`
// 1..16 (16-bit samples big-endian), `palette` RGB triples for palette images, `trns` its
// transparency entries (or, for gray/RGB, the transparent colour as 16-bit values), `interlace`
// for Adam7.
struct PngSpec {
  int height = 0, width = 0;
  int color_type = 0;
  int bit_depth = 8;
  std::vector<std::uint8_t> rows;     // height × rowbytes
  std::vector<std::uint8_t> palette;  // 3 bytes an entry
  std::vector<std::uint8_t> trns;
  std::vector<std::uint16_t> trns_color;  // gray: 1 value, RGB: 3
  bool interlace = false;
};
std::vector<std::uint8_t> encode_png(const PngSpec& spec);

// An 8-bit PNG of HWC pixels with 1..4 channels (gray, gray+alpha, RGB, RGBA).
std::vector<std::uint8_t> encode_png(int height, int width, int channels, const std::vector<std::uint8_t>& pixels);

// Deterministic test pixels: smooth gradients with some texture, `seed` varies them.
std::vector<std::uint8_t> test_pixels(int height, int width, int channels, unsigned seed);

}  // namespace bfedge::test
