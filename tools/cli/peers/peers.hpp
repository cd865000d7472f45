// Optional peers measured side by side with bfedge in `bfedge bench`: oneDNN (Debian
// libdnnl-dev) and libtorch (Debian libtorch-dev). Each returns nullopt when the build found
// no such library (CMake components BFEDGE_WITH_DNNL / BFEDGE_WITH_TORCH).
#pragma once

#include <optional>
#include <string>

namespace bfedge::cli::peers {

struct PeerTiming {
  double microseconds;  // median of the timed repetitions
  std::string detail;   // e.g. the implementation the library picked
};

// C[m×n] = A[m×k] · B[k×n], BF16 inputs, FP32 output, on `threads` threads.
std::optional<PeerTiming> dnnl_matmul_bf16(int m, int n, int k, int threads, int repetitions);
std::optional<PeerTiming> torch_matmul_bf16(int m, int n, int k, int threads, int repetitions);

// nn::MultiheadAttention(E, H) forward, batch 1, need_weights = false, one thread.
std::optional<PeerTiming> torch_mhsa(int seq, int embed, int heads, bool bf16, int repetitions);

}  // namespace bfedge::cli::peers
