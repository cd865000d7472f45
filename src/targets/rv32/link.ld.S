/* Linker script of the emulated MCU (preprocessed by cpp with include/bfedge/rv32/memory_map.h).
 * Code, data and large buffers in L2. In L1, as a PULP cluster binary keeps its data in the TCDM:
 * constants and small variables (.rodata, .sdata, .sbss), then the L1 arena, then the worker
 * stacks at the top. Nothing is placed in L3 (QEMU's loader puts the job image there).
 * A region that overflows is a link error. */
#include "bfedge/rv32/memory_map.h"
OUTPUT_ARCH(riscv)
ENTRY(_start)
MEMORY {
  L2 (rwx) : ORIGIN = BFEDGE_MCU_L2_BASE, LENGTH = BFEDGE_MCU_L2_BYTES
  L1 (rw) : ORIGIN = BFEDGE_MCU_L1_BASE, LENGTH = BFEDGE_MCU_L1_BYTES
}
SECTIONS {
  .text : {
    *(.text.init)
    . = ALIGN(4);
    __idle_start = .;
    *(.text.bfedge_idle .text.bfedge_idle.*)
    . = ALIGN(4);
    __idle_end = .;
    *(.text .text.*)
  } > L2
  .init_array : { PROVIDE_HIDDEN(__init_array_start = .); KEEP(*(.init_array*)) PROVIDE_HIDDEN(__init_array_end = .); } > L2
  .data : { *(.data .data.*) } > L2
  .bss (NOLOAD) : { __bss_start = .; *(.bss .bss.* COMMON) . = ALIGN(4); __bss_end = .; } > L2
  .rodata : { *(.rodata .rodata.* .srodata .srodata.*) } > L1
  .sdata : { __global_pointer$ = . + 0x800; *(.sdata .sdata.*) } > L1
  .sbss (NOLOAD) : { . = ALIGN(4); __sbss_start = .; *(.sbss .sbss.*) . = ALIGN(4); __sbss_end = .; } > L1
  .dma_stack (NOLOAD) : { . = ALIGN(16); . += BFEDGE_MCU_DMA_STACK_BYTES; __dma_stack_top = .; } > L2
  .l2_arena (NOLOAD) : { . = ALIGN(64); __l2_arena_start = .; } > L2
  __l2_arena_end = ORIGIN(L2) + LENGTH(L2);
  .l1_arena (NOLOAD) : { . = ALIGN(64); __l1_arena_start = .; } > L1
  __stack_top = ORIGIN(L1) + LENGTH(L1);
  __l1_arena_end = __stack_top - BFEDGE_MCU_STACK_BYTES * BFEDGE_MCU_WORKERS;
  ASSERT(__l1_arena_end > __l1_arena_start, "bfedge: the worker stacks do not fit in L1")
  ASSERT(__l2_arena_end > __l2_arena_start + 4096, "bfedge: the firmware does not fit in L2")
  /DISCARD/ : { *(.eh_frame .eh_frame_hdr) }
}
