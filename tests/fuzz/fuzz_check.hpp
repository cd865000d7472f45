// The harnesses' property checks: a violated property aborts, which libFuzzer reports as a crash
// and keeps the input.
#pragma once

#include <cstdio>
#include <cstdlib>

#define BFEDGE_FUZZ_CHECK(condition)                                                  \
  do {                                                                                \
    if (!(condition)) {                                                               \
      std::fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                   \
    }                                                                                 \
  } while (0)
