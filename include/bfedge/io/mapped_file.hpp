// A regular file mapped read-only into memory (mmap): loaders validate a header and then read
// tensors in place, without copying the file.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "bfedge/core/status.hpp"

namespace bfedge::io {

class MappedFile {
 public:
  // Errors name the path: "<path>: cannot open (...)", "<path>: not a regular file".
  static Result<MappedFile> open(const std::string& path);
  MappedFile(MappedFile&& other) noexcept : data_(other.data_), size_(other.size_) {
    other.data_ = nullptr;
    other.size_ = 0;
  }
  MappedFile& operator=(MappedFile&&) = delete;
  MappedFile(const MappedFile&) = delete;
  ~MappedFile();

  std::span<const std::byte> bytes() const { return {static_cast<const std::byte*>(data_), size_}; }

 private:
  MappedFile(void* data, std::size_t size) : data_(data), size_(size) {}
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace bfedge::io
