#include "bfedge/process/memory_file.hpp"

#include "descriptors.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace bfedge::process {

Result<MemoryFile> MemoryFile::create(const std::string& purpose) {
  const int fd = above_standard_streams(memfd_create(("bfedge " + purpose).c_str(), MFD_CLOEXEC));
  if (fd < 0) return io_error("cannot create a memory file for " + purpose + " (" + std::strerror(errno) + ")");
  return MemoryFile(fd, purpose);
}

MemoryFile::~MemoryFile() {
  if (fd_ >= 0) close(fd_);
}

Status MemoryFile::write_all(const void* bytes, std::size_t size) {
  const auto* p = static_cast<const unsigned char*>(bytes);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t wrote = pwrite(fd_, p + done, size - done, static_cast<off_t>(done));
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote < 0) return io_error("cannot write the " + purpose_ + " memory file (" + std::strerror(errno) + ")");
    if (wrote == 0) return io_error("cannot write the " + purpose_ + " memory file (no progress)");
    done += static_cast<std::size_t>(wrote);
  }
  return Status::ok();
}

Result<std::string> MemoryFile::read_all(std::size_t max_bytes) const {
  struct stat st {};
  if (fstat(fd_, &st) != 0) return io_error("cannot read the " + purpose_ + " memory file (" + std::strerror(errno) + ")");
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size > max_bytes) {
    return format_error("the " + purpose_ + " is " + std::to_string(size) + " bytes, more than the " +
                        std::to_string(max_bytes) + " expected");
  }
  std::string text(size, '\0');
  std::size_t done = 0;
  while (done < size) {
    const ssize_t got = pread(fd_, text.data() + done, size - done, static_cast<off_t>(done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return io_error("cannot read the " + purpose_ + " memory file (" + std::strerror(errno) + ")");
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  text.resize(done);
  return text;
}

}  // namespace bfedge::process
