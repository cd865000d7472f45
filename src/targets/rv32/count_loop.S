/* A loop with a known cost, for checking the counting plugin: bfedge_count_loop(n, buffer)
 * executes exactly 4n + 2 instructions between bfedge_count_loop and bfedge_count_loop_end,
 * with n loads from buffer[0] and n stores to buffer[1] (n >= 1). */
  .section .text.count_loop, "ax"
  .globl bfedge_count_loop
  .globl bfedge_count_loop_end
bfedge_count_loop:
  mv t0, a0
1:
  lw t1, 0(a1)
  sw t1, 4(a1)
  addi t0, t0, -1
  bnez t0, 1b
  ret
bfedge_count_loop_end:
