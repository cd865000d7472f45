// Whole-file reading and a bounds-checked little-endian byte cursor for the format loaders.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "bfedge/core/status.hpp"

namespace bfedge::io {

// A regular file opened for reading (close-on-exec; the caller closes fd) and its size. The checks
// are made on the opened descriptor (fstat), so nothing swapped in after a check is read, and the
// open itself never waits on a FIFO (O_NONBLOCK, cleared afterwards). Errors name the path:
// "<path>: cannot open (...)", "<path>: is a directory, expected a file", "<path>: not a regular file".
struct RegularFile {
  int fd = -1;
  std::uint64_t size = 0;
};
Result<RegularFile> open_regular_descriptor(const std::string& path);

// Reads the whole of a regular file of at most max_bytes. Errors name the path, e.g.
// "<path>: cannot open (No such file or directory)", "<path>: not a regular file".
Result<std::vector<std::byte>> read_file(const std::string& path,
                                         std::uint64_t max_bytes = std::uint64_t{16} << 30);

// The first `max_bytes` bytes of a regular file (all of it when shorter) and the file's size, so
// a loader can validate a header against the size before reading, allocating or mapping more.
struct FilePrefix {
  std::vector<std::byte> bytes;
  std::uint64_t file_size = 0;
};
Result<FilePrefix> read_file_prefix(const std::string& path, std::size_t max_bytes);

// Writes `bytes` to `path` atomically: a temporary file beside it, then rename, so a failure
// never leaves a half-written file behind.
Status write_file_atomically(const std::string& path, const void* bytes, std::size_t size);

class ByteCursor {
 public:
  ByteCursor(const std::byte* data, std::size_t size) : data_(data), size_(size) {}

  std::size_t offset() const { return offset_; }
  std::size_t remaining() const { return size_ - offset_; }
  bool at_end() const { return offset_ == size_; }

  // Each read returns false (and reads nothing) when fewer than the needed bytes remain.
  bool read_bytes(void* out, std::size_t count) {
    if (count > remaining()) return false;
    std::memcpy(out, data_ + offset_, count);
    offset_ += count;
    return true;
  }
  bool read_i32(std::int32_t& out) { return read_bytes(&out, sizeof out); }
  bool read_u32(std::uint32_t& out) { return read_bytes(&out, sizeof out); }
  bool read_f32(float& out) { return read_bytes(&out, sizeof out); }
  bool skip(std::size_t count) {
    if (count > remaining()) return false;
    offset_ += count;
    return true;
  }
  const std::byte* current() const { return data_ + offset_; }

 private:
  const std::byte* data_;
  std::size_t size_;
  std::size_t offset_ = 0;
};

}  // namespace bfedge::io
