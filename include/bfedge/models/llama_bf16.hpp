// The deployed BF16 LLaMA decoder: weights packed once for the matvec kernels, a KV cache laid
// out for attention_decode (keys transposed), and kernel variants chosen once from the variant
// lists under an ISA cap. One fork per token: the cores run the whole forward pass SPMD, with
// barriers between dependent steps and the small sequential steps (norms, RoPE) on core 0.
//
// Its semantics are Llama<bf16>'s (the reference model): with every kernel at Isa::reference
// the logits are bit-identical, which tests/models checks.
#pragma once

#include <span>
#include <vector>

#include "bfedge/core/bf16.hpp"
#include "bfedge/kernels/isa.hpp"
#include "bfedge/kernels/variants.hpp"
#include "bfedge/models/llama.hpp"
#include "bfedge/runtime/aligned_buffer.hpp"
#include "bfedge/runtime/cluster.hpp"

namespace bfedge::models {

// A stack of per-layer matrices in matvec_pack layout.
struct PackedMatrices {
  int rows = 0, cols = 0;
  std::size_t stride = 0;  // packed elements per layer
  std::vector<bf16> data;  // (layers, stride)
  const bf16* layer(int l) const { return data.data() + static_cast<std::size_t>(l) * stride; }
};

struct LlamaKernels {
  const kernels::MatvecVariant* matvec;
  const kernels::AttentionDecodeVariant* attention;
  const kernels::SwigluVariant* swiglu;
  const kernels::NormVariant* rmsnorm;
  const kernels::AddVariant* add;
  const kernels::RopeVariant* rope;
};
LlamaKernels select_llama_kernels(kernels::Isa cap);

class LlamaBf16 {
 public:
  LlamaBf16(LlamaConfig config, const LlamaWeights<bf16>& weights, kernels::Isa cap);

  const LlamaConfig& config() const { return config_; }
  const LlamaKernels& kernels() const { return kernels_; }
  std::span<float> forward(int token, int pos, runtime::HostCluster& cluster);

 private:
  void forward_on_core(int token, int pos, const runtime::Team& team);
  template <class Params>
  void run(const kernels::Variant<Params>& variant, Params params, const runtime::Team& team);

  LlamaConfig config_;
  LlamaKernels kernels_;
  // Unpacked small tensors: embedding rows are gathered, norm weights are element-wise.
  std::vector<bf16> token_embedding_;  // (vocab_size, dim)
  std::vector<bf16> rms_att_, rms_ffn_, rms_final_;  // (n_layers, dim), (dim)
  PackedMatrices wq_, wk_, wv_, wo_, w1_, w2_, w3_, classifier_;
  RopeTable rope_;

  std::vector<bf16> x_, xb_, xb2_, q_, k_new_, v_new_, hb_, hb2_;
  std::vector<bf16> key_cache_;    // (n_layers, n_kv_heads, head_size, seq_len)
  std::vector<bf16> value_cache_;  // (n_layers, n_kv_heads, seq_len, head_size)
  std::vector<float> logits_;      // (vocab_size)
  runtime::AlignedBuffer scratch_;
  std::size_t scratch_per_core_ = 0;
};

}  // namespace bfedge::models
