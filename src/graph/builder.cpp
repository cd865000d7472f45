#include "bfedge/graph/builder.hpp"

#include "bfedge/graph/validate.hpp"

namespace bfedge::graph {

namespace {

Tensor make_tensor(std::string name, const Shape& shape, ElementType type, TensorRole role) {
  Tensor t;
  t.name = std::move(name), t.shape = shape, t.type = type, t.role = role;
  return t;
}

int last_dim(const Shape& s) { return s.rank == 0 ? 0 : static_cast<int>(s[s.rank - 1]); }
int leading_rows(const Shape& s) {
  return s.rank == 0 ? 0 : static_cast<int>(s.element_count() / (s[s.rank - 1] == 0 ? 1 : s[s.rank - 1]));
}

}  // namespace

const Tensor& GraphBuilder::at(TensorId id) const {
  if (id < 0 || id >= static_cast<TensorId>(graph_.tensors.size())) return invalid_;
  return graph_.tensor(id);
}

TensorId GraphBuilder::add_tensor(Tensor tensor) {
  graph_.tensors.push_back(std::move(tensor));
  return static_cast<TensorId>(graph_.tensors.size() - 1);
}

TensorId GraphBuilder::input(std::string name, Shape shape, ElementType type) {
  const TensorId id = add_tensor(make_tensor(std::move(name), shape, type, TensorRole::input));
  graph_.inputs.push_back(id);
  return id;
}

TensorId GraphBuilder::weight(std::string name, Shape shape, ElementType type, const void* data) {
  Tensor t = make_tensor(std::move(name), shape, type, TensorRole::weight);
  t.data = data;
  return add_tensor(std::move(t));
}

TensorId GraphBuilder::state(std::string name, Shape shape, ElementType type) {
  return add_tensor(make_tensor(std::move(name), shape, type, TensorRole::state));
}

NodeId GraphBuilder::add_node(std::string name, Op op, NodeParams params, std::vector<TensorId> inputs) {
  const NodeId id = static_cast<NodeId>(graph_.nodes.size());
  for (TensorId t : inputs) {
    if (t >= 0 && t < static_cast<TensorId>(graph_.tensors.size())) {
      graph_.tensors[static_cast<std::size_t>(t)].consumers.push_back(id);
    }
  }
  graph_.nodes.push_back({std::move(name), op, std::move(params), std::move(inputs), {}});
  return id;
}

TensorId GraphBuilder::add_output(NodeId node, std::string name, Shape shape, ElementType type,
                                  TensorId alias_of) {
  Tensor t = make_tensor(std::move(name), shape, type, TensorRole::activation);
  t.producer = node;
  t.alias_of = alias_of;
  if (alias_of != kNone && at(alias_of).role == TensorRole::state) t.role = TensorRole::state;
  const TensorId id = add_tensor(std::move(t));
  graph_.nodes[static_cast<std::size_t>(node)].outputs.push_back(id);
  return id;
}

TensorId GraphBuilder::embedding(std::string name, TensorId ids, TensorId table) {
  kernels::EmbeddingParams p;
  p.count = static_cast<int>(at(ids).shape.element_count());
  p.vocab = static_cast<int>(at(table).shape[0]);
  p.dim = last_dim(at(table).shape);
  const NodeId n = add_node(name, Op::embedding, p, {ids, table});
  return add_output(n, name, Shape{p.count, p.dim}, at(table).type);
}

TensorId GraphBuilder::rmsnorm(std::string name, TensorId x, TensorId gamma, float eps) {
  kernels::NormParams p;
  p.rows = leading_rows(at(x).shape), p.n = last_dim(at(x).shape), p.eps = eps;
  const NodeId n = add_node(name, Op::rmsnorm, p, {x, gamma});
  return add_output(n, name, at(x).shape, at(x).type);
}

TensorId GraphBuilder::layernorm(std::string name, TensorId x, TensorId scale, TensorId shift, float eps) {
  kernels::NormParams p;
  p.rows = leading_rows(at(x).shape), p.n = last_dim(at(x).shape), p.eps = eps;
  const NodeId n = add_node(name, Op::layernorm, p, {x, scale, shift});
  return add_output(n, name, at(x).shape, at(x).type);
}

TensorId GraphBuilder::nonorm(std::string name, TensorId x, TensorId scale, TensorId shift) {
  kernels::NormParams p;
  p.rows = leading_rows(at(x).shape), p.n = last_dim(at(x).shape);
  const NodeId n = add_node(name, Op::nonorm, p, {x, scale, shift});
  return add_output(n, name, at(x).shape, at(x).type);
}

TensorId GraphBuilder::add_norm(Op op, std::string name, TensorId x, TensorId residual, TensorId scale,
                                TensorId shift, float eps) {
  kernels::NormParams p;
  p.rows = leading_rows(at(x).shape), p.n = last_dim(at(x).shape), p.eps = eps;
  const NodeId n = add_node(name, op, p, {x, residual, scale, shift});
  return add_output(n, name, at(x).shape, at(x).type);
}

TensorId GraphBuilder::matvec(std::string name, TensorId x, TensorId w, ElementType out) {
  kernels::MatvecParams p;
  p.rows = static_cast<int>(at(w).shape[0]);
  p.cols = last_dim(at(w).shape);
  p.y_type = out == ElementType::f32 ? kernels::OutType::f32 : kernels::OutType::bf16;
  const NodeId n = add_node(name, Op::matvec, p, {x, w});
  return add_output(n, name, Shape{p.rows}, out);
}

TensorId GraphBuilder::linear(std::string name, TensorId x, TensorId w, TensorId bias, ElementType out,
                              kernels::Epilogue epilogue) {
  kernels::MatmulParams p;
  p.epilogue = epilogue;
  p.m = leading_rows(at(x).shape), p.k = last_dim(at(x).shape);
  p.n = static_cast<int>(at(w).shape[0]);
  p.lda = p.k, p.ldb = p.k, p.ldc = p.n, p.b_transposed = true;
  p.c_type = out == ElementType::f32 ? kernels::OutType::f32 : kernels::OutType::bf16;
  std::vector<TensorId> inputs{x, w};
  if (bias != kNone) inputs.push_back(bias);
  Shape shape = at(x).shape;
  if (shape.rank > 0) shape.dims[static_cast<std::size_t>(shape.rank - 1)] = p.n;
  const NodeId n = add_node(name, Op::linear, p, std::move(inputs));
  return add_output(n, name, shape, out);
}

std::pair<TensorId, TensorId> GraphBuilder::rope(std::string name, TensorId q, TensorId k, TensorId cos,
                                                 TensorId sin, int head_size) {
  kernels::RopeParams p;
  p.dim = static_cast<int>(at(q).shape.element_count());
  p.kv_dim = static_cast<int>(at(k).shape.element_count());
  p.head_size = head_size;
  const NodeId n = add_node(name, Op::rope, p, {q, k, cos, sin});
  const TensorId q_out = add_output(n, name + ".q", at(q).shape, at(q).type, q);
  const TensorId k_out = add_output(n, name + ".k", at(k).shape, at(k).type, k);
  return {q_out, k_out};
}

std::pair<TensorId, TensorId> GraphBuilder::kv_write(std::string name, TensorId k, TensorId v,
                                                     TensorId k_cache, TensorId v_cache) {
  KvWriteParams p;
  const Shape& cache = at(k_cache).shape;
  if (cache.rank == 3) {
    p.n_kv_heads = static_cast<int>(cache[0]), p.head_size = static_cast<int>(cache[1]);
    p.seq_cap = static_cast<int>(cache[2]);
  }
  const NodeId n = add_node(name, Op::kv_write, p, {k, v, k_cache, v_cache});
  const TensorId k_out = add_output(n, at(k_cache).name, cache, at(k_cache).type, k_cache);
  const TensorId v_out = add_output(n, at(v_cache).name, at(v_cache).shape, at(v_cache).type, v_cache);
  return {k_out, v_out};
}

TensorId GraphBuilder::attention_decode(std::string name, TensorId q, TensorId k_cache, TensorId v_cache,
                                        int n_heads) {
  kernels::AttentionDecodeParams p;
  const Shape& cache = at(k_cache).shape;
  p.n_heads = n_heads;
  if (cache.rank == 3) {
    p.n_kv_heads = static_cast<int>(cache[0]), p.head_size = static_cast<int>(cache[1]);
    p.seq_cap = static_cast<int>(cache[2]);
  }
  p.n_positions = p.seq_cap;  // the largest; the executor sets position + 1 at each run
  const NodeId n = add_node(name, Op::attention_decode, p, {q, k_cache, v_cache});
  return add_output(n, name, at(q).shape, at(q).type);
}

TensorId GraphBuilder::add(std::string name, TensorId a, TensorId b, kernels::Epilogue epilogue, TensorId in_place_over) {
  kernels::AddParams p;
  p.epilogue = epilogue;
  p.n = static_cast<int>(at(a).shape.element_count());
  const NodeId n = add_node(name, Op::add, p, {a, b});
  return add_output(n, name, at(a).shape, at(a).type, in_place_over);
}

TensorId GraphBuilder::swiglu(std::string name, TensorId gate, TensorId up) {
  kernels::SwigluParams p;
  p.n = static_cast<int>(at(gate).shape.element_count());
  const NodeId n = add_node(name, Op::swiglu, p, {gate, up});
  return add_output(n, name, at(gate).shape, at(gate).type, gate);
}

TensorId GraphBuilder::unary(Op op, std::string name, TensorId x) {
  kernels::UnaryParams p;
  p.n = static_cast<int>(at(x).shape.element_count());
  const NodeId n = add_node(name, op, p, {x});
  return add_output(n, name, at(x).shape, at(x).type);
}

TensorId GraphBuilder::trigram_embedding(std::string name, TensorId ids, TensorId table, int batch) {
  kernels::TrigramEmbeddingParams p;
  p.batch = batch;
  p.seq = batch > 0 ? static_cast<int>(at(ids).shape.element_count() / batch) : 0;
  p.vocab = static_cast<int>(at(table).shape[0]);
  p.dim = last_dim(at(table).shape);
  const NodeId n = add_node(name, Op::trigram_embedding, p, {ids, table});
  return add_output(n, name, Shape{std::int64_t{p.batch} * p.seq, 3 * p.dim}, at(table).type);
}

TensorId GraphBuilder::first_token(std::string name, TensorId x, int batch) {
  kernels::FirstTokenParams p;
  p.batch = batch, p.dim = last_dim(at(x).shape);
  p.seq = batch > 0 ? leading_rows(at(x).shape) / batch : 0;
  const NodeId n = add_node(name, Op::first_token, p, {x});
  return add_output(n, name, Shape{p.batch, p.dim}, at(x).type);
}

TensorId GraphBuilder::attention_encoder(std::string name, TensorId q, TensorId k, TensorId v, TensorId key_mask,
                                         int batch, int heads) {
  kernels::AttentionEncoderParams p;
  p.batch = batch, p.heads = heads;
  p.seq = batch > 0 ? leading_rows(at(q).shape) / batch : 0;
  p.head_size = heads > 0 ? last_dim(at(q).shape) / heads : 0;
  std::vector<TensorId> inputs{q, k, v};
  if (key_mask != kNone) inputs.push_back(key_mask);
  const NodeId n = add_node(name, Op::attention_encoder, p, std::move(inputs));
  return add_output(n, name, at(q).shape, at(q).type);
}

TensorId GraphBuilder::view(std::string name, TensorId base, std::int64_t offset, Shape shape) {
  Tensor t = make_tensor(std::move(name), shape, at(base).type, TensorRole::activation);
  t.producer = at(base).producer;
  t.view_of = base;
  t.view_offset = offset;
  return add_tensor(std::move(t));
}

TensorId GraphBuilder::mhsa(std::string name, TensorId x, TensorId in_weight, TensorId in_bias,
                            TensorId out_weight, TensorId out_bias, int heads, bool causal) {
  kernels::MhsaParams p;
  p.seq = leading_rows(at(x).shape), p.embed = last_dim(at(x).shape), p.heads = heads, p.causal = causal;
  const NodeId n = add_node(name, Op::mhsa, p, {x, in_weight, in_bias, out_weight, out_bias});
  return add_output(n, name, at(x).shape, at(x).type);
}

TensorId GraphBuilder::conv2d(std::string name, TensorId x, TensorId w, TensorId bias, int stride, int pad,
                              kernels::Epilogue epilogue) {
  kernels::Conv2dParams p;
  p.epilogue = epilogue;
  const Shape& in = at(x).shape;
  if (in.rank == 4) {
    p.batch = static_cast<int>(in[0]), p.in_h = static_cast<int>(in[1]), p.in_w = static_cast<int>(in[2]);
    p.in_channels = static_cast<int>(in[3]);
  }
  if (at(w).shape.rank == 4) p.out_channels = static_cast<int>(at(w).shape[0]), p.kernel = static_cast<int>(at(w).shape[1]);
  p.stride = stride, p.pad = pad;
  std::vector<TensorId> inputs{x, w};
  if (bias != kNone) inputs.push_back(bias);
  const NodeId n = add_node(name, Op::conv2d, p, std::move(inputs));
  return add_output(n, name, Shape{p.batch, p.out_h(), p.out_w(), p.out_channels}, at(x).type);
}

TensorId GraphBuilder::depthwise_conv2d(std::string name, TensorId x, TensorId w, TensorId bias, int stride,
                                        int pad, kernels::Epilogue epilogue) {
  kernels::DepthwiseConv2dParams p;
  p.epilogue = epilogue;
  const Shape& in = at(x).shape;
  if (in.rank == 4) {
    p.batch = static_cast<int>(in[0]), p.in_h = static_cast<int>(in[1]), p.in_w = static_cast<int>(in[2]);
    p.channels = static_cast<int>(in[3]);
  }
  p.kernel = at(w).shape.rank == 3 ? static_cast<int>(at(w).shape[0]) : 0;
  p.stride = stride, p.pad = pad;
  std::vector<TensorId> inputs{x, w};
  if (bias != kNone) inputs.push_back(bias);
  const NodeId n = add_node(name, Op::depthwise_conv2d, p, std::move(inputs));
  return add_output(n, name, Shape{p.batch, p.out_h(), p.out_w(), p.channels}, at(x).type);
}

TensorId GraphBuilder::window_partition(std::string name, TensorId x, int window) {
  kernels::WindowParams p;
  const Shape& in = at(x).shape;
  if (in.rank == 4) {
    p.batch = static_cast<int>(in[0]), p.height = static_cast<int>(in[1]), p.width = static_cast<int>(in[2]);
    p.channels = static_cast<int>(in[3]);
  }
  p.window = window;
  const int windows = window > 0 ? p.window_count() : 0;
  const NodeId n = add_node(name, Op::window_partition, p, {x});
  return add_output(n, name, Shape{windows, std::int64_t{window} * window, p.channels}, at(x).type);
}

TensorId GraphBuilder::window_reverse(std::string name, TensorId windows, int batch, int height, int width,
                                      int window) {
  kernels::WindowParams p;
  p.batch = batch, p.height = height, p.width = width, p.window = window;
  p.channels = last_dim(at(windows).shape);
  const NodeId n = add_node(name, Op::window_reverse, p, {windows});
  return add_output(n, name, Shape{batch, height, width, p.channels}, at(windows).type);
}

TensorId GraphBuilder::window_attention(std::string name, TensorId qkv, TensorId bias, int window, int heads) {
  kernels::WindowAttentionParams p;
  p.window = window, p.heads = heads;
  const std::int64_t tokens = std::int64_t{window} * window;
  p.windows = tokens > 0 ? static_cast<int>(leading_rows(at(qkv).shape) / tokens) : 0;
  p.head_size = heads > 0 ? last_dim(at(qkv).shape) / (3 * heads) : 0;
  const NodeId n = add_node(name, Op::window_attention, p, {qkv, bias});
  return add_output(n, name, Shape{p.windows, tokens, std::int64_t{heads} * p.head_size}, at(qkv).type);
}

TensorId GraphBuilder::mean_tokens(std::string name, TensorId x, int batch) {
  kernels::MeanTokensParams p;
  p.batch = batch, p.channels = last_dim(at(x).shape);
  p.tokens = batch > 0 ? leading_rows(at(x).shape) / batch : 0;
  const NodeId n = add_node(name, Op::mean_tokens, p, {x});
  return add_output(n, name, Shape{batch, p.channels}, at(x).type);
}

void GraphBuilder::mark_output(TensorId id) {
  graph_.outputs.push_back(id);
  if (id >= 0 && id < static_cast<TensorId>(graph_.tensors.size()) &&
      graph_.tensors[static_cast<std::size_t>(id)].role == TensorRole::activation) {
    graph_.tensors[static_cast<std::size_t>(id)].role = TensorRole::output;
  }
}

Result<Graph> GraphBuilder::finish(std::shared_ptr<const void> owner) && {
  graph_.owner = std::move(owner);
  BFEDGE_RETURN_IF_ERROR(validate(graph_));
  return std::move(graph_);
}

}  // namespace bfedge::graph
