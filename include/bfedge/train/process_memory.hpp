// How the training process keeps the memory libtorch frees. Every step libtorch frees and
// re-allocates its activations and gradients (blocks of 0.1–30 MB). With glibc's defaults large
// freed blocks go back to the kernel (munmap, heap trim), and the next step faults each page in
// again: on this project's VMs 26 % of a TinyViT training step was the kernel's page-fault path,
// and CIFAR-10 trained at 30 images/s instead of 74 on one thread (docs/tinyvit.md, Training).
#pragma once

namespace bfedge::train {

// Keeps freed memory in the process for reuse: blocks up to 32 MiB (glibc's largest mmap
// threshold) come from the heap, and the heap is never trimmed. Process-wide and idempotent;
// returns false where the C library has no such control (not glibc, or a sanitizer's allocator).
bool keep_freed_memory_in_process();

}  // namespace bfedge::train
