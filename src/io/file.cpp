#include "bfedge/io/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
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

mode_t current_umask() {
  const mode_t mask = umask(0);
  umask(mask);
  return mask;
}

struct OpenFile {
  FilePtr file;
  std::uint64_t size = 0;
};

// Opens a regular file for reading and reports its size: nothing is read yet.
Result<OpenFile> open_regular_file(const std::string& path) {
  Result<RegularFile> regular = open_regular_descriptor(path);
  if (!regular.is_ok()) return regular.status();
  OpenFile open;
  open.file.reset(fdopen(regular.value().fd, "rb"));
  if (!open.file) {
    const std::string reason = errno_text();
    close(regular.value().fd);
    return io_error(path + ": cannot open (" + reason + ")");
  }
  open.size = regular.value().size;
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

Result<RegularFile> open_regular_descriptor(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return io_error(path + ": cannot open (" + errno_text() + ")");
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    const std::string reason = errno_text();
    close(fd);
    return io_error(path + ": cannot read its size (" + reason + ")");
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return io_error(path + (S_ISDIR(st.st_mode) ? ": is a directory, expected a file" : ": not a regular file"));
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return RegularFile{fd, static_cast<std::uint64_t>(st.st_size)};
}

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
  // A unique temporary beside the target (two writers never share one), flushed to disk, renamed.
  std::string temp = path + ".tmp-bfedge-XXXXXX";
  const int fd = mkstemp(temp.data());
  if (fd < 0) return io_error(path + ": cannot create (" + errno_text() + ")");
  const auto* p = static_cast<const unsigned char*>(bytes);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t wrote = ::write(fd, p + done, size - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) break;
    done += static_cast<std::size_t>(wrote);
  }
  if (done != size || fsync(fd) != 0) {
    const std::string reason = done != size && errno == 0 ? "short write" : errno_text();
    close(fd);
    unlink(temp.c_str());
    return io_error(path + ": write failed (" + reason + ")");
  }
  fchmod(fd, 0644 & ~current_umask());
  close(fd);
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string reason = errno_text();
    unlink(temp.c_str());
    return io_error(path + ": cannot rename into place (" + reason + ")");
  }
  return Status::ok();
}

}  // namespace bfedge::io
