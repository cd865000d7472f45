#include "bfedge/io/mapped_file.hpp"

#include "bfedge/io/file.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace bfedge::io {

Result<MappedFile> MappedFile::open(const std::string& path) {
  Result<RegularFile> file = open_regular_descriptor(path);
  if (!file.is_ok()) return file.status();
  const int fd = file.value().fd;
  const auto size = static_cast<std::size_t>(file.value().size);
  if (size == 0) {
    close(fd);
    return MappedFile(nullptr, 0);
  }
  void* data = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int error = errno;
  close(fd);
  if (data == MAP_FAILED) return io_error(path + ": cannot map (" + std::strerror(error) + ")");
  return MappedFile(data, size);
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) munmap(data_, size_);
}

}  // namespace bfedge::io
