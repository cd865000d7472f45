// PNG decoding with libpng. libpng reports errors through our error function, which longjmps to
// the setjmp in one of the two stage functions below; those hold only plain C data (no object
// with a destructor lives across the longjmp), and the C++ code around them runs outside.
#include <csetjmp>
#include <cstdio>
#include <cstring>

#include <png.h>

#include "bfedge/io/image.hpp"

namespace bfedge::io::detail {
namespace {

struct PngSource {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
  std::size_t offset = 0;
  bool truncated = false;   // libpng asked for bytes past the end
  char message[256] = {};   // the last error
};

void on_png_error(png_structp png, png_const_charp message) {
  auto* source = static_cast<PngSource*>(png_get_error_ptr(png));
  std::snprintf(source->message, sizeof source->message, "%s", message);
  png_longjmp(png, 1);
}

void on_png_warning(png_structp, png_const_charp) {}  // ancillary-chunk trouble: not fatal

void read_png_bytes(png_structp png, png_bytep out, png_size_t count) {
  auto* source = static_cast<PngSource*>(png_get_io_ptr(png));
  if (count > source->size - source->offset) {
    source->truncated = true;
    png_error(png, "truncated");
  }
  std::memcpy(out, source->data + source->offset, count);
  source->offset += count;
}

struct PngHeader {
  std::uint32_t height = 0, width = 0;
  int channels = 0;
};

// Stage 1: the chunks up to the first IDAT, then libpng's transformations to 8-bit samples.
bool read_png_header(png_structp png, png_infop info, PngHeader* header) {
  if (setjmp(png_jmpbuf(png)) != 0) return false;
  png_read_info(png, info);
  const int color_type = png_get_color_type(png, info);
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color_type == PNG_COLOR_TYPE_GRAY && png_get_bit_depth(png, info) < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  if (png_get_bit_depth(png, info) == 16) png_set_scale_16(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  header->height = png_get_image_height(png, info);
  header->width = png_get_image_width(png, info);
  header->channels = png_get_channels(png, info);
  return true;
}

// Stage 2: every row (rows[] point into the caller's pixels), then the chunks after IDAT.
bool read_png_pixels(png_structp png, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png)) != 0) return false;
  png_read_image(png, rows);
  png_read_end(png, nullptr);
  return true;
}

// Owns the libpng state so every path destroys it.
class PngDecoder {
 public:
  PngDecoder(std::span<const std::uint8_t> bytes, int max_side) {
    source_.data = bytes.data();
    source_.size = bytes.size();
    png_ = png_create_read_struct(PNG_LIBPNG_VER_STRING, &source_, on_png_error, on_png_warning);
    if (png_ == nullptr) return;
    info_ = png_create_info_struct(png_);
    if (info_ == nullptr) return;
    png_set_read_fn(png_, &source_, read_png_bytes);
    png_set_user_limits(png_, static_cast<png_uint_32>(max_side), static_cast<png_uint_32>(max_side));
    // Ancillary chunks (text, profiles) of an image we only need the pixels of: at most 1 MiB.
    png_set_chunk_malloc_max(png_, 1 << 20);
  }
  ~PngDecoder() { png_destroy_read_struct(png_ != nullptr ? &png_ : nullptr, info_ != nullptr ? &info_ : nullptr, nullptr); }
  PngDecoder(const PngDecoder&) = delete;
  PngDecoder& operator=(const PngDecoder&) = delete;

  bool ready() const { return png_ != nullptr && info_ != nullptr; }
  png_structp png() { return png_; }
  png_infop info() { return info_; }

  Status error(const std::string& name) const {
    if (source_.truncated) return format_error(name + ": truncated PNG");
    return format_error(name + ": corrupt PNG: " + source_.message);
  }

 private:
  PngSource source_;
  png_structp png_ = nullptr;
  png_infop info_ = nullptr;
};

}  // namespace

Result<Image> decode_png(std::span<const std::uint8_t> bytes, const std::string& name,
                         const ImageLimits& limits) {
  // The sides from IHDR (always the first chunk, at byte 16), so an absurd size is reported as
  // such before libpng runs; libpng's own user limits stay as the backstop.
  if (bytes.size() >= 24 && std::memcmp(bytes.data() + 12, "IHDR", 4) == 0) {
    const auto be32 = [&](std::size_t at) {
      return std::uint64_t{bytes[at]} << 24 | std::uint64_t{bytes[at + 1]} << 16 |
             std::uint64_t{bytes[at + 2]} << 8 | std::uint64_t{bytes[at + 3]};
    };
    const std::uint64_t width = be32(16), height = be32(20);
    if (width > static_cast<std::uint64_t>(limits.max_side) || height > static_cast<std::uint64_t>(limits.max_side)) {
      BFEDGE_RETURN_IF_ERROR(check_image_size(height, width, 1, name, limits));
    }
  }
  PngDecoder decoder(bytes, limits.max_side);
  if (!decoder.ready()) return Status(ErrorCode::capacity, name + ": cannot start libpng (out of memory)");
  PngHeader header;
  if (!read_png_header(decoder.png(), decoder.info(), &header)) return decoder.error(name);
  if (header.channels < 1 || header.channels > 4) {
    return format_error(name + ": corrupt PNG: " + std::to_string(header.channels) + " channels");
  }
  BFEDGE_RETURN_IF_ERROR(check_image_size(header.height, header.width, header.channels, name, limits));
  Image image;
  image.height = static_cast<int>(header.height);
  image.width = static_cast<int>(header.width);
  image.channels = header.channels;
  const std::size_t row_bytes = static_cast<std::size_t>(header.width) * static_cast<std::size_t>(header.channels);
  if (png_get_rowbytes(decoder.png(), decoder.info()) != row_bytes) {
    return format_error(name + ": corrupt PNG: unexpected row size");
  }
  image.pixels.resize(static_cast<std::size_t>(header.height) * row_bytes);
  std::vector<png_bytep> rows(header.height);
  for (std::size_t y = 0; y < rows.size(); ++y) rows[y] = image.pixels.data() + y * row_bytes;
  if (!read_png_pixels(decoder.png(), rows.data())) return decoder.error(name);
  return image;
}

}  // namespace bfedge::io::detail
