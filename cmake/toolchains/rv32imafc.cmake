# Bare-metal RV32 (rv32imafc / ilp32f) with Debian's GCC 12 riscv64-unknown-elf + picolibc.
# Debian ships no libstdc++ for this target: C++ uses the target-independent headers of
# libstdc++-12-dev-riscv64-cross plus a features.h shim (../shared/notes/toolchain.md), and code is
# freestanding C++ (no exceptions, no RTTI, no thread-safe statics). Link with gcc (-nostdlib).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv32)
set(CMAKE_C_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_CXX_COMPILER riscv64-unknown-elf-g++)
set(CMAKE_ASM_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(BFEDGE_RV32_ARCH_FLAGS "-march=rv32imafc -mabi=ilp32f -mcmodel=medany")
set(CMAKE_C_FLAGS_INIT "${BFEDGE_RV32_ARCH_FLAGS}")
set(CMAKE_ASM_FLAGS_INIT "${BFEDGE_RV32_ARCH_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT "${BFEDGE_RV32_ARCH_FLAGS} -fno-exceptions -fno-rtti -fno-threadsafe-statics")
# GCC 12 selects multilibs by exact -march string: link with the plain one and explicit paths.
set(BFEDGE_RV32_LIB_DIRS /usr/lib/picolibc/riscv64-unknown-elf/lib/rv32imafc/ilp32f
                         /usr/lib/gcc/riscv64-unknown-elf/12.2.0/rv32imafc/ilp32f)
set(BFEDGE_RV32_CXX_INCLUDES /usr/riscv64-linux-gnu/include/c++/12
                             /usr/riscv64-linux-gnu/include/c++/12/riscv64-linux-gnu
                             /usr/lib/picolibc/riscv64-unknown-elf/include)
