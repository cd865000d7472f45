// Shared by the bfedge mcu CLI tests.
#pragma once

#include <string>

// cmake/Rv32Firmware.cmake defines BFEDGE_HAVE_MCU for cli_tests when the firmware is built.
#ifndef BFEDGE_HAVE_MCU
#define SKIP_WITHOUT_MCU() GTEST_SKIP() << "built without the RV32 firmware or the QEMU plugin: skipped"
#else
#define SKIP_WITHOUT_MCU() (void)0
#endif

namespace bfedge::test {

inline int count_lines(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

}  // namespace bfedge::test
