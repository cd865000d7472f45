# Builds src/targets/rv32 with the RV32 toolchain as an external project and registers its
# on-target tests with ctest (QEMU's exit status is the firmware's: non-zero = a failed kernel).
option(BFEDGE_BUILD_RV32 "Cross-compile the RV32 firmware and test it under QEMU (if found)" ON)
find_program(BFEDGE_RV32_CXX riscv64-unknown-elf-g++)
find_program(BFEDGE_QEMU_RV32 qemu-system-riscv32)
if(NOT BFEDGE_BUILD_RV32)
  return()
endif()
if(NOT BFEDGE_RV32_CXX OR NOT BFEDGE_QEMU_RV32 OR NOT EXISTS /usr/riscv64-linux-gnu/include/c++/12)
  message(STATUS "bfedge: RV32 toolchain or QEMU not found, firmware not built")
  return()
endif()

include(ExternalProject)
set(BFEDGE_RV32_BINARY_DIR ${CMAKE_BINARY_DIR}/rv32)
ExternalProject_Add(bfedge_rv32
  SOURCE_DIR ${PROJECT_SOURCE_DIR}/src/targets/rv32
  BINARY_DIR ${BFEDGE_RV32_BINARY_DIR}
  CMAKE_ARGS -DCMAKE_TOOLCHAIN_FILE=${PROJECT_SOURCE_DIR}/cmake/toolchains/rv32imafc.cmake
             -DCMAKE_BUILD_TYPE=Release -G ${CMAKE_GENERATOR}
  BUILD_ALWAYS ON
  INSTALL_COMMAND ""
  BUILD_BYPRODUCTS ${BFEDGE_RV32_BINARY_DIR}/kernel_tests.elf)

if(BFEDGE_BUILD_TESTS)
  add_test(NAME rv32_kernel_tests_8_harts
           COMMAND ${BFEDGE_QEMU_RV32} -machine virt -smp 8 -bios none -nographic
                   -kernel ${BFEDGE_RV32_BINARY_DIR}/kernel_tests.elf)
  # The firmware exits with its failure count; a "FAIL" line fails the test too.
  set_tests_properties(rv32_kernel_tests_8_harts PROPERTIES TIMEOUT 120 FAIL_REGULAR_EXPRESSION "FAIL")
endif()
