// keep_freed_memory_in_process: a 24 MiB block freed and allocated again is the same memory, so
// touching it the second time costs (almost) no page faults. With glibc's defaults the first block
// is mmapped and unmapped on free, and the second comes from fresh heap pages elsewhere (6,144
// faults without transparent huge pages). Each
// test runs in its own process (gtest_discover_tests), so glibc starts from its defaults here.
#include "bfedge/train/process_memory.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstddef>
#include <cstdlib>

namespace bfedge::train {
namespace {

constexpr std::size_t kBlockBytes = 24u << 20;
constexpr std::size_t kPageBytes = 4096;

long minor_faults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

struct Touch {
  const void* address = nullptr;
  long faults = 0;
};

// Allocates kBlockBytes, writes every page, frees it: where it was and the page faults it took.
Touch touch_a_large_block() {
  auto* block = static_cast<volatile char*>(std::malloc(kBlockBytes));
  if (block == nullptr) return {};
  const long before = minor_faults();
  for (std::size_t i = 0; i < kBlockBytes; i += kPageBytes) block[i] = static_cast<char>(i);
  const Touch touch{const_cast<const char*>(block), minor_faults() - before};
  std::free(const_cast<char*>(block));
  return touch;
}

TEST(ProcessMemory, AFreedLargeBlockIsReusedWithoutPageFaults) {
  if (!keep_freed_memory_in_process()) GTEST_SKIP() << "no glibc malloc control here (a sanitizer's allocator)";
  EXPECT_TRUE(keep_freed_memory_in_process()) << "idempotent";
  const Touch first = touch_a_large_block();
  const Touch second = touch_a_large_block();
  ASSERT_NE(first.address, nullptr);
  EXPECT_EQ(second.address, first.address) << "the second block is not the memory the first freed";
  EXPECT_LT(second.faults, static_cast<long>(kBlockBytes / kPageBytes) / 20)
      << "the freed block went back to the kernel (first touch: " << first.faults << " faults)";
}

}  // namespace
}  // namespace bfedge::train
