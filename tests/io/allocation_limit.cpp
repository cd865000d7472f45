#include "allocation_limit.hpp"

#include <atomic>
#include <cstdlib>
#include <limits>
#include <new>

namespace bfedge::test {
namespace {

std::atomic<std::size_t> g_limit{std::numeric_limits<std::size_t>::max()};
std::atomic<std::size_t> g_largest{0};

void* allocate(std::size_t size) {
  std::size_t largest = g_largest.load();
  while (size > largest && !g_largest.compare_exchange_weak(largest, size)) {
  }
  if (size > g_limit.load()) return nullptr;
  return std::malloc(size == 0 ? 1 : size);
}

}  // namespace

ScopedAllocationLimit::ScopedAllocationLimit(std::size_t max_bytes) : previous_(g_limit.load()) {
  g_largest = 0;
  g_limit = max_bytes;
}
ScopedAllocationLimit::~ScopedAllocationLimit() { g_limit = previous_; }
std::size_t ScopedAllocationLimit::largest_request() { return g_largest.load(); }

}  // namespace bfedge::test

// Every non-aligned form, so that allocation and release always pair malloc with free (ASan
// checks the pairing). The aligned forms stay the runtime's own.
void* operator new(std::size_t size) {
  if (void* p = bfedge::test::allocate(size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return bfedge::test::allocate(size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return bfedge::test::allocate(size);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
