#include "bfedge/io/file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <new>

namespace bfedge::io {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

std::string errno_text() { return std::strerror(errno); }

struct OpenFile {
  FilePtr file;
  std::uint64_t size = 0;
};

// Opens a regular file for reading and reports its size (from stat): nothing is read yet.
Result<OpenFile> open_regular_file(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (std::filesystem::is_directory(status)) {
    return io_error(path + ": is a directory, expected a file");
  }
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    return io_error(path + ": not a regular file");
  }
  OpenFile open;
  open.file.reset(std::fopen(path.c_str(), "rb"));
  if (!open.file) return io_error(path + ": cannot open (" + errno_text() + ")");
  open.size = std::filesystem::file_size(path, ec);
  if (ec) return io_error(path + ": cannot read its size (" + ec.message() + ")");
  return open;
}

// Reads exactly `count` bytes from the current position.
Result<std::vector<std::byte>> read_bytes(std::FILE* file, const std::string& path,
                                          std::uint64_t count) {
  std::vector<std::byte> bytes;
  try {
    bytes.resize(static_cast<std::size_t>(count));
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::capacity,
                  path + ": not enough memory to read " + std::to_string(count) + " bytes");
  }
  const std::size_t got = std::fread(bytes.data(), 1, bytes.size(), file);
  if (std::ferror(file)) return io_error(path + ": read failed (" + errno_text() + ")");
  if (got != bytes.size()) return io_error(path + ": changed while being read");
  return bytes;
}

}  // namespace

Result<std::vector<std::byte>> read_file(const std::string& path, std::uint64_t max_bytes) {
  Result<OpenFile> open = open_regular_file(path);
  if (!open.is_ok()) return open.status();
  const std::uint64_t size = open.value().size;
  if (size > max_bytes) {
    return format_error(path + ": " + std::to_string(size) + " bytes, more than the " +
                        std::to_string(max_bytes) + " this file type may have");
  }
  return read_bytes(open.value().file.get(), path, size);
}

Result<FilePrefix> read_file_prefix(const std::string& path, std::size_t max_bytes) {
  Result<OpenFile> open = open_regular_file(path);
  if (!open.is_ok()) return open.status();
  FilePrefix prefix;
  prefix.file_size = open.value().size;
  Result<std::vector<std::byte>> bytes = read_bytes(
      open.value().file.get(), path, std::min<std::uint64_t>(prefix.file_size, max_bytes));
  if (!bytes.is_ok()) return bytes.status();
  prefix.bytes = std::move(bytes).value();
  return prefix;
}

Status write_file_atomically(const std::string& path, const void* bytes, std::size_t size) {
  const std::string temp = path + ".tmp-bfedge";
  {
    FilePtr file(std::fopen(temp.c_str(), "wb"));
    if (!file) return io_error(path + ": cannot create (" + errno_text() + ")");
    const bool written = std::fwrite(bytes, 1, size, file.get()) == size;
    const bool flushed = std::fflush(file.get()) == 0;
    if (!written || !flushed) {
      const std::string reason = errno_text();
      file.reset();
      std::remove(temp.c_str());
      return io_error(path + ": write failed (" + reason + ")");
    }
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string reason = errno_text();
    std::remove(temp.c_str());
    return io_error(path + ": cannot rename into place (" + reason + ")");
  }
  return Status::ok();
}

}  // namespace bfedge::io
