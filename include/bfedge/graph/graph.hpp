// The model representation every later stage reads: a small typed graph of tensors and nodes.
//
//   tensor: name, shape, element type, role (input, weight, activation, state, output), the node
//           that produces it and the nodes that consume it; weights point at their bytes, kept
//           alive by the graph's owner. An activation may alias an input of its producer (an
//           in-place op such as RoPE or SwiGLU): it is the same memory after that node. A view
//           names a contiguous part of an activation (q, k and v in one fused projection).
//   node:   an op and its typed parameters — the kernels' *Params structs with their sizes set
//           and their pointers left null (the executor binds them) — plus the tensors it reads
//           and writes. State tensors (a KV cache) persist across runs and are written in place.
//
// A graph is one step of a model: for a decoder, one token at the run-time `position` (the KV
// cache holds positions 0..position); for an encoder, one batch of sequences. Build graphs with
// GraphBuilder (builder.hpp), which validates them; summarize them with summary.hpp; plan their
// activations with memory_plan.hpp; run them with exec::PreparedGraph.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "bfedge/core/tensor.hpp"
#include "bfedge/kernels/activation.hpp"
#include "bfedge/kernels/attention_decode.hpp"
#include "bfedge/kernels/attention_encoder.hpp"
#include "bfedge/kernels/conv.hpp"
#include "bfedge/kernels/elementwise.hpp"
#include "bfedge/kernels/matmul.hpp"
#include "bfedge/kernels/matvec.hpp"
#include "bfedge/kernels/mhsa.hpp"
#include "bfedge/kernels/norm.hpp"
#include "bfedge/kernels/window.hpp"

namespace bfedge::graph {

enum class ElementType : unsigned char { bf16, f32, i32 };
constexpr const char* element_type_name(ElementType t) {
  return t == ElementType::bf16 ? "bf16" : t == ElementType::f32 ? "f32" : "i32";
}
constexpr std::int64_t element_bytes(ElementType t) { return t == ElementType::bf16 ? 2 : 4; }

enum class TensorRole : unsigned char {
  input,       // written by the caller before each run (token ids)
  weight,      // constant, points into the model's storage
  activation,  // produced and consumed within one run; planned into the activation arena
  state,       // persists across runs (KV cache); written in place by its nodes
  output,      // an activation the caller reads after the run
};
const char* tensor_role_name(TensorRole role);

using TensorId = int;
using NodeId = int;
inline constexpr int kNone = -1;

struct Tensor {
  std::string name;
  Shape shape;
  ElementType type = ElementType::bf16;
  TensorRole role = TensorRole::activation;
  NodeId producer = kNone;         // activations and outputs; state's last writer
  std::vector<NodeId> consumers;   // in node order
  TensorId alias_of = kNone;       // in-place result: the same memory as this earlier tensor
  TensorId view_of = kNone;        // a view: `shape` elements of view_of from view_offset on
  std::int64_t view_offset = 0;    // (elements); read and written through like any activation
  const void* data = nullptr;      // weights only

  std::int64_t bytes() const { return shape.element_count() * element_bytes(type); }
};

enum class Op : unsigned char {
  embedding,         // (ids, table) -> rows                                EmbeddingParams
  rmsnorm,           // (x, gamma) -> y                                     NormParams
  layernorm,         // (x, scale, shift) -> y; scale, shift f32            NormParams
  nonorm,            // (x, scale, shift) -> x ∘ scale + shift              NormParams
  add_layernorm,     // (x, residual, scale, shift) -> layernorm(x + residual)  NormParams
  add_nonorm,        // (x, residual, scale, shift) -> nonorm(x + residual)     NormParams
  matvec,            // (x, w (rows, cols)) -> y                            MatvecParams
  linear,            // (x (m, k), w (n, k)[, bias]) -> y (m, n)            MatmulParams
  rope,              // (q, k, cos, sin) -> q', k' (in place, at position)  RopeParams
  kv_write,          // (k, v, k_cache, v_cache) -> k_cache', v_cache'      KvWriteParams
  attention_decode,  // (q, k_cache', v_cache') -> out (positions 0..pos)   AttentionDecodeParams
  add,               // (a, b) -> a + b                                     AddParams
  swiglu,            // (gate, up) -> gate' (in place)                      SwigluParams
  gelu_erf,          // (x) -> y                                            UnaryParams
  relu,              // (x) -> y                                            UnaryParams
  mhsa,              // (x (seq, E), in_w (3E, E), in_b, out_w (E, E), out_b) -> y (seq, E)
                     //   self-attention of one sequence, optionally causal   MhsaParams
  tanh,              // (x) -> y                                            UnaryParams
  trigram_embedding, // (ids (batch·seq), table (vocab, E)) -> (batch·seq, 3E)  TrigramEmbeddingParams
  first_token,       // (x (batch·seq, n)) -> (batch, n): each sequence's first row  FirstTokenParams
  attention_encoder, // (q, k, v (batch·seq, heads·d)[, key_mask (batch·seq) i32]) -> (batch·seq,
                     //   heads·d): masked self-attention of a batch         AttentionEncoderParams
  // Vision (TinyViT), NHWC maps (batch, h, w, c) whose rows are tokens:
  conv2d,            // (x (batch, h, w, cin), w (cout, k, k, cin)[, bias (cout)]) -> (batch, oh, ow,
                     //   cout), zero padding                                 Conv2dParams
  depthwise_conv2d,  // (x (batch, h, w, c), w (k, k, c)[, bias (c)]) -> (batch, oh, ow, c)
                     //                                                       DepthwiseConv2dParams
  window_partition,  // (x (batch, h, w, c)) -> (windows, window², c), zero tokens past the map
                     //                                                       WindowParams
  window_reverse,    // (windows (windows, window², c)) -> (batch, h, w, c), padding dropped
                     //                                                       WindowParams
  window_attention,  // (qkv (windows, window², heads·3·d), bias (heads, window²) f32) ->
                     //   (windows, window², heads·d), q, k, v per head       WindowAttentionParams
  mean_tokens,       // (x (batch, tokens…, c)) -> (batch, c): mean over tokens  MeanTokensParams
};
const char* op_name(Op op);

// Copies this position's keys and values into a KV cache laid out as attention_decode reads it.
struct KvWriteParams {
  int n_kv_heads = 0, head_size = 0, seq_cap = 0;
};

using NodeParams = std::variant<kernels::EmbeddingParams, kernels::NormParams, kernels::MatvecParams,
                                kernels::MatmulParams, kernels::RopeParams, KvWriteParams,
                                kernels::AttentionDecodeParams, kernels::AddParams,
                                kernels::SwigluParams, kernels::UnaryParams, kernels::MhsaParams,
                                kernels::TrigramEmbeddingParams, kernels::FirstTokenParams,
                                kernels::AttentionEncoderParams, kernels::Conv2dParams,
                                kernels::DepthwiseConv2dParams, kernels::WindowParams,
                                kernels::WindowAttentionParams, kernels::MeanTokensParams>;

struct Node {
  std::string name;
  Op op = Op::add;
  NodeParams params;
  std::vector<TensorId> inputs;
  std::vector<TensorId> outputs;
};

// The activation fused into a producing node (linear, conv2d, depthwise_conv2d, add), else none.
kernels::Epilogue node_epilogue(const Node& node);
// op_name, then "+" and the fused epilogue if any: "conv2d+gelu_erf".
std::string node_op_text(const Node& node);

struct Graph {
  std::vector<Tensor> tensors;
  std::vector<Node> nodes;
  std::vector<TensorId> inputs;
  std::vector<TensorId> outputs;
  int max_positions = 0;           // decoders: the KV cache's capacity (position < max_positions)
  std::shared_ptr<const void> owner;  // keeps the weights' bytes alive

  const Tensor& tensor(TensorId id) const { return tensors[static_cast<std::size_t>(id)]; }
  const Node& node(NodeId id) const { return nodes[static_cast<std::size_t>(id)]; }
  // The tensor whose memory `id` uses (follows alias_of and view_of to its root), and where in
  // that root's bytes `id` starts.
  TensorId storage_of(TensorId id) const;
  std::int64_t byte_offset_in_storage(TensorId id) const;
};

std::string shape_text(const Shape& shape);  // "(8, 64)"

}  // namespace bfedge::graph
