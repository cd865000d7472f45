#include "bfedge/models/llama_bf16.hpp"

#include <algorithm>

#include "bfedge/kernels/host_isa.hpp"

namespace bfedge::models {

namespace k = kernels;

LlamaKernels select_llama_kernels(k::Isa cap) {
  const k::TargetSpec spec = k::host_spec(cap);
  return {&k::select_variant(k::matvec_variants(), spec),
          &k::select_variant(k::attention_decode_variants(), spec),
          &k::select_variant(k::swiglu_variants(), spec),
          &k::select_variant(k::rmsnorm_variants(), spec),
          &k::select_variant(k::add_variants(), spec),
          &k::select_variant(k::rope_variants(), spec)};
}

namespace {

PackedMatrices pack_layers(const std::vector<bf16>& w, int layers, int rows, int cols) {
  PackedMatrices p;
  p.rows = rows;
  p.cols = cols;
  p.stride = k::matvec_packed_elements(rows, cols);
  p.data.resize(p.stride * static_cast<std::size_t>(layers));
  for (int l = 0; l < layers; ++l) {
    k::matvec_pack(w.data() + static_cast<std::size_t>(l) * rows * cols, rows, cols, cols,
                   p.data.data() + static_cast<std::size_t>(l) * p.stride);
  }
  return p;
}

}  // namespace

LlamaBf16::LlamaBf16(LlamaConfig config, const LlamaWeights<bf16>& w, k::Isa cap)
    : config_(config), kernels_(select_llama_kernels(cap)) {
  const LlamaConfig& c = config_;
  const int dim = c.dim, kv = c.kv_dim(), hidden = c.hidden_dim, layers = c.n_layers;
  token_embedding_ = w.token_embedding;
  rms_att_ = w.rms_att;
  rms_ffn_ = w.rms_ffn;
  rms_final_ = w.rms_final;
  wq_ = pack_layers(w.wq, layers, dim, dim);
  wk_ = pack_layers(w.wk, layers, kv, dim);
  wv_ = pack_layers(w.wv, layers, kv, dim);
  wo_ = pack_layers(w.wo, layers, dim, dim);
  w1_ = pack_layers(w.w1, layers, hidden, dim);
  w2_ = pack_layers(w.w2, layers, dim, hidden);
  w3_ = pack_layers(w.w3, layers, hidden, dim);
  classifier_ = pack_layers(c.shared_classifier ? w.token_embedding : w.classifier, 1,
                            c.vocab_size, dim);
  rope_ = make_rope_table(c.seq_len, c.head_size());

  x_.resize(dim);
  xb_.resize(dim);
  xb2_.resize(dim);
  q_.resize(dim);
  k_new_.resize(kv);
  v_new_.resize(kv);
  hb_.resize(hidden);
  hb2_.resize(hidden);
  const std::size_t cache = static_cast<std::size_t>(layers) * c.seq_len * kv;
  key_cache_.resize(cache);
  value_cache_.resize(cache);
  logits_.resize(c.vocab_size);

  // The largest per-core scratch any kernel asks for at any position.
  k::AttentionDecodeParams attention;
  attention.n_positions = c.seq_len;
  attention.head_size = c.head_size();
  k::MatvecParams matvec;
  matvec.rows = std::max({dim, hidden, c.vocab_size});
  matvec.cols = std::max(dim, hidden);
  scratch_per_core_ = std::max(kernels_.attention->scratch_bytes(attention),
                               kernels_.matvec->scratch_bytes(matvec));
}

template <class Params>
void LlamaBf16::run(const k::Variant<Params>& variant, Params params, const runtime::Team& team) {
  params.scratch = scratch_.data();
  variant.run(params, team);
}

void LlamaBf16::forward_on_core(int token, int pos, const runtime::Team& team) {
  const LlamaConfig& c = config_;
  const int dim = c.dim, kv = c.kv_dim(), hs = c.head_size(), hidden = c.hidden_dim;
  const bool lead = team.core == 0;
  auto matvec = [&](const PackedMatrices& w, int layer, const bf16* x, void* y,
                    k::OutType type = k::OutType::bf16) {
    k::MatvecParams p;
    p.rows = w.rows, p.cols = w.cols, p.w_packed = w.layer(layer), p.x = x, p.y = y;
    p.y_type = type;
    run(*kernels_.matvec, p, team);
  };
  auto rmsnorm = [&](bf16* out, const bf16* x, const bf16* weight) {
    k::NormParams p;
    p.n = dim, p.x = x, p.gamma = weight, p.out = out;
    run(*kernels_.rmsnorm, p, team);
  };
  auto residual = [&](const bf16* delta) {
    k::AddParams p;
    p.n = dim, p.a = x_.data(), p.b = delta, p.out = x_.data();
    run(*kernels_.add, p, team);
  };

  if (lead) {
    const bf16* row = token_embedding_.data() + static_cast<std::size_t>(token) * dim;
    std::copy(row, row + dim, x_.begin());
  }
  for (int l = 0; l < c.n_layers; ++l) {
    const std::size_t layer_cache = static_cast<std::size_t>(l) * c.seq_len * kv;
    rmsnorm(xb_.data(), x_.data(), rms_att_.data() + l * dim);
    team.barrier();
    matvec(wq_, l, xb_.data(), q_.data());
    matvec(wk_, l, xb_.data(), k_new_.data());
    matvec(wv_, l, xb_.data(), v_new_.data());
    team.barrier();
    k::RopeParams rope;
    rope.dim = dim, rope.kv_dim = kv, rope.head_size = hs, rope.q = q_.data(), rope.k = k_new_.data();
    rope.cos = rope_.cos.data() + static_cast<std::size_t>(pos) * (hs / 2);
    rope.sin = rope_.sin.data() + static_cast<std::size_t>(pos) * (hs / 2);
    run(*kernels_.rope, rope, team);
    team.barrier();
    if (lead) {
      for (int g = 0; g < c.n_kv_heads; ++g) {
        for (int i = 0; i < hs; ++i) {
          const std::size_t head = layer_cache + static_cast<std::size_t>(g) * hs * c.seq_len;
          key_cache_[head + static_cast<std::size_t>(i) * c.seq_len + pos] = k_new_[g * hs + i];
          value_cache_[head + static_cast<std::size_t>(pos) * hs + i] = v_new_[g * hs + i];
        }
      }
    }
    team.barrier();
    k::AttentionDecodeParams att;
    att.n_heads = c.n_heads, att.n_kv_heads = c.n_kv_heads, att.head_size = hs;
    att.n_positions = pos + 1, att.seq_cap = c.seq_len;
    att.q = q_.data(), att.k_cache = key_cache_.data() + layer_cache;
    att.v_cache = value_cache_.data() + layer_cache, att.out = xb_.data();
    run(*kernels_.attention, att, team);
    team.barrier();
    matvec(wo_, l, xb_.data(), xb2_.data());
    team.barrier();
    residual(xb2_.data());
    team.barrier();
    rmsnorm(xb_.data(), x_.data(), rms_ffn_.data() + l * dim);
    team.barrier();
    matvec(w1_, l, xb_.data(), hb_.data());
    matvec(w3_, l, xb_.data(), hb2_.data());
    team.barrier();
    k::SwigluParams act;
    act.n = hidden, act.gate = hb_.data(), act.up = hb2_.data();
    run(*kernels_.swiglu, act, team);
    team.barrier();
    matvec(w2_, l, hb_.data(), xb_.data());
    team.barrier();
    residual(xb_.data());
    team.barrier();
  }
  rmsnorm(x_.data(), x_.data(), rms_final_.data());
  team.barrier();
  matvec(classifier_, 0, x_.data(), logits_.data(), k::OutType::f32);
}

std::span<float> LlamaBf16::forward(int token, int pos, runtime::HostCluster& cluster) {
  scratch_.resize(k::aligned_scratch_bytes(scratch_per_core_) * cluster.core_count() + 64);
  cluster.fork([&](const runtime::Team& team) { forward_on_core(token, pos, team); });
  return logits_;
}

}  // namespace bfedge::models
