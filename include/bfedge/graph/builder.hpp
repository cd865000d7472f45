// Builds a Graph one op at a time. Each op method takes its input tensors, derives the output's
// shape and the op's typed params from them, and returns the output tensor. Nothing is checked
// until finish(), which validates the whole graph (validate.hpp) and returns the first problem
// as one line naming the node.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "bfedge/core/status.hpp"
#include "bfedge/graph/graph.hpp"

namespace bfedge::graph {

class GraphBuilder {
 public:
  TensorId input(std::string name, Shape shape, ElementType type);
  TensorId weight(std::string name, Shape shape, ElementType type, const void* data);
  TensorId state(std::string name, Shape shape, ElementType type);

  TensorId embedding(std::string name, TensorId ids, TensorId table);
  TensorId rmsnorm(std::string name, TensorId x, TensorId gamma, float eps = 1e-5f);
  // The affine norms' scale and shift are f32 weights (kernels/norm.hpp says why).
  TensorId layernorm(std::string name, TensorId x, TensorId scale, TensorId shift, float eps = 1e-5f);
  TensorId nonorm(std::string name, TensorId x, TensorId scale, TensorId shift);
  // norm(x + residual), the sum in FP32: op is Op::add_layernorm (eps used) or Op::add_nonorm.
  TensorId add_norm(Op op, std::string name, TensorId x, TensorId residual, TensorId scale, TensorId shift,
                    float eps = 1e-5f);
  // y (rows) = w (rows, cols) · x (cols): the decoder's projections.
  TensorId matvec(std::string name, TensorId x, TensorId w, ElementType out = ElementType::bf16);
  // y (m, n) = epilogue(x (m, k) · wᵀ + bias), w (n, k) in PyTorch's Linear layout. An epilogue
  // (kernels/epilogue.hpp) is the activation fused in: applied in FP32 before the one rounding.
  TensorId linear(std::string name, TensorId x, TensorId w, TensorId bias = kNone,
                  ElementType out = ElementType::bf16, kernels::Epilogue epilogue = kernels::Epilogue::none);
  // Rotates q and k in place by the angles of the run's position (rows of cos / sin).
  std::pair<TensorId, TensorId> rope(std::string name, TensorId q, TensorId k, TensorId cos,
                                     TensorId sin, int head_size);
  // Writes k and v at the run's position; returns the caches after the write.
  std::pair<TensorId, TensorId> kv_write(std::string name, TensorId k, TensorId v, TensorId k_cache,
                                         TensorId v_cache);
  TensorId attention_decode(std::string name, TensorId q, TensorId k_cache, TensorId v_cache,
                            int n_heads);
  // a + b (then the epilogue), in the shape of a; with `in_place_over` (a or b, read by no later
  // node) the sum is written over that input's bytes.
  TensorId add(std::string name, TensorId a, TensorId b, kernels::Epilogue epilogue = kernels::Epilogue::none,
               TensorId in_place_over = kNone);
  TensorId swiglu(std::string name, TensorId gate, TensorId up);  // in place on gate
  TensorId unary(Op op, std::string name, TensorId x);            // gelu_erf, relu, tanh
  // Per sequence of `seq` = ids / batch tokens: [table[next], table[this], table[previous]].
  TensorId trigram_embedding(std::string name, TensorId ids, TensorId table, int batch);
  // The first row of each of `batch` sequences of x (batch · seq, n).
  TensorId first_token(std::string name, TensorId x, int batch);
  // Masked self-attention of `batch` sequences over projected q, k, v (batch · seq, heads · d);
  // key_mask (batch · seq, i32, 0 = padding) or kNone.
  TensorId attention_encoder(std::string name, TensorId q, TensorId k, TensorId v, TensorId key_mask, int batch,
                             int heads);
  // Self-attention over x (seq, embed) with `heads` heads, PyTorch's nn.MultiheadAttention
  // weights (in_proj (3E, E) + bias, out_proj (E, E) + bias).
  TensorId mhsa(std::string name, TensorId x, TensorId in_weight, TensorId in_bias, TensorId out_weight,
                TensorId out_bias, int heads, bool causal = false);

  // Vision ops over NHWC maps x (batch, h, w, c); the output shapes follow from the inputs.
  // Dense conv: w (cout, k, k, cin) (conv2d_weight_from_oihw), bias (cout) or kNone; square
  // kernel, zero padding `pad` on every side.
  TensorId conv2d(std::string name, TensorId x, TensorId w, TensorId bias, int stride, int pad,
                  kernels::Epilogue epilogue = kernels::Epilogue::none);
  // Depthwise conv: w (k, k, c) (depthwise_weight_from_oihw), bias (c) or kNone.
  TensorId depthwise_conv2d(std::string name, TensorId x, TensorId w, TensorId bias, int stride, int pad,
                            kernels::Epilogue epilogue = kernels::Epilogue::none);
  // x (batch, h, w, c) -> (batch · ⌈h / window⌉ · ⌈w / window⌉, window², c), zero tokens past the map.
  TensorId window_partition(std::string name, TensorId x, int window);
  // windows (n, window², c) -> the (batch, height, width, c) map they came from.
  TensorId window_reverse(std::string name, TensorId windows, int batch, int height, int width, int window);
  // qkv (windows, window², heads · 3 · d) with rows per head (q, k, v of head 0, ...), bias
  // (heads, window²) f32 -> (windows, window², heads · d).
  TensorId window_attention(std::string name, TensorId qkv, TensorId bias, int window, int heads);
  // x (batch, tokens…, c) -> (batch, c): the mean over each image's tokens.
  TensorId mean_tokens(std::string name, TensorId x, int batch);

  // `shape` elements of activation `base` from element `offset` on, as their own tensor.
  TensorId view(std::string name, TensorId base, std::int64_t offset, Shape shape);

  void mark_output(TensorId id);
  void set_max_positions(int positions) { graph_.max_positions = positions; }

  // Validates and hands over the graph; `owner` keeps the weights' bytes alive.
  Result<Graph> finish(std::shared_ptr<const void> owner) &&;

 private:
  TensorId add_tensor(Tensor tensor);
  NodeId add_node(std::string name, Op op, NodeParams params, std::vector<TensorId> inputs);
  TensorId add_output(NodeId node, std::string name, Shape shape, ElementType type,
                      TensorId alias_of = kNone);
  const Tensor& at(TensorId id) const;

  Graph graph_;
  Tensor invalid_;  // what at() returns for an id that does not exist (validate reports it)
};

}  // namespace bfedge::graph
