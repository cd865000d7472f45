// Image decoding: format sniffing, the shared size check and the strict channel check.
#include "bfedge/io/image.hpp"

#include <algorithm>
#include <cstring>

#include "bfedge/io/file.hpp"

namespace bfedge::io {
namespace {

constexpr std::uint8_t kJpegMagic[] = {0xFF, 0xD8, 0xFF};
constexpr std::uint8_t kPngMagic[] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
constexpr std::uint64_t kMaxImageFileBytes = std::uint64_t{256} << 20;

template <std::size_t N>
bool starts_with(std::span<const std::uint8_t> bytes, const std::uint8_t (&magic)[N]) {
  return bytes.size() >= N && std::equal(magic, magic + N, bytes.begin());
}

}  // namespace

ImageFormat sniff_image_format(std::span<const std::uint8_t> bytes) {
  if (starts_with(bytes, kJpegMagic)) return ImageFormat::jpeg;
  if (starts_with(bytes, kPngMagic)) return ImageFormat::png;
  return ImageFormat::unknown;
}

Result<Image> decode_image(std::span<const std::uint8_t> bytes, const std::string& name,
                           const ImageLimits& limits) {
  switch (sniff_image_format(bytes)) {
    case ImageFormat::jpeg:
      return detail::decode_jpeg(bytes, name, limits);
    case ImageFormat::png:
      return detail::decode_png(bytes, name, limits);
    case ImageFormat::unknown:
      break;
  }
  if (bytes.empty()) return format_error(name + ": empty file, not a JPEG or PNG image");
  return format_error(name + ": not a JPEG or PNG image");
}

Result<Image> read_image(const std::string& path, const ImageLimits& limits) {
  Result<std::vector<std::byte>> bytes = read_file(path, kMaxImageFileBytes);
  if (!bytes.is_ok()) return bytes.status();
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.value().data());
  return decode_image({data, bytes.value().size()}, path, limits);
}

std::string channel_layout_name(int channels) {
  switch (channels) {
    case 1:
      return "gray";
    case 2:
      return "gray+alpha";
    case 3:
      return "RGB";
    case 4:
      return "RGBA";
    default:
      return std::to_string(channels) + " channels";
  }
}

Result<Image> require_channels(Image image, int model_channels, const std::string& name) {
  if (image.channels == model_channels) return image;
  const auto count = [](int c) { return std::to_string(c) + (c == 1 ? " channel" : " channels"); };
  return invalid_argument(name + ": " + count(image.channels) + " (" + channel_layout_name(image.channels) +
                          "); the model takes " + std::to_string(model_channels) + " (" +
                          channel_layout_name(model_channels) + ")");
}

namespace detail {

Status check_image_size(std::uint64_t height, std::uint64_t width, int channels,
                        const std::string& name, const ImageLimits& limits) {
  const std::string size = std::to_string(width) + "×" + std::to_string(height) + " pixels";
  if (height == 0 || width == 0) return format_error(name + ": " + size + ", an empty image");
  const auto side = static_cast<std::uint64_t>(limits.max_side);
  if (height > side || width > side) {
    return format_error(name + ": " + size + ", more than " + std::to_string(side) + " a side");
  }
  const std::uint64_t bytes = height * width * static_cast<std::uint64_t>(channels);
  if (bytes > limits.max_pixel_bytes) {
    return Status(ErrorCode::capacity, name + ": " + size + " × " + std::to_string(channels) +
                                           " channels, more than the " +
                                           std::to_string(limits.max_pixel_bytes) + " bytes allowed");
  }
  return Status::ok();
}

}  // namespace detail
}  // namespace bfedge::io
