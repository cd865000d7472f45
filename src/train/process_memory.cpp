#include "bfedge/train/process_memory.hpp"

#include <climits>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace bfedge::train {

bool keep_freed_memory_in_process() {
#if defined(__GLIBC__)
  constexpr int kLargestMmapThreshold = 32 << 20;  // glibc's limit on 64-bit (HEAP_MAX_SIZE / 2)
  constexpr int kTopPad = 256 << 20;               // grow the heap in large steps
  // mallopt returns 1 on success; a sanitizer's allocator intercepts it and returns 0 or ignores it.
  return mallopt(M_MMAP_THRESHOLD, kLargestMmapThreshold) == 1 && mallopt(M_TRIM_THRESHOLD, INT_MAX) == 1 &&
         mallopt(M_TOP_PAD, kTopPad) == 1;
#else
  return false;
#endif
}

}  // namespace bfedge::train
