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

# Memory-map overrides (include/bfedge/rv32/memory_map.h) for the firmware and the host side.
set(BFEDGE_MCU_MAP_ARGS "")
foreach(var BFEDGE_MCU_L1_BYTES BFEDGE_MCU_L2_BYTES BFEDGE_MCU_L3_BYTES BFEDGE_MCU_STACK_BYTES)
  if(DEFINED ${var})
    list(APPEND BFEDGE_MCU_MAP_ARGS -D${var}=${${var}})
    target_compile_definitions(bfedge_emulator PUBLIC ${var}=${${var}})
  endif()
endforeach()

include(ExternalProject)
set(BFEDGE_RV32_BINARY_DIR ${CMAKE_BINARY_DIR}/rv32)
ExternalProject_Add(bfedge_rv32
  SOURCE_DIR ${PROJECT_SOURCE_DIR}/src/targets/rv32
  BINARY_DIR ${BFEDGE_RV32_BINARY_DIR}
  CMAKE_ARGS -DCMAKE_TOOLCHAIN_FILE=${PROJECT_SOURCE_DIR}/cmake/toolchains/rv32imafc.cmake
             -DCMAKE_BUILD_TYPE=Release -G ${CMAKE_GENERATOR} ${BFEDGE_MCU_MAP_ARGS}
  BUILD_ALWAYS ON
  INSTALL_COMMAND ""
  BUILD_BYPRODUCTS ${BFEDGE_RV32_BINARY_DIR}/kernel_tests.elf ${BFEDGE_RV32_BINARY_DIR}/mcu_firmware.elf ${BFEDGE_RV32_BINARY_DIR}/count_probe.elf)

# The per-hart counting plugin (tools/qemu-plugin), when scripts/ fetched Debian's qemu-plugin.h.
find_path(BFEDGE_QEMU_PLUGIN_INCLUDE qemu-plugin.h PATHS ${PROJECT_SOURCE_DIR}/.cache/qemu-plugin-api
          NO_DEFAULT_PATH)
if(BFEDGE_QEMU_PLUGIN_INCLUDE)
  enable_language(C)
  add_library(bfedge_counters MODULE ${PROJECT_SOURCE_DIR}/tools/qemu-plugin/bfedge_counters.c)
  target_include_directories(bfedge_counters PRIVATE ${BFEDGE_QEMU_PLUGIN_INCLUDE})
  target_compile_options(bfedge_counters PRIVATE -Wall -Wextra -Werror)
  # QEMU loads the plugin with dlopen: a sanitizer runtime cannot come in that way.
  target_compile_options(bfedge_counters PRIVATE -fno-sanitize=all)
  target_link_options(bfedge_counters PRIVATE -fno-sanitize=all)
  set_target_properties(bfedge_counters PROPERTIES PREFIX "lib" OUTPUT_NAME bfedge_counters)
else()
  message(STATUS "bfedge: qemu-plugin.h not fetched (.cache/qemu-plugin-api), counting plugin not built")
endif()

if(TARGET bfedge_counters)
  target_compile_definitions(bfedge_emulator PRIVATE
    BFEDGE_MCU_FIRMWARE_ELF="${BFEDGE_RV32_BINARY_DIR}/mcu_firmware.elf"
    BFEDGE_MCU_COUNTERS_PLUGIN="$<TARGET_FILE:bfedge_counters>"
    BFEDGE_MCU_QEMU="${BFEDGE_QEMU_RV32}")
  add_dependencies(bfedge_emulator bfedge_rv32 bfedge_counters)
  if(TARGET cli_tests)
    target_compile_definitions(cli_tests PRIVATE BFEDGE_HAVE_MCU=1)
  endif()
endif()

if(BFEDGE_BUILD_TESTS)
  add_test(NAME rv32_kernel_tests_8_harts
           COMMAND ${BFEDGE_QEMU_RV32} -machine virt -smp 9 -m 256M -bios none -nographic
                   -kernel ${BFEDGE_RV32_BINARY_DIR}/kernel_tests.elf)
  # The firmware exits with its failure count; a "FAIL" line fails the test too.
  set_tests_properties(rv32_kernel_tests_8_harts PROPERTIES TIMEOUT 120 FAIL_REGULAR_EXPRESSION "FAIL")
  if(TARGET bfedge_counters)
    add_executable(rv32_plugin_tests ${PROJECT_SOURCE_DIR}/tests/rv32/plugin_counts_test.cpp)
    target_link_libraries(rv32_plugin_tests PRIVATE bfedge_test_support bfedge_process GTest::gtest_main
                          nlohmann_json::nlohmann_json bfedge_warnings)
    target_compile_definitions(rv32_plugin_tests PRIVATE
      BFEDGE_QEMU_RV32="${BFEDGE_QEMU_RV32}"
      BFEDGE_RV32_NM="riscv64-unknown-elf-nm"
      BFEDGE_COUNT_PROBE_ELF="${BFEDGE_RV32_BINARY_DIR}/count_probe.elf"
      BFEDGE_COUNTERS_PLUGIN="$<TARGET_FILE:bfedge_counters>")
    add_dependencies(rv32_plugin_tests bfedge_rv32 bfedge_counters)
    include(GoogleTest)
    gtest_discover_tests(rv32_plugin_tests DISCOVERY_TIMEOUT 60)
  endif()
endif()
