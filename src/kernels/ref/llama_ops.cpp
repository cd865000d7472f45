#include <cmath>

#include "bfedge/core/bf16.hpp"
#include "bfedge/kernels/ref.hpp"

namespace bfedge::kernels::ref {

template <class Out, class T>
void matvec(Out* out, const T* w, const T* x, int in, int row_begin, int row_end) {
  for (int r = row_begin; r < row_end; ++r) {
    const T* row = w + static_cast<long>(r) * in;
    float acc = 0.0f;
    for (int j = 0; j < in; ++j) acc += to_f32(row[j]) * to_f32(x[j]);
    out[r] = from_f32<Out>(acc);
  }
}

template <class T>
void rmsnorm(T* out, const T* x, const T* weight, int size) {
  float ss = 0.0f;
  for (int j = 0; j < size; ++j) ss += to_f32(x[j]) * to_f32(x[j]);
  ss /= static_cast<float>(size);
  ss += 1e-5f;
  ss = 1.0f / std::sqrt(ss);
  for (int j = 0; j < size; ++j) out[j] = from_f32<T>(to_f32(weight[j]) * (ss * to_f32(x[j])));
}

void softmax(float* x, int size) {
  float max_val = x[0];
  for (int i = 1; i < size; ++i) {
    if (x[i] > max_val) max_val = x[i];
  }
  float sum = 0.0f;
  for (int i = 0; i < size; ++i) {
    x[i] = std::exp(x[i] - max_val);
    sum += x[i];
  }
  for (int i = 0; i < size; ++i) x[i] /= sum;
}

template <class T>
void rope(T* q, T* k, const float* cos, const float* sin, int dim, int kv_dim, int head_size) {
  for (int i = 0; i < dim; i += 2) {
    const int pair = (i % head_size) / 2;
    const float c = cos[pair], s = sin[pair];
    const int vectors = i < kv_dim ? 2 : 1;  // k is only kv_dim long
    for (int v = 0; v < vectors; ++v) {
      T* vec = v == 0 ? q : k;
      const float v0 = to_f32(vec[i]), v1 = to_f32(vec[i + 1]);
      vec[i] = from_f32<T>(v0 * c - v1 * s);
      vec[i + 1] = from_f32<T>(v0 * s + v1 * c);
    }
  }
}

template <class T>
void attention_head(T* out, const T* q, const T* k, const T* v, int kv_stride, int n_positions,
                    int head_size, float* scratch) {
  float* scores = scratch;
  float* acc = scratch + n_positions;
  const float scale = std::sqrt(static_cast<float>(head_size));
  for (int t = 0; t < n_positions; ++t) {
    const T* kt = k + static_cast<long>(t) * kv_stride;
    float score = 0.0f;
    for (int i = 0; i < head_size; ++i) score += to_f32(q[i]) * to_f32(kt[i]);
    scores[t] = score / scale;
  }
  softmax(scores, n_positions);
  // Accumulate in f32 in the order run.c does (position-major), then round once.
  for (int i = 0; i < head_size; ++i) acc[i] = 0.0f;
  for (int t = 0; t < n_positions; ++t) {
    const T* vt = v + static_cast<long>(t) * kv_stride;
    const float a = scores[t];
    for (int i = 0; i < head_size; ++i) acc[i] += a * to_f32(vt[i]);
  }
  for (int i = 0; i < head_size; ++i) out[i] = from_f32<T>(acc[i]);
}

template <class T>
void swiglu(T* gate, const T* up, int size) {
  for (int i = 0; i < size; ++i) {
    float val = to_f32(gate[i]);
    val *= 1.0f / (1.0f + std::exp(-val));
    val *= to_f32(up[i]);
    gate[i] = from_f32<T>(val);
  }
}

template <class T>
void add(T* x, const T* y, int size) {
  for (int i = 0; i < size; ++i) x[i] = from_f32<T>(to_f32(x[i]) + to_f32(y[i]));
}

#define BFEDGE_INSTANTIATE_REF(T)                                                           \
  template void matvec<T, T>(T*, const T*, const T*, int, int, int);                        \
  template void rmsnorm<T>(T*, const T*, const T*, int);                                    \
  template void rope<T>(T*, T*, const float*, const float*, int, int, int);                 \
  template void attention_head<T>(T*, const T*, const T*, const T*, int, int, int, float*); \
  template void swiglu<T>(T*, const T*, int);                                               \
  template void add<T>(T*, const T*, int);

BFEDGE_INSTANTIATE_REF(float)
BFEDGE_INSTANTIATE_REF(bf16)
template void matvec<float, bf16>(float*, const bf16*, const bf16*, int, int, int);
#undef BFEDGE_INSTANTIATE_REF

}  // namespace bfedge::kernels::ref
