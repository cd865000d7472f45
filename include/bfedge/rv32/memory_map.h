/* The emulated MCU's memory map, shared by the firmware (C++), its linker script (preprocessed
 * with cpp) and the host side (planner, plugin arguments). GAP9-like sizes; each can be
 * overridden at configure time (-DBFEDGE_MCU_L1_BYTES=... on the host build, passed on to the
 * firmware build). All regions are carved out of QEMU virt's RAM (0x80000000, -m 256M).
 *   L2  0x80000000  code, data, the DMA hart's stack, the L2 arena (KV cache, activations)
 *   L1  0x80400000  the shared scratchpad: worker stacks at the top, the L1 arena below them
 *   L3  0x81000000  external memory: the job image (weights, inputs) loaded by QEMU's loader */
#ifndef BFEDGE_MCU_MEMORY_MAP_H
#define BFEDGE_MCU_MEMORY_MAP_H

#define BFEDGE_MCU_L2_BASE 0x80000000
#define BFEDGE_MCU_L1_BASE 0x80400000
#define BFEDGE_MCU_L3_BASE 0x81000000
#define BFEDGE_MCU_L2_MAX_BYTES 0x00400000 /* L1 starts here */
#define BFEDGE_MCU_L3_MAX_BYTES 0x0f000000 /* to the end of 256 MiB of RAM */

#ifndef BFEDGE_MCU_L1_BYTES
#define BFEDGE_MCU_L1_BYTES 131072 /* 128 KiB, GAP9 cluster TCDM */
#endif
#ifndef BFEDGE_MCU_L2_BYTES
#define BFEDGE_MCU_L2_BYTES 1572864 /* 1.5 MiB, GAP9 L2 */
#endif
#ifndef BFEDGE_MCU_L3_BYTES
#define BFEDGE_MCU_L3_BYTES 33554432 /* 32 MiB external RAM/flash */
#endif
#ifndef BFEDGE_MCU_WORKERS
#define BFEDGE_MCU_WORKERS 8 /* worker cores; the DMA engine is hart BFEDGE_MCU_WORKERS */
#endif
#ifndef BFEDGE_MCU_STACK_BYTES
#define BFEDGE_MCU_STACK_BYTES 2048 /* per worker, in L1 */
#endif
#define BFEDGE_MCU_DMA_STACK_BYTES 4096 /* the DMA hart's, in L2 */

#endif
