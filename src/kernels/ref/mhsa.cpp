// mhsa__naive_port (the FP32 baseline) and mhsa__ref (the BF16 oracle).
#include "bfedge/kernels/matmul.hpp"
#include "bfedge/kernels/mhsa.hpp"

#include <cmath>

namespace bfedge::kernels {
namespace {

// torch.nn.functional.linear: out[r][o] = Σ_i in[r][i] · w[o][i] + b[o], naive triple loop.
void linear_f32(const float* in, int rows, int in_features, const float* w, const float* b,
                int out_features, float* out) {
  for (int r = 0; r < rows; ++r) {
    for (int o = 0; o < out_features; ++o) {
      float acc = 0.0f;
      for (int i = 0; i < in_features; ++i) {
        acc += in[static_cast<std::size_t>(r) * in_features + i] *
               w[static_cast<std::size_t>(o) * in_features + i];
      }
      out[static_cast<std::size_t>(r) * out_features + o] = acc + b[o];
    }
  }
}

// view(L, H, d).transpose(0, 1).contiguous() of column block `part` (q, k or v) of qkv (L, 3E).
void split_heads(const float* qkv, int part, int seq, int embed, int heads, float* out) {
  const int d = embed / heads;
  for (int h = 0; h < heads; ++h)
    for (int t = 0; t < seq; ++t)
      for (int i = 0; i < d; ++i)
        out[(static_cast<std::size_t>(h) * seq + t) * d + i] =
            qkv[static_cast<std::size_t>(t) * 3 * embed + part * embed + h * d + i];
}

}  // namespace

std::size_t mhsa__naive_port_workspace(const MhsaF32Params& p) {
  const std::size_t le = static_cast<std::size_t>(p.seq) * p.embed;
  // qkv (L, 3E), q/k/v per head (3 × H·L·d), kᵀ (H·d·L), scores (H·L·L), o (H·L·d), merged (L·E)
  return (3 * le + 3 * le + le + static_cast<std::size_t>(p.heads) * p.seq * p.seq + le + le) *
         sizeof(float);
}

void mhsa__naive_port(const MhsaF32Params& p, const runtime::Team& team) {
  if (team.core != 0) return;
  const int L = p.seq, E = p.embed, H = p.heads, d = E / H;
  const std::size_t le = static_cast<std::size_t>(L) * E;
  float* qkv = static_cast<float*>(p.workspace);
  float* q = qkv + 3 * le;
  float* k = q + le;
  float* v = k + le;
  float* kt = v + le;
  float* attn = kt + le;
  float* o = attn + static_cast<std::size_t>(H) * L * L;
  float* merged = o + le;

  // q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
  linear_f32(p.x, L, E, p.in_proj_weight, p.in_proj_bias, 3 * E, qkv);
  // q = q.view(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)  (and k, v)
  split_heads(qkv, 0, L, E, H, q);
  split_heads(qkv, 1, L, E, H, k);
  split_heads(qkv, 2, L, E, H, v);
  // q_scaled = q * math.sqrt(1.0 / float(E))   (E = head_dim in PyTorch's naming)
  const float scaling = std::sqrt(1.0f / static_cast<float>(d));
  for (std::size_t i = 0; i < le; ++i) q[i] *= scaling;
  // k.transpose(-2, -1) materialized for bmm
  for (int h = 0; h < H; ++h)
    for (int t = 0; t < L; ++t)
      for (int i = 0; i < d; ++i)
        kt[(static_cast<std::size_t>(h) * d + i) * L + t] = k[(static_cast<std::size_t>(h) * L + t) * d + i];
  // attn_output_weights = torch.bmm(q_scaled, k.transpose(-2, -1)) (+ attn_mask)
  for (int h = 0; h < H; ++h)
    for (int i = 0; i < L; ++i)
      for (int j = 0; j < L; ++j) {
        float acc = 0.0f;
        for (int c = 0; c < d; ++c) {
          acc += q[(static_cast<std::size_t>(h) * L + i) * d + c] *
                 kt[(static_cast<std::size_t>(h) * d + c) * L + j];
        }
        attn[(static_cast<std::size_t>(h) * L + i) * L + j] = (p.causal && j > i) ? -INFINITY : acc;
      }
  // attn_output_weights = softmax(attn_output_weights, dim=-1)
  for (std::size_t row = 0; row < static_cast<std::size_t>(H) * L; ++row) {
    float* s = attn + row * L;
    float max_val = s[0];
    for (int j = 1; j < L; ++j) max_val = s[j] > max_val ? s[j] : max_val;
    float sum = 0.0f;
    for (int j = 0; j < L; ++j) sum += (s[j] = std::exp(s[j] - max_val));
    for (int j = 0; j < L; ++j) s[j] /= sum;
  }
  // attn_output = torch.bmm(attn_output_weights, v)
  for (int h = 0; h < H; ++h)
    for (int i = 0; i < L; ++i)
      for (int c = 0; c < d; ++c) {
        float acc = 0.0f;
        for (int j = 0; j < L; ++j) {
          acc += attn[(static_cast<std::size_t>(h) * L + i) * L + j] *
                 v[(static_cast<std::size_t>(h) * L + j) * d + c];
        }
        o[(static_cast<std::size_t>(h) * L + i) * d + c] = acc;
      }
  // attn_output.transpose(0, 1).contiguous().view(tgt_len * bsz, embed_dim)
  for (int t = 0; t < L; ++t)
    for (int h = 0; h < H; ++h)
      for (int c = 0; c < d; ++c)
        merged[static_cast<std::size_t>(t) * E + h * d + c] = o[(static_cast<std::size_t>(h) * L + t) * d + c];
  // attn_output = linear(attn_output, out_proj_weight, out_proj_bias)
  linear_f32(merged, L, E, p.out_proj_weight, p.out_proj_bias, E, p.y);
}

std::size_t mhsa__ref_workspace(const MhsaParams& p) {
  const std::size_t le = static_cast<std::size_t>(p.seq) * p.embed;
  return 4 * le * sizeof(bf16) + static_cast<std::size_t>(p.seq) * sizeof(float);
}

void mhsa__ref(const MhsaParams& p, const runtime::Team& team) {
  if (team.core != 0) return;
  const int L = p.seq, E = p.embed, H = p.heads, d = E / H;
  bf16* qkv = static_cast<bf16*>(p.workspace);  // (L, 3E)
  bf16* o = qkv + static_cast<std::size_t>(L) * 3 * E;  // (L, E)
  float* scores = reinterpret_cast<float*>(o + static_cast<std::size_t>(L) * E);  // (L)
  // The projections are matmul__ref (the matmul oracle) with PyTorch's (out, in) weights.
  auto linear = [](const bf16* in, int rows, int in_f, const bf16* w, const bf16* b, int out_f,
                   bf16* out) {
    MatmulParams mp;
    mp.m = rows, mp.n = out_f, mp.k = in_f, mp.a = in, mp.lda = in_f, mp.b = w, mp.ldb = in_f;
    mp.b_transposed = true, mp.bias = b, mp.c = out, mp.ldc = out_f, mp.c_type = OutType::bf16;
    matmul__ref(mp, runtime::Team{});
  };
  linear(p.x, L, E, p.in_proj_weight, p.in_proj_bias, 3 * E, qkv);
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  for (int h = 0; h < H; ++h) {
    for (int i = 0; i < L; ++i) {
      const bf16* q = qkv + static_cast<std::size_t>(i) * 3 * E + h * d;
      const int keys = p.causal ? i + 1 : L;
      float max_val = -INFINITY;
      for (int j = 0; j < keys; ++j) {
        const bf16* k = qkv + static_cast<std::size_t>(j) * 3 * E + E + h * d;
        float acc = 0.0f;
        for (int c = 0; c < d; ++c) acc += to_f32(q[c]) * to_f32(k[c]);
        scores[j] = acc * scale;
        max_val = scores[j] > max_val ? scores[j] : max_val;
      }
      float sum = 0.0f;
      for (int j = 0; j < keys; ++j) sum += (scores[j] = std::exp(scores[j] - max_val));
      for (int c = 0; c < d; ++c) {
        float acc = 0.0f;
        for (int j = 0; j < keys; ++j) {
          acc += scores[j] * to_f32(qkv[static_cast<std::size_t>(j) * 3 * E + 2 * E + h * d + c]);
        }
        o[static_cast<std::size_t>(i) * E + h * d + c] = to_bf16(acc / sum);
      }
    }
  }
  linear(o, L, E, p.out_proj_weight, p.out_proj_bias, E, p.y);
}

}  // namespace bfedge::kernels
