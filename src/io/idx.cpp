// IDX (MNIST-style) images and labels, plain or gzip-compressed (zlib).
#include "bfedge/io/idx.hpp"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>

#include "bfedge/io/file.hpp"

namespace bfedge::io {
namespace {

std::uint32_t read_be32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | std::uint32_t{p[3]};
}

std::string hex32(std::uint32_t v) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", v);
  return text;
}

// Checks the magic and returns the dimensions that follow it.
Result<std::vector<std::uint32_t>> read_idx_header(std::span<const std::uint8_t> bytes, const std::string& name,
                                                   std::uint32_t magic, std::size_t dims, const char* what) {
  const std::size_t header = 4 * (1 + dims);
  if (bytes.size() < 4) return format_error(name + ": " + std::to_string(bytes.size()) + " bytes, too short for an IDX header");
  const std::uint32_t got = read_be32(bytes.data());
  if (got != magic) {
    return format_error(name + ": bad magic " + hex32(got) + ", expected " + hex32(magic) + " (IDX " + what + ")");
  }
  if (bytes.size() < header) {
    return format_error(name + ": truncated IDX header (" + std::to_string(bytes.size()) + " of " +
                        std::to_string(header) + " bytes)");
  }
  std::vector<std::uint32_t> out(dims);
  for (std::size_t i = 0; i < dims; ++i) out[i] = read_be32(bytes.data() + 4 * (i + 1));
  return out;
}

std::string join_dims(const std::vector<std::uint32_t>& dims) {
  std::string text;
  for (std::size_t i = 0; i < dims.size(); ++i) text += (i ? "×" : "") + std::to_string(dims[i]);
  return text;
}

// zlib's message for a descriptor starts "<fd:N>: "; the path is ours to give.
std::string gz_message(gzFile gz, int& code) {
  std::string message = gzerror(gz, &code);
  if (message.rfind("<fd:", 0) == 0 && message.find(": ") != std::string::npos) message.erase(0, message.find(": ") + 2);
  return message;
}

// Checks that exactly the announced data follows the header.
Status check_idx_data(std::span<const std::uint8_t> bytes, const std::string& name,
                      const std::vector<std::uint32_t>& dims, std::uint64_t data_bytes) {
  const std::uint64_t after = bytes.size() - 4 * (1 + dims.size());
  if (after < data_bytes) {
    return format_error(name + ": short data: header says " + join_dims(dims) + ", file has " +
                        std::to_string(after) + " bytes after the header");
  }
  if (after > data_bytes) {
    return format_error(name + ": " + std::to_string(after - data_bytes) + " bytes after the " +
                        join_dims(dims) + " the header announces");
  }
  return Status::ok();
}

}  // namespace

Result<IdxImages> parse_idx_images(std::span<const std::uint8_t> bytes, const std::string& name) {
  Result<std::vector<std::uint32_t>> dims = read_idx_header(bytes, name, kIdxImagesMagic, 3, "images");
  if (!dims.is_ok()) return dims.status();
  const std::vector<std::uint32_t>& d = dims.value();
  if (d[1] == 0 || d[2] == 0 || d[1] > kMaxIdxSide || d[2] > kMaxIdxSide) {
    return format_error(name + ": header says " + join_dims(d) + ": images must be 1 to " +
                        std::to_string(kMaxIdxSide) + " pixels a side");
  }
  // count ≤ 2^32 and rows × cols ≤ 2^28: the product fits 64 bits.
  const std::uint64_t data_bytes = std::uint64_t{d[0]} * d[1] * d[2];
  if (data_bytes > kMaxIdxBytes || d[0] > 0x7fffffffu) {
    return format_error(name + ": header says " + join_dims(d) + ", more than the " + std::to_string(kMaxIdxBytes) +
                        " bytes an IDX file may hold");
  }
  BFEDGE_RETURN_IF_ERROR(check_idx_data(bytes, name, d, data_bytes));
  IdxImages images;
  images.count = static_cast<int>(d[0]);
  images.rows = static_cast<int>(d[1]);
  images.cols = static_cast<int>(d[2]);
  images.pixels.assign(bytes.begin() + 16, bytes.end());
  return images;
}

Result<std::vector<std::uint8_t>> parse_idx_labels(std::span<const std::uint8_t> bytes, const std::string& name) {
  Result<std::vector<std::uint32_t>> dims = read_idx_header(bytes, name, kIdxLabelsMagic, 1, "labels");
  if (!dims.is_ok()) return dims.status();
  if (dims.value()[0] > 0x7fffffffu) {
    return format_error(name + ": header says " + join_dims(dims.value()) + " labels, more than 2147483647");
  }
  BFEDGE_RETURN_IF_ERROR(check_idx_data(bytes, name, dims.value(), dims.value()[0]));
  return std::vector<std::uint8_t>(bytes.begin() + 8, bytes.end());
}

Result<std::vector<std::uint8_t>> read_maybe_gzipped(const std::string& path, std::uint64_t max_bytes) {
  Result<RegularFile> file = open_regular_descriptor(path);
  if (!file.is_ok()) return file.status();
  gzFile gz = gzdopen(file.value().fd, "rb");
  if (gz == nullptr) {
    close(file.value().fd);
    return io_error(path + ": cannot open (out of memory)");
  }
  std::vector<std::uint8_t> bytes;
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  for (;;) {
    const std::size_t at = bytes.size();
    bytes.resize(at + kChunk);
    const int got = gzread(gz, bytes.data() + at, static_cast<unsigned>(kChunk));
    if (got < 0) {
      int code = 0;
      const std::string message = gz_message(gz, code);
      gzclose(gz);
      if (code == Z_ERRNO) return io_error(path + ": read failed");
      return format_error(path + ": corrupt gzip data: " + message);
    }
    bytes.resize(at + static_cast<std::size_t>(got));
    if (bytes.size() > max_bytes) {
      gzclose(gz);
      return format_error(path + ": more than " + std::to_string(max_bytes) + " bytes once decompressed");
    }
    if (got == 0) break;
  }
  // gzread ends quietly at a truncated gzip stream; gzclose then reports it.
  int code = 0;
  const std::string message = gz_message(gz, code);
  const int closed = gzclose(gz);
  if (code != Z_OK || closed != Z_OK) {
    return format_error(path + ": corrupt gzip data: " + (code != Z_OK ? message : std::string("truncated")));
  }
  return bytes;
}

Result<IdxImages> read_idx_images(const std::string& path) {
  Result<std::vector<std::uint8_t>> bytes = read_maybe_gzipped(path, kMaxIdxBytes + 16);
  if (!bytes.is_ok()) return bytes.status();
  return parse_idx_images(bytes.value(), path);
}

Result<std::vector<std::uint8_t>> read_idx_labels(const std::string& path) {
  Result<std::vector<std::uint8_t>> bytes = read_maybe_gzipped(path, kMaxIdxBytes + 8);
  if (!bytes.is_ok()) return bytes.status();
  return parse_idx_labels(bytes.value(), path);
}

Result<IdxDataset> read_idx_dataset(const std::string& images_path, const std::string& labels_path) {
  Result<IdxImages> images = read_idx_images(images_path);
  if (!images.is_ok()) return images.status();
  Result<std::vector<std::uint8_t>> labels = read_idx_labels(labels_path);
  if (!labels.is_ok()) return labels.status();
  if (labels.value().size() != static_cast<std::size_t>(images.value().count)) {
    return format_error(labels_path + ": " + std::to_string(labels.value().size()) + " labels for the " +
                        std::to_string(images.value().count) + " images of " + images_path);
  }
  return IdxDataset{std::move(images).value(), std::move(labels).value()};
}

}  // namespace bfedge::io
