/* Start-up for every hart of the QEMU virt machine (all harts enter here at once, -bios none).
 * Harts 0..W-1 are the worker cores (W = BFEDGE_MCU_WORKERS), with stacks at the top of L1;
 * hart W is the DMA engine, with its stack in L2; any further hart parks. Hart 0 zeroes .bss,
 * releases the others and runs main(); its return value becomes QEMU's exit status. */
#include "bfedge/rv32/memory_map.h"
  .section .text.init, "ax"
  .globl _start
_start:
  .option push
  .option norelax
  la gp, __global_pointer$
  .option pop
  la t0, bfedge_rv32_trap   /* exceptions name themselves (rv32_runtime.cpp) */
  csrw mtvec, t0
  csrr t0, mhartid
  li t1, (1 << 13)          /* mstatus.FS = initial: enable the FPU */
  csrs mstatus, t1
  li t2, BFEDGE_MCU_WORKERS
  bgt t0, t2, park
  beq t0, t2, dma_hart
  la sp, __stack_top
  li t2, BFEDGE_MCU_STACK_BYTES
  mul t3, t0, t2
  sub sp, sp, t3
  bnez t0, secondary
  la t4, __bss_start
  la t5, __bss_end
zero_bss:
  bgeu t4, t5, bss_done
  sw zero, 0(t4)
  addi t4, t4, 4
  j zero_bss
bss_done:
  la t4, __sbss_start
  la t5, __sbss_end
zero_sbss:
  bgeu t4, t5, sbss_done
  sw zero, 0(t4)
  addi t4, t4, 4
  j zero_sbss
sbss_done:
  call bfedge_rv32_fill_stack_canaries
  fence rw, rw
  la t6, bfedge_rv32_boot_flag
  li a1, 1
  amoswap.w.rl zero, a1, (t6)
  li t1, (1 << 3)           /* mie.MSIE: WFI wakes on the software interrupt (mstatus.MIE stays 0) */
  csrs mie, t1
  call main
  tail bfedge_rv32_exit
dma_hart:
  la sp, __dma_stack_top
secondary:
  la t6, bfedge_rv32_boot_flag
wait_boot:
  lw a1, 0(t6)
  beqz a1, wait_boot
  fence r, rw
  mv a0, t0
  call bfedge_rv32_worker
park:
  wfi
  j park
