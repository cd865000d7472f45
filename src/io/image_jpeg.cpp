// JPEG decoding with libjpeg-turbo. libjpeg reports errors by calling error_exit, which must not
// return; ours longjmps back to the setjmp in one of the two stage functions below. Those
// functions hold only plain C data (no object with a destructor lives across the longjmp), and
// the C++ code around them (the pixel vector, the error string) runs outside them.
#include <csetjmp>
#include <cstdio>
#include <cstring>

#include <jpeglib.h>
#include <jerror.h>

#include "bfedge/io/image.hpp"

namespace bfedge::io::detail {
namespace {

// Progressive JPEGs may hold thousands of scans, each a full pass: far beyond any real file.
constexpr int kMaxJpegScans = 1000;

struct JpegErrorManager {
  jpeg_error_mgr pub;           // first member: libjpeg sees a jpeg_error_mgr*
  std::jmp_buf jump;
  bool truncated = false;       // premature end of data (libjpeg's JWRN_JPEG_EOF)
  char message[JMSG_LENGTH_MAX] = {};
};

struct JpegProgress {
  jpeg_progress_mgr pub;
  bool too_many_scans = false;
};

[[noreturn]] void on_jpeg_error(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

// Warnings (level -1) end decoding too: libjpeg would carry on with made-up data.
void on_jpeg_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return;  // trace messages
  auto* err = reinterpret_cast<JpegErrorManager*>(cinfo->err);
  err->truncated = cinfo->err->msg_code == JWRN_JPEG_EOF;
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void on_jpeg_progress(j_common_ptr cinfo) {
  if (!cinfo->is_decompressor) return;
  auto* progress = reinterpret_cast<JpegProgress*>(cinfo->progress);
  if (reinterpret_cast<j_decompress_ptr>(cinfo)->input_scan_number > kMaxJpegScans) {
    progress->too_many_scans = true;
    auto* err = reinterpret_cast<JpegErrorManager*>(cinfo->err);
    std::snprintf(err->message, sizeof err->message, "more than %d scans", kMaxJpegScans);
    std::longjmp(err->jump, 1);
  }
}

struct JpegHeader {
  int height = 0, width = 0, channels = 0;
  J_COLOR_SPACE color_space = JCS_UNKNOWN;
};

// Stage 1: the header (libjpeg allocates nothing large yet). Returns false after an error.
bool read_jpeg_header(jpeg_decompress_struct* cinfo, JpegErrorManager* err, const std::uint8_t* data,
                      std::size_t size, JpegHeader* header) {
  if (setjmp(err->jump) != 0) return false;
  jpeg_mem_src(cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(cinfo, TRUE);
  header->color_space = cinfo->jpeg_color_space;
  if (cinfo->jpeg_color_space == JCS_GRAYSCALE) {
    cinfo->out_color_space = JCS_GRAYSCALE;
  } else if (cinfo->jpeg_color_space == JCS_YCbCr || cinfo->jpeg_color_space == JCS_RGB) {
    cinfo->out_color_space = JCS_RGB;
  } else {
    return true;  // refused by the caller (CMYK, YCCK)
  }
  jpeg_calc_output_dimensions(cinfo);
  header->height = static_cast<int>(cinfo->output_height);
  header->width = static_cast<int>(cinfo->output_width);
  header->channels = cinfo->output_components;
  return true;
}

// Stage 2: every scanline into `pixels` (height × row_bytes, allocated by the caller).
bool read_jpeg_pixels(jpeg_decompress_struct* cinfo, JpegErrorManager* err, std::uint8_t* pixels,
                      std::size_t row_bytes) {
  if (setjmp(err->jump) != 0) return false;
  jpeg_start_decompress(cinfo);
  while (cinfo->output_scanline < cinfo->output_height) {
    JSAMPROW row = pixels + static_cast<std::size_t>(cinfo->output_scanline) * row_bytes;
    jpeg_read_scanlines(cinfo, &row, 1);
  }
  jpeg_finish_decompress(cinfo);
  return true;
}

const char* color_space_name(J_COLOR_SPACE space) {
  switch (space) {
    case JCS_CMYK:
      return "CMYK";
    case JCS_YCCK:
      return "YCCK";
    default:
      return "unknown";
  }
}

// Owns the libjpeg state so every path destroys it (jpeg_destroy is safe after an error).
class JpegDecoder {
 public:
  explicit JpegDecoder(std::uint64_t max_memory) {
    cinfo_.err = jpeg_std_error(&err_.pub);
    err_.pub.error_exit = on_jpeg_error;
    err_.pub.emit_message = on_jpeg_message;
    progress_.pub.progress_monitor = on_jpeg_progress;
    jpeg_create_decompress(&cinfo_);  // cannot fail: libjpeg-turbo only checks the struct size
    cinfo_.progress = &progress_.pub;
    cinfo_.mem->max_memory_to_use = static_cast<long>(max_memory);
  }
  ~JpegDecoder() { jpeg_destroy_decompress(&cinfo_); }
  JpegDecoder(const JpegDecoder&) = delete;
  JpegDecoder& operator=(const JpegDecoder&) = delete;

  jpeg_decompress_struct* cinfo() { return &cinfo_; }
  JpegErrorManager* err() { return &err_; }

  Status error(const std::string& name) const {
    if (err_.truncated) return format_error(name + ": truncated JPEG");
    // "Corrupt JPEG data: 3 extraneous bytes..." reads "corrupt JPEG: 3 extraneous bytes...".
    std::string message = err_.message;
    constexpr const char kPrefix[] = "Corrupt JPEG data: ";
    if (message.rfind(kPrefix, 0) == 0) message.erase(0, sizeof kPrefix - 1);
    return format_error(name + ": corrupt JPEG: " + message);
  }

 private:
  jpeg_decompress_struct cinfo_{};
  JpegErrorManager err_{};
  JpegProgress progress_{};
};

}  // namespace

Result<Image> decode_jpeg(std::span<const std::uint8_t> bytes, const std::string& name,
                          const ImageLimits& limits) {
  // libjpeg's own buffers (whole-image coefficients for progressive files) stay within a few
  // times the pixel budget.
  JpegDecoder decoder(4 * limits.max_pixel_bytes + (std::uint64_t{16} << 20));
  JpegHeader header;
  if (!read_jpeg_header(decoder.cinfo(), decoder.err(), bytes.data(), bytes.size(), &header)) {
    return decoder.error(name);
  }
  if (header.channels == 0) {
    return Status(ErrorCode::unsupported,
                  name + ": JPEG in the " + color_space_name(header.color_space) +
                      " colour space; only grayscale and RGB (YCbCr) are supported");
  }
  BFEDGE_RETURN_IF_ERROR(check_image_size(static_cast<std::uint64_t>(header.height),
                                          static_cast<std::uint64_t>(header.width), header.channels,
                                          name, limits));
  Image image;
  image.height = header.height;
  image.width = header.width;
  image.channels = header.channels;
  image.pixels.resize(static_cast<std::size_t>(header.height) * static_cast<std::size_t>(header.width) *
                      static_cast<std::size_t>(header.channels));
  const std::size_t row_bytes = static_cast<std::size_t>(header.width) * static_cast<std::size_t>(header.channels);
  if (!read_jpeg_pixels(decoder.cinfo(), decoder.err(), image.pixels.data(), row_bytes)) {
    return decoder.error(name);
  }
  return image;
}

}  // namespace bfedge::io::detail
