#include "prepared_step.hpp"

#include <algorithm>
#include <type_traits>

#include "bfedge/kernels/variants.hpp"

namespace bfedge::exec {

namespace k = kernels;
using graph::Op;
using graph::TensorId;

namespace {

template <class P>
void invoke_variant(const PreparedStep& step, const runtime::Team& team) {
  static_cast<const k::Variant<P>*>(step.variant)->run(*std::get_if<P>(&step.params), team);
}

void invoke_kv_write(const PreparedStep& step, const runtime::Team& team) { k::kv_write__portable(step.kv, team); }

// Selects the variant and, when it reads its weights in a layout of its own, packs them once.
template <class P>
void choose(PreparedStep& step, std::span<const k::Variant<P>> list, const k::TargetSpec& spec, PackedWeights& packed) {
  const k::Variant<P>& v = k::select_variant(list, spec);
  P& params = *std::get_if<P>(&step.params);
  step.variant = &v;
  step.variant_name = v.name;
  step.invoke = &invoke_variant<P>;
  if (v.pack_weights != nullptr) v.pack_weights(params, packed.emplace_back(v.packed_weights_bytes(params)).data());
  step.scratch_per_core = v.scratch_bytes(params);
}

// Every matvec variant reads the matvec_pack layout.
const bf16* packed_matvec_weight(const graph::Graph& g, TensorId w, PackedWeights& packed) {
  const graph::Tensor& t = g.tensor(w);
  const int rows = static_cast<int>(t.shape[0]), cols = static_cast<int>(t.shape[1]);
  auto* out = reinterpret_cast<bf16*>(packed.emplace_back(k::matvec_packed_elements(rows, cols) * sizeof(bf16)).data());
  k::matvec_pack(static_cast<const bf16*>(t.data), rows, cols, cols, out);
  return out;
}

}  // namespace

Result<PreparedStep> bind_step(const graph::Graph& g, graph::NodeId id, const k::TargetSpec& spec, const AddressOf& address,
                               PackedWeights& packed) {
  const graph::Node& node = g.node(id);
  PreparedStep s;
  s.node = id;
  s.op = node.op;
  s.params = node.params;
  auto in = [&](std::size_t i) { return address(node.inputs[i]); };
  auto out = [&](std::size_t i) { return address(node.outputs[i]); };
  auto bf = [](void* p) { return static_cast<bf16*>(p); };
  auto f32 = [](void* p) { return static_cast<float*>(p); };
  switch (node.op) {
    case Op::embedding: {
      auto& p = *std::get_if<k::EmbeddingParams>(&s.params);
      p.ids = static_cast<const int*>(in(0)), p.table = bf(in(1)), p.out = bf(out(0));
      choose(s, k::embedding_variants(), spec, packed);
      break;
    }
    case Op::rmsnorm:
    case Op::layernorm:
    case Op::nonorm: {
      auto& p = *std::get_if<k::NormParams>(&s.params);
      p.x = bf(in(0)), p.out = bf(out(0));
      if (node.op == Op::rmsnorm) {
        p.gamma = bf(in(1));
      } else {
        p.scale = f32(in(1)), p.shift = f32(in(2));
      }
      choose(s, node.op == Op::rmsnorm     ? k::rmsnorm_variants()
                : node.op == Op::layernorm ? k::layernorm_variants()
                                           : k::nonorm_variants(),
             spec, packed);
      break;
    }
    case Op::add_layernorm:
    case Op::add_nonorm: {
      auto& p = *std::get_if<k::NormParams>(&s.params);
      p.x = bf(in(0)), p.residual = bf(in(1)), p.scale = f32(in(2)), p.shift = f32(in(3)), p.out = bf(out(0));
      choose(s, node.op == Op::add_layernorm ? k::add_layernorm_variants() : k::add_nonorm_variants(), spec, packed);
      break;
    }
    case Op::matvec: {
      auto& p = *std::get_if<k::MatvecParams>(&s.params);
      p.x = bf(in(0)), p.y = out(0), p.w_packed = packed_matvec_weight(g, node.inputs[1], packed);
      choose(s, k::matvec_variants(), spec, packed);
      break;
    }
    case Op::linear: {
      auto& p = *std::get_if<k::MatmulParams>(&s.params);
      p.a = bf(in(0)), p.b = bf(in(1)), p.c = out(0);
      if (node.inputs.size() == 3) p.bias = bf(in(2));
      choose(s, k::matmul_variants(), spec, packed);
      break;
    }
    case Op::rope: {
      auto& p = *std::get_if<k::RopeParams>(&s.params);
      p.q = bf(in(0)), p.k = bf(in(1));
      s.rope_cos = static_cast<const float*>(in(2)), s.rope_sin = static_cast<const float*>(in(3));
      choose(s, k::rope_variants(), spec, packed);
      break;
    }
    case Op::kv_write: {
      const auto& sizes = *std::get_if<graph::KvWriteParams>(&s.params);
      s.kv.n_kv_heads = sizes.n_kv_heads, s.kv.head_size = sizes.head_size, s.kv.seq_cap = sizes.seq_cap;
      s.kv.k = bf(in(0)), s.kv.v = bf(in(1)), s.kv.k_cache = bf(out(0)), s.kv.v_cache = bf(out(1));
      s.variant_name = "kv_write__portable";
      s.invoke = &invoke_kv_write;
      break;
    }
    case Op::attention_decode: {
      auto& p = *std::get_if<k::AttentionDecodeParams>(&s.params);
      p.q = bf(in(0)), p.k_cache = bf(in(1)), p.v_cache = bf(in(2)), p.out = bf(out(0));
      choose(s, k::attention_decode_variants(), spec, packed);
      break;
    }
    case Op::add: {
      auto& p = *std::get_if<k::AddParams>(&s.params);
      p.a = bf(in(0)), p.b = bf(in(1)), p.out = bf(out(0));
      choose(s, k::add_variants(), spec, packed);
      break;
    }
    case Op::swiglu: {
      auto& p = *std::get_if<k::SwigluParams>(&s.params);
      p.gate = bf(in(0)), p.up = bf(in(1));
      choose(s, k::swiglu_variants(), spec, packed);
      break;
    }
    case Op::gelu_erf:
    case Op::relu:
    case Op::tanh: {
      auto& p = *std::get_if<k::UnaryParams>(&s.params);
      p.x = bf(in(0)), p.out = bf(out(0));
      choose(s, node.op == Op::relu ? k::relu_variants() : node.op == Op::tanh ? k::tanh_variants() : k::gelu_erf_variants(),
             spec, packed);
      break;
    }
    case Op::trigram_embedding: {
      auto& p = *std::get_if<k::TrigramEmbeddingParams>(&s.params);
      p.ids = static_cast<const int*>(in(0)), p.table = bf(in(1)), p.out = bf(out(0));
      choose(s, k::trigram_embedding_variants(), spec, packed);
      break;
    }
    case Op::first_token: {
      auto& p = *std::get_if<k::FirstTokenParams>(&s.params);
      p.in = bf(in(0)), p.out = bf(out(0));
      choose(s, k::first_token_variants(), spec, packed);
      break;
    }
    case Op::attention_encoder: {
      auto& p = *std::get_if<k::AttentionEncoderParams>(&s.params);
      p.q = bf(in(0)), p.k = bf(in(1)), p.v = bf(in(2)), p.out = bf(out(0));
      if (node.inputs.size() == 4) p.key_mask = static_cast<const int*>(in(3));
      choose(s, k::attention_encoder_variants(), spec, packed);
      break;
    }
    case Op::conv2d: {
      auto& p = *std::get_if<k::Conv2dParams>(&s.params);
      p.x = bf(in(0)), p.w = bf(in(1)), p.out = bf(out(0));
      if (node.inputs.size() == 3) p.bias = bf(in(2));
      choose(s, k::conv2d_variants(), spec, packed);  // im2col GEMM variants pack w here, once
      break;
    }
    case Op::depthwise_conv2d: {
      auto& p = *std::get_if<k::DepthwiseConv2dParams>(&s.params);
      p.x = bf(in(0)), p.w = bf(in(1)), p.out = bf(out(0));
      if (node.inputs.size() == 3) p.bias = bf(in(2));
      choose(s, k::depthwise_conv2d_variants(), spec, packed);
      break;
    }
    case Op::window_partition:
    case Op::window_reverse: {
      auto& p = *std::get_if<k::WindowParams>(&s.params);
      p.in = bf(in(0)), p.out = bf(out(0));
      choose(s, node.op == Op::window_partition ? k::window_partition_variants() : k::window_reverse_variants(), spec,
             packed);
      break;
    }
    case Op::window_attention: {
      auto& p = *std::get_if<k::WindowAttentionParams>(&s.params);
      p.qkv = bf(in(0)), p.bias = static_cast<const float*>(in(1)), p.out = bf(out(0));
      choose(s, k::window_attention_variants(), spec, packed);
      break;
    }
    case Op::mean_tokens: {
      auto& p = *std::get_if<k::MeanTokensParams>(&s.params);
      p.in = bf(in(0)), p.out = bf(out(0));
      choose(s, k::mean_tokens_variants(), spec, packed);
      break;
    }
    case Op::mhsa: {
      auto& p = *std::get_if<k::MhsaParams>(&s.params);
      p.x = bf(in(0)), p.in_proj_weight = bf(in(1)), p.in_proj_bias = bf(in(2));
      p.out_proj_weight = bf(in(3)), p.out_proj_bias = bf(in(4)), p.y = bf(out(0));
      choose(s, k::mhsa_variants(), spec, packed);
      const auto* variant = static_cast<const k::MhsaVariant*>(s.variant);
      s.workspace_bytes = variant->workspace_bytes == nullptr ? 0 : variant->workspace_bytes(p);
      break;
    }
  }
  if (s.invoke == nullptr) return invalid_argument("node '" + node.name + "': no kernel for this op");
  return s;
}

void set_scratch(PreparedStep& step, void* scratch, void* workspace) {
  std::visit(
      [&](auto& p) {
        if constexpr (requires { p.scratch; }) p.scratch = scratch;
        if constexpr (requires { p.workspace; }) p.workspace = workspace;
      },
      step.params);
}

void set_position(PreparedStep& step, int position) {
  switch (step.op) {
    case Op::rope: {
      auto& p = *std::get_if<k::RopeParams>(&step.params);
      const std::size_t row = static_cast<std::size_t>(position) * static_cast<std::size_t>(p.head_size / 2);
      p.cos = step.rope_cos + row, p.sin = step.rope_sin + row;
      break;
    }
    case Op::kv_write: step.kv.position = position; break;
    case Op::attention_decode: std::get_if<k::AttentionDecodeParams>(&step.params)->n_positions = position + 1; break;
    default: break;
  }
}

namespace {

struct Span {
  graph::MemoryRegion region;
  std::int64_t begin, end;
  bool overlaps(const Span& o) const { return region == o.region && begin < o.end && o.begin < end; }
};

void add_span(const graph::Graph& g, const graph::MemoryPlan& plan, TensorId t, std::vector<Span>& spans) {
  const graph::TensorPlacement& at = plan.tensors[static_cast<std::size_t>(t)];
  if (at.region == graph::MemoryRegion::none) return;
  spans.push_back({at.region, at.offset, at.offset + g.tensor(t).bytes()});
}

bool any_overlap(const std::vector<Span>& a, const std::vector<Span>& b) {
  for (const Span& x : a) {
    for (const Span& y : b) {
      if (x.overlaps(y)) return true;
    }
  }
  return false;
}

}  // namespace

void place_barriers(const graph::Graph& g, const graph::MemoryPlan& plan, std::vector<PreparedStep>& steps) {
  std::vector<Span> group_reads, group_writes;
  for (PreparedStep& s : steps) {
    const graph::Node& node = g.node(s.node);
    std::vector<Span> reads, writes;
    for (TensorId t : node.inputs) add_span(g, plan, t, reads);
    for (TensorId t : node.outputs) add_span(g, plan, t, writes);
    if (s.workspace_bytes > 0) {  // one workspace shared by every core and every node that has one
      writes.push_back({graph::MemoryRegion::none, 0, static_cast<std::int64_t>(s.workspace_bytes)});
    }
    const bool hazard = any_overlap(reads, group_writes) || any_overlap(writes, group_writes) ||
                        any_overlap(writes, group_reads);
    if (hazard && &s != &steps.front()) {
      s.barrier_before = true;
      group_reads.clear(), group_writes.clear();
    }
    group_reads.insert(group_reads.end(), reads.begin(), reads.end());
    group_writes.insert(group_writes.end(), writes.begin(), writes.end());
  }
}

}  // namespace bfedge::exec
