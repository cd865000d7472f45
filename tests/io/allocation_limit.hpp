// Caps the size of any single operator-new allocation while in scope (this test binary replaces
// the global operator new/delete): an allocation above the cap throws std::bad_alloc, so a loader
// that allocates before validating fails the test instead of filling the machine's memory.
#pragma once

#include <cstddef>

namespace bfedge::test {

class ScopedAllocationLimit {
 public:
  explicit ScopedAllocationLimit(std::size_t max_bytes);
  ~ScopedAllocationLimit();
  ScopedAllocationLimit(const ScopedAllocationLimit&) = delete;
  ScopedAllocationLimit& operator=(const ScopedAllocationLimit&) = delete;

  // The largest allocation asked for (granted or refused) while in scope.
  static std::size_t largest_request();

 private:
  std::size_t previous_;
};

}  // namespace bfedge::test
