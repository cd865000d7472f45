// Decoding one image file (JPEG through libjpeg-turbo, PNG through libpng) into 8-bit pixels.
//
// The format is chosen by the first bytes, never by the file name:
//   JPEG: FF D8 FF                      PNG: 89 50 4E 47 0D 0A 1A 0A
// Pixels are stored HWC (row-major, channels interleaved), one byte per channel:
//   JPEG: grayscale -> 1 channel, YCbCr/RGB -> 3 (RGB); CMYK/YCCK are refused.
//   PNG:  gray -> 1, gray+alpha -> 2, RGB and palette -> 3, RGBA (or tRNS) -> 4; bit depths below
//         8 are expanded, 16-bit samples are scaled to 8 bits (rounded).
// Decoding is strict: a libjpeg warning (extraneous bytes, premature end) is an error, as is a
// PNG chunk CRC error in a critical chunk or a missing IEND. Every error is one line starting
// with the name given: "cat.jpg: truncated JPEG", "cat.jpg: corrupt JPEG: <libjpeg's message>",
// "cat.png: corrupt PNG: <libpng's message>", "x.bin: not a JPEG or PNG image",
// "big.png: 20000×100 pixels, more than 16384 a side". Sizes are checked from the header before
// any pixel buffer is allocated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "bfedge/core/status.hpp"

namespace bfedge::io {

struct Image {
  int height = 0;
  int width = 0;
  int channels = 0;                   // 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA
  std::vector<std::uint8_t> pixels;   // (height, width, channels)
};

// What a decoder accepts before allocating: sides up to `max_side` pixels and at most
// `max_pixel_bytes` bytes of decoded pixels (height × width × channels).
struct ImageLimits {
  int max_side = 16384;
  std::uint64_t max_pixel_bytes = std::uint64_t{1} << 30;
};

enum class ImageFormat { unknown, jpeg, png };

// The format announced by the first bytes (unknown when neither signature matches).
ImageFormat sniff_image_format(std::span<const std::uint8_t> bytes);

// Decodes a whole JPEG or PNG file held in memory; `name` (a path) starts every error.
Result<Image> decode_image(std::span<const std::uint8_t> bytes, const std::string& name,
                           const ImageLimits& limits = {});

// Reads and decodes an image file (at most 256 MiB of file).
Result<Image> read_image(const std::string& path, const ImageLimits& limits = {});

// "gray", "gray+alpha", "RGB", "RGBA" for 1..4 channels ("N channels" otherwise).
std::string channel_layout_name(int channels);

// The image as a model taking `model_channels` channels sees it. Strict on purpose: an image
// passes only when it already has that many channels. Nothing is converted silently — not
// RGBA to RGB (the alpha would be dropped), nor gray to RGB (a colour model fed replicated gray
// is a different input distribution); the error names both sides:
//   "cat.png: 4 channels (RGBA); the model takes 3 (RGB)"
Result<Image> require_channels(Image image, int model_channels, const std::string& name);

namespace detail {
// The decoders behind decode_image (bytes already sniffed).
Result<Image> decode_jpeg(std::span<const std::uint8_t> bytes, const std::string& name,
                          const ImageLimits& limits);
Result<Image> decode_png(std::span<const std::uint8_t> bytes, const std::string& name,
                         const ImageLimits& limits);
// The size check both decoders make from the header, before allocating pixels.
Status check_image_size(std::uint64_t height, std::uint64_t width, int channels,
                        const std::string& name, const ImageLimits& limits);
}  // namespace detail

}  // namespace bfedge::io
