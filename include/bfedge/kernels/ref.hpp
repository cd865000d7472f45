// Reference kernels: scalar, FP32 accumulation, one core (the caller passes its slice).
// They define the semantics every optimized variant is tested against. Written once for
// float and bf16 storage: values are widened to f32, computed, and rounded back (RNE).
// The f32 instantiations reproduce llama2.c run.c's arithmetic order exactly.
// Freestanding: no allocation, no exceptions; scratch is passed in.
#pragma once

namespace bfedge::kernels::ref {

// out[r] = sum_j w[r, j] * x[j] for rows r in [row_begin, row_end); w is (rows, in), row-major.
template <class Out, class T>
void matvec(Out* out, const T* w, const T* x, int in, int row_begin, int row_end);

// out = weight * x / sqrt(mean(x^2) + eps), eps = 1e-5 (llama2.c). out may alias x.
template <class T>
void rmsnorm(T* out, const T* x, const T* weight, int size);

// In place, numerically stable (subtracts the max).
void softmax(float* x, int size);

// Rotates consecutive pairs of q (dim) and k (kv_dim) by the angles of one position:
// cos/sin hold head_size/2 values, pair i of every head uses entry i.
template <class T>
void rope(T* q, T* k, const float* cos, const float* sin, int dim, int kv_dim, int head_size);

// One head of causal decode attention over positions [0, n_positions):
// scores = q·k_t / sqrt(head_size), softmax, out = sum_t p_t v_t.
// k/v rows are `kv_stride` elements apart; `scratch` holds n_positions + head_size floats.
template <class T>
void attention_head(T* out, const T* q, const T* k, const T* v, int kv_stride, int n_positions,
                    int head_size, float* scratch);

// gate[i] = silu(gate[i]) * up[i]  (SwiGLU).
template <class T>
void swiglu(T* gate, const T* up, int size);

// x[i] += y[i]  (residual add).
template <class T>
void add(T* x, const T* y, int size);

}  // namespace bfedge::kernels::ref
