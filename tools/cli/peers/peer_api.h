/* C entry points of libbfedge_peers.so, the optional module with the oneDNN and libtorch peers
 * of `bfedge bench`. The CLI opens it with dlopen only when a bench command runs, so ordinary
 * commands never pay libtorch's start-up. Each returns 1 and fills *microseconds (median) and
 * detail (NUL-terminated) on success, 0 when the peer cannot run. */
#ifndef BFEDGE_PEER_API_H
#define BFEDGE_PEER_API_H

#ifdef __cplusplus
extern "C" {
#endif

int bfedge_peer_dnnl_matmul_bf16(int m, int n, int k, int threads, int repetitions,
                                 double* microseconds, char* detail, int detail_size);
int bfedge_peer_torch_matmul_bf16(int m, int n, int k, int threads, int repetitions,
                                  double* microseconds, char* detail, int detail_size);
int bfedge_peer_torch_mhsa(int seq, int embed, int heads, int bf16, int repetitions,
                           double* microseconds, char* detail, int detail_size);

#ifdef __cplusplus
}
#endif

#endif
