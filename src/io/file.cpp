#include "bfedge/io/file.hpp"

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

}  // namespace

Result<std::vector<std::byte>> read_file(const std::string& path, std::uint64_t max_bytes) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (std::filesystem::is_directory(status)) {
    return io_error(path + ": is a directory, expected a file");
  }
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    return io_error(path + ": not a regular file");
  }
  FilePtr file(std::fopen(path.c_str(), "rb"));
  if (!file) return io_error(path + ": cannot open (" + errno_text() + ")");
  const std::uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return io_error(path + ": cannot read its size (" + ec.message() + ")");
  if (size > max_bytes) {
    return format_error(path + ": " + std::to_string(size) + " bytes, more than the " +
                        std::to_string(max_bytes) + " this file type may have");
  }
  std::vector<std::byte> bytes;
  try {
    bytes.resize(static_cast<std::size_t>(size));
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::capacity, path + ": not enough memory to read " + std::to_string(size) + " bytes");
  }
  const std::size_t got = std::fread(bytes.data(), 1, bytes.size(), file.get());
  if (std::ferror(file.get())) return io_error(path + ": read failed (" + errno_text() + ")");
  if (got != bytes.size()) return io_error(path + ": changed while being read");
  return bytes;
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
