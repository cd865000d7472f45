// An anonymous in-memory file (memfd) that a child process opens by the name /dev/fd/N: nothing
// on disk, so nothing is left behind on any exit, SIGKILL included, and no TMPDIR is needed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "bfedge/core/status.hpp"

namespace bfedge::process {

class MemoryFile {
 public:
  // `purpose` names the file in errors.
  static Result<MemoryFile> create(const std::string& purpose);
  MemoryFile(MemoryFile&& other) noexcept : fd_(other.fd_), purpose_(std::move(other.purpose_)) { other.fd_ = -1; }
  MemoryFile& operator=(MemoryFile&&) = delete;
  MemoryFile(const MemoryFile&) = delete;
  ~MemoryFile();

  int fd() const { return fd_; }
  std::string child_path() const { return "/dev/fd/" + std::to_string(fd_); }  // for a child that inherits fd()

  Status write_all(const void* bytes, std::size_t size);
  // The whole content, at most max_bytes (an error beyond).
  Result<std::string> read_all(std::size_t max_bytes) const;

 private:
  MemoryFile(int fd, std::string purpose) : fd_(fd), purpose_(std::move(purpose)) {}
  int fd_ = -1;
  std::string purpose_;
};

}  // namespace bfedge::process
