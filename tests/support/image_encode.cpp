// JPEG and PNG encoders for tests (libjpeg, libpng), writing to memory.
#include "support/image_encode.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <jpeglib.h>
#include <png.h>

namespace bfedge::test {
namespace {

void append_png_bytes(png_structp png, png_bytep data, png_size_t size) {
  auto* out = static_cast<std::vector<std::uint8_t>*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + size);
}
void flush_png(png_structp) {}

}  // namespace

std::vector<std::uint8_t> encode_jpeg(int height, int width, int channels, const std::vector<std::uint8_t>& pixels,
                                      int quality, bool progressive) {
  jpeg_compress_struct cinfo{};
  jpeg_error_mgr err{};
  cinfo.err = jpeg_std_error(&err);  // errors exit(): the inputs are the tests' own
  jpeg_create_compress(&cinfo);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = static_cast<JDIMENSION>(width);
  cinfo.image_height = static_cast<JDIMENSION>(height);
  cinfo.input_components = channels;
  cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  if (progressive) jpeg_simple_progression(&cinfo);
  jpeg_start_compress(&cinfo, TRUE);
  const std::size_t row_bytes = static_cast<std::size_t>(width) * static_cast<std::size_t>(channels);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(pixels.data() + cinfo.next_scanline * row_bytes);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::vector<std::uint8_t> out(buffer, buffer + size);
  std::free(buffer);
  return out;
}

std::vector<std::uint8_t> encode_png(const PngSpec& spec) {
  std::vector<std::uint8_t> out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (png == nullptr || info == nullptr) std::abort();
  png_set_write_fn(png, &out, append_png_bytes, flush_png);
  png_set_IHDR(png, info, static_cast<png_uint_32>(spec.width), static_cast<png_uint_32>(spec.height),
               spec.bit_depth, spec.color_type, spec.interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  std::vector<png_color> palette(spec.palette.size() / 3);
  for (std::size_t i = 0; i < palette.size(); ++i) {
    palette[i] = {spec.palette[3 * i], spec.palette[3 * i + 1], spec.palette[3 * i + 2]};
  }
  if (!palette.empty()) png_set_PLTE(png, info, palette.data(), static_cast<int>(palette.size()));
  if (!spec.trns.empty()) {
    png_set_tRNS(png, info, spec.trns.data(), static_cast<int>(spec.trns.size()), nullptr);
  } else if (!spec.trns_color.empty()) {
    png_color_16 color{};
    if (spec.trns_color.size() == 1) {
      color.gray = spec.trns_color[0];
    } else {
      color.red = spec.trns_color[0];
      color.green = spec.trns_color[1];
      color.blue = spec.trns_color[2];
    }
    png_set_tRNS(png, info, nullptr, 0, &color);
  }
  png_write_info(png, info);
  const std::size_t row_bytes = png_get_rowbytes(png, info);
  std::vector<png_bytep> rows(static_cast<std::size_t>(spec.height));
  for (std::size_t y = 0; y < rows.size(); ++y) rows[y] = const_cast<png_bytep>(spec.rows.data() + y * row_bytes);
  png_write_image(png, rows.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

std::vector<std::uint8_t> encode_png(int height, int width, int channels, const std::vector<std::uint8_t>& pixels) {
  static constexpr int kTypes[] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                   PNG_COLOR_TYPE_RGB_ALPHA};
  PngSpec spec;
  spec.height = height;
  spec.width = width;
  spec.color_type = kTypes[channels - 1];
  spec.rows = pixels;
  return encode_png(spec);
}

std::vector<std::uint8_t> test_pixels(int height, int width, int channels, unsigned seed) {
  std::vector<std::uint8_t> p(static_cast<std::size_t>(height) * static_cast<std::size_t>(width) *
                              static_cast<std::size_t>(channels));
  std::size_t i = 0;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < channels; ++c) {
        const unsigned v = static_cast<unsigned>(x * (37 + 11 * c) + y * (23 + 7 * c)) + seed * 29 + ((x ^ y) & 3) * 5;
        p[i++] = static_cast<std::uint8_t>(v);
      }
    }
  }
  return p;
}

}  // namespace bfedge::test
