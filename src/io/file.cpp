#include "bfedge/io/file.hpp"

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <memory>

namespace bfedge::io {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

std::string errno_text() { return std::strerror(errno); }

}  // namespace

Result<std::vector<std::byte>> read_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return io_error(path + ": is a directory, expected a file");
  }
  FilePtr file(std::fopen(path.c_str(), "rb"));
  if (!file) return io_error(path + ": cannot open (" + errno_text() + ")");
  std::vector<std::byte> bytes;
  std::byte chunk[1 << 16];
  for (;;) {
    const std::size_t got = std::fread(chunk, 1, sizeof chunk, file.get());
    bytes.insert(bytes.end(), chunk, chunk + got);
    if (got < sizeof chunk) break;
  }
  if (std::ferror(file.get())) return io_error(path + ": read failed (" + errno_text() + ")");
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
