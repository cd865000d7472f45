// Host-side owner of 64-byte aligned, zero-initialized bytes (kernel scratch, packed weights).
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <new>

namespace bfedge::runtime {

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(std::size_t bytes) { resize(bytes); }

  void resize(std::size_t bytes) {
    if (bytes <= size_) return;
    data_.reset(static_cast<std::byte*>(::operator new(bytes, std::align_val_t{64})));
    std::memset(data_.get(), 0, bytes);
    size_ = bytes;
  }
  std::byte* data() { return data_.get(); }
  const std::byte* data() const { return data_.get(); }
  std::size_t size() const { return size_; }

 private:
  struct Free {
    void operator()(std::byte* p) const { ::operator delete(p, std::align_val_t{64}); }
  };
  std::unique_ptr<std::byte, Free> data_;
  std::size_t size_ = 0;
};

}  // namespace bfedge::runtime
