# The MCU firmware's libraries — the bare-metal runtime (start-up, fork/join, barrier, UART, DMA)
# and the kernels (the host library's source list without the x86 ones) — and
# bfedge_rv32_firmware(NAME SOURCES...), which links a firmware ELF with them and the linker
# script. Included by src/targets/rv32 and by the firmware of projects `bfedge deploy` emits;
# needs BFEDGE_ROOT (the source tree) and BFEDGE_RV32_SOURCE_DIR (src/targets/rv32), and the
# toolchain file cmake/toolchains/rv32imafc.cmake.
# Memory-map overrides (include/bfedge/rv32/memory_map.h), passed on by the host build.
set(BFEDGE_MCU_DEFINES "")
foreach(var BFEDGE_MCU_L1_BYTES BFEDGE_MCU_L2_BYTES BFEDGE_MCU_L3_BYTES BFEDGE_MCU_WORKERS BFEDGE_MCU_STACK_BYTES)
  if(DEFINED ${var} AND NOT "${${var}}" STREQUAL "")
    list(APPEND BFEDGE_MCU_DEFINES ${var}=${${var}})
  endif()
endforeach()
list(TRANSFORM BFEDGE_MCU_DEFINES PREPEND -D OUTPUT_VARIABLE BFEDGE_MCU_DEFINE_FLAGS)

# The linker script, preprocessed with the memory map.
set(BFEDGE_RV32_LINK_SCRIPT ${CMAKE_CURRENT_BINARY_DIR}/link.ld)
add_custom_command(OUTPUT ${BFEDGE_RV32_LINK_SCRIPT}
  COMMAND ${CMAKE_C_COMPILER} -E -P -x c ${BFEDGE_MCU_DEFINE_FLAGS} -I${BFEDGE_ROOT}/include
          ${BFEDGE_RV32_SOURCE_DIR}/link.ld.S -o ${BFEDGE_RV32_LINK_SCRIPT}
  DEPENDS ${BFEDGE_RV32_SOURCE_DIR}/link.ld.S ${BFEDGE_ROOT}/include/bfedge/rv32/memory_map.h)
add_custom_target(bfedge_rv32_link_script DEPENDS ${BFEDGE_RV32_LINK_SCRIPT})

# libstdc++'s headers ask for glibc's __GLIBC_PREREQ: a one-line shim, searched last.
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/shim/features.h "#define __GLIBC_PREREQ(a, b) 0\n")

add_library(bfedge_rv32_runtime STATIC ${BFEDGE_RV32_SOURCE_DIR}/start.S ${BFEDGE_RV32_SOURCE_DIR}/rv32_runtime.cpp
            ${BFEDGE_RV32_SOURCE_DIR}/dma.cpp)
# The kernels: the same source list as the host library, without the x86 ones.
include(${BFEDGE_ROOT}/cmake/KernelSources.cmake)
add_library(bfedge_rv32_kernels STATIC ${BFEDGE_KERNEL_SOURCES})
set_source_files_properties(${BFEDGE_ROOT}/src/kernels/variants.cpp PROPERTIES
  COMPILE_DEFINITIONS ${BFEDGE_KERNEL_X86_DEFINE})
foreach(lib bfedge_rv32_runtime bfedge_rv32_kernels)
  target_include_directories(${lib} PUBLIC ${BFEDGE_ROOT}/include ${BFEDGE_RV32_SOURCE_DIR})
  target_compile_options(${lib} PUBLIC
    $<$<COMPILE_LANGUAGE:CXX>:-nostdinc++ -ffunction-sections -fdata-sections -O2 -ffp-contract=fast -Wall -Wextra -Werror>
    "$<$<COMPILE_LANGUAGE:CXX>:SHELL:-idirafter ${CMAKE_CURRENT_BINARY_DIR}/shim>")
  foreach(dir ${BFEDGE_RV32_CXX_INCLUDES})  # SHELL: keeps CMake from merging repeated -isystem
    target_compile_options(${lib} PUBLIC "$<$<COMPILE_LANGUAGE:CXX>:SHELL:-isystem ${dir}>")
  endforeach()
  target_compile_definitions(${lib} PUBLIC ${BFEDGE_MCU_DEFINES})
endforeach()

function(bfedge_rv32_firmware name)
  add_executable(${name} ${ARGN})
  set_target_properties(${name} PROPERTIES SUFFIX ".elf" LINKER_LANGUAGE C)
  target_link_libraries(${name} PRIVATE bfedge_rv32_kernels bfedge_rv32_runtime)
  target_link_directories(${name} PRIVATE ${BFEDGE_RV32_LIB_DIRS})
  target_link_options(${name} PRIVATE -nostdlib -T ${BFEDGE_RV32_LINK_SCRIPT}
                      -Wl,--gc-sections -Wl,--no-warn-rwx-segments)
  target_link_libraries(${name} PRIVATE -Wl,--start-group c m gcc -Wl,--end-group)
  add_dependencies(${name} bfedge_rv32_link_script)
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS ${BFEDGE_RV32_LINK_SCRIPT})
endfunction()

