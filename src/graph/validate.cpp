#include "bfedge/graph/validate.hpp"

#include <string>

namespace bfedge::graph {

namespace {

std::string type_name(ElementType t) { return element_type_name(t); }

// The checks of one node; the first failure becomes the node's error.
class NodeCheck {
 public:
  NodeCheck(const Graph& graph, NodeId id) : graph_(graph), node_(graph.node(id)) {}

  Status fail(const std::string& what) const {
    return invalid_argument("node '" + node_.name + "' (" + op_name(node_.op) + "): " + what);
  }

  Status arity(std::size_t inputs, std::size_t outputs) const {
    if (node_.inputs.size() != inputs || node_.outputs.size() != outputs) {
      return fail("takes " + std::to_string(inputs) + " inputs and gives " + std::to_string(outputs) +
                  " outputs, has " + std::to_string(node_.inputs.size()) + " and " +
                  std::to_string(node_.outputs.size()));
    }
    return Status::ok();
  }

  const Tensor& in(std::size_t i) const { return graph_.tensor(node_.inputs[i]); }
  const Tensor& out(std::size_t i) const { return graph_.tensor(node_.outputs[i]); }

  Status type(const Tensor& t, ElementType want) const {
    if (t.type != want) return fail(t.name + " is " + type_name(t.type) + ", expected " + type_name(want));
    return Status::ok();
  }
  Status elements(const Tensor& t, std::int64_t want) const {
    if (t.shape.element_count() != want) {
      return fail(t.name + " has shape " + shape_text(t.shape) + " (" +
                  std::to_string(t.shape.element_count()) + " elements), expected " +
                  std::to_string(want) + " elements");
    }
    return Status::ok();
  }
  Status shape(const Tensor& t, const Shape& want) const {
    if (!(t.shape == want)) return fail(t.name + " has shape " + shape_text(t.shape) + ", expected " + shape_text(want));
    return Status::ok();
  }
  Status positive(int value, const char* what) const {
    if (value <= 0) return fail(std::string(what) + " must be positive, is " + std::to_string(value));
    return Status::ok();
  }
  Status nhwc_map(const Tensor& t) const {
    if (t.shape.rank != 4) return fail(t.name + " has shape " + shape_text(t.shape) + ", not a (batch, h, w, c) map");
    return Status::ok();
  }
  // A conv's geometry: positive sizes, pad >= 0, and a kernel that fits the padded input.
  Status conv_geometry(int batch, int in_h, int in_w, int channels, int kernel, int stride, int pad) const {
    BFEDGE_RETURN_IF_ERROR(positive(batch, "batch"));
    BFEDGE_RETURN_IF_ERROR(positive(in_h, "height"));
    BFEDGE_RETURN_IF_ERROR(positive(in_w, "width"));
    BFEDGE_RETURN_IF_ERROR(positive(channels, "channels"));
    BFEDGE_RETURN_IF_ERROR(positive(kernel, "kernel"));
    BFEDGE_RETURN_IF_ERROR(positive(stride, "stride"));
    if (pad < 0) return fail("pad must not be negative, is " + std::to_string(pad));
    if (in_h + 2 * pad < kernel || in_w + 2 * pad < kernel) {
      return fail("a " + std::to_string(kernel) + "x" + std::to_string(kernel) + " kernel does not fit the " +
                  std::to_string(in_h) + "x" + std::to_string(in_w) + " input padded by " + std::to_string(pad));
    }
    return Status::ok();
  }
  Status window_geometry(const kernels::WindowParams& p) const {
    BFEDGE_RETURN_IF_ERROR(positive(p.batch, "batch"));
    BFEDGE_RETURN_IF_ERROR(positive(p.height, "height"));
    BFEDGE_RETURN_IF_ERROR(positive(p.width, "width"));
    BFEDGE_RETURN_IF_ERROR(positive(p.channels, "channels"));
    return positive(p.window, "window");
  }

 private:
  const Graph& graph_;
  const Node& node_;
};

Status check_params(const Graph& g, NodeId id) {
  const Node& node = g.node(id);
  const NodeCheck c(g, id);
  const auto bf16 = ElementType::bf16;
  switch (node.op) {
    case Op::embedding: {
      const auto* p = std::get_if<kernels::EmbeddingParams>(&node.params);
      if (p == nullptr) return c.fail("params are not EmbeddingParams");
      BFEDGE_RETURN_IF_ERROR(c.arity(2, 1));
      BFEDGE_RETURN_IF_ERROR(c.type(c.in(0), ElementType::i32));
      BFEDGE_RETURN_IF_ERROR(c.elements(c.in(0), p->count));
      BFEDGE_RETURN_IF_ERROR(c.shape(c.in(1), Shape{p->vocab, p->dim}));
      BFEDGE_RETURN_IF_ERROR(c.type(c.in(1), bf16));
      return c.elements(c.out(0), std::int64_t{p->count} * p->dim);
    }
    case Op::rmsnorm:
    case Op::layernorm:
    case Op::nonorm:
    case Op::add_layernorm:
    case Op::add_nonorm: {
      const auto* p = std::get_if<kernels::NormParams>(&node.params);
      if (p == nullptr) return c.fail("params are not NormParams");
      const bool residual = node.op == Op::add_layernorm || node.op == Op::add_nonorm;
      BFEDGE_RETURN_IF_ERROR(c.arity(node.op == Op::rmsnorm ? 2 : residual ? 4 : 3, 1));
      BFEDGE_RETURN_IF_ERROR(c.positive(p->n, "width"));
      BFEDGE_RETURN_IF_ERROR(c.elements(c.in(0), std::int64_t{p->rows} * p->n));
      const std::size_t first_param = residual ? 2 : 1;
      // rmsnorm's weight is BF16; the affine norms' scale and shift FP32 (kernels/norm.hpp).
      const ElementType param_type = node.op == Op::rmsnorm ? bf16 : ElementType::f32;
      for (std::size_t i = 0; i < node.inputs.size(); ++i) {
        BFEDGE_RETURN_IF_ERROR(c.type(c.in(i), i < first_param ? bf16 : param_type));
      }
      if (residual) BFEDGE_RETURN_IF_ERROR(c.elements(c.in(1), std::int64_t{p->rows} * p->n));
      for (std::size_t i = first_param; i < node.inputs.size(); ++i) BFEDGE_RETURN_IF_ERROR(c.elements(c.in(i), p->n));
      return c.elements(c.out(0), std::int64_t{p->rows} * p->n);
    }
    case Op::matvec: {
      const auto* p = std::get_if<kernels::MatvecParams>(&node.params);
      if (p == nullptr) return c.fail("params are not MatvecParams");
      BFEDGE_RETURN_IF_ERROR(c.arity(2, 1));
      BFEDGE_RETURN_IF_ERROR(c.positive(p->rows, "rows"));
      BFEDGE_RETURN_IF_ERROR(c.positive(p->cols, "cols"));
      BFEDGE_RETURN_IF_ERROR(c.type(c.in(0), bf16));
      BFEDGE_RETURN_IF_ERROR(c.elements(c.in(0), p->cols));
      BFEDGE_RETURN_IF_ERROR(c.type(c.in(1), bf16));
      BFEDGE_RETURN_IF_ERROR(c.shape(c.in(1), Shape{p->rows, p->cols}));
      BFEDGE_RETURN_IF_ERROR(
          c.type(c.out(0), p->y_type == kernels::OutType::f32 ? ElementType::f32 : bf16));
      return c.elements(c.out(0), p->rows);
    }
    case Op::linear: {
      const auto* p = std::get_if<kernels::MatmulParams>(&node.params);
      if (p == nullptr) return c.fail("params are not MatmulParams");
      if (node.inputs.size() != 2 && node.inputs.size() != 3) return c.arity(2, 1);
      BFEDGE_RETURN_IF_ERROR(c.arity(node.inputs.size(), 1));
      BFEDGE_RETURN_IF_ERROR(c.positive(p->m, "m"));
      BFEDGE_RETURN_IF_ERROR(c.positive(p->n, "n"));
      BFEDGE_RETURN_IF_ERROR(c.positive(p->k, "k"));
      for (std::size_t i = 0; i < node.inputs.size(); ++i) BFEDGE_RETURN_IF_ERROR(c.type(c.in(i), bf16));
      BFEDGE_RETURN_IF_ERROR(c.elements(c.in(0), std::int64_t{p->m} * p->k));
      BFEDGE_RETURN_IF_ERROR(c.shape(c.in(1), Shape{p->n, p->k}));
      if (node.inputs.size() == 3) BFEDGE_RETURN_IF_ERROR(c.elements(c.in(2), p->n));
      return c.elements(c.out(0), std::int64_t{p->m} * p->n);
    }
    case Op::rope: {
      const auto* p = std::get_if<kernels::RopeParams>(&node.params);
      if (p == nullptr) return c.fail("params are not RopeParams");
      BFEDGE_RETURN_IF_ERROR(c.arity(4, 2));
      BFEDGE_RETURN_IF_ERROR(c.positive(p->head_size, "head_size"));
      if (p->head_size % 2 != 0 || p->dim % p->head_size != 0 || p->kv_dim % p->head_size != 0) {
        return c.fail("head_size " + std::to_string(p->head_size) + " must be even and divide " +
                      std::to_string(p->dim) + " and " + std::to_string(p->kv_dim));
      }
      BFEDGE_RETURN_IF_ERROR(c.elements(c.in(0), p->dim));
      BFEDGE_RETURN_IF_ERROR(c.elements(c.in(1), p->kv_dim));
      for (std::size_t i : {2u, 3u}) {
        BFEDGE_RETURN_IF_ERROR(c.type(c.in(i), ElementType::f32));
        BFEDGE_RETURN_IF_ERROR(c.shape(c.in(i), Shape{g.max_positions, p->head_size / 2}));
      }
      return Status::ok();
    }
    case Op::kv_write: {
      const auto* p = std::get_if<KvWriteParams>(&node.params);
      if (p == nullptr) return c.fail("params are not KvWriteParams");
      BFEDGE_RETURN_IF_ERROR(c.arity(4, 2));
      BFEDGE_RETURN_IF_ERROR(c.positive(p->seq_cap, "KV cache positions"));
      const std::int64_t kv = std::int64_t{p->n_kv_heads} * p->head_size;
      BFEDGE_RETURN_IF_ERROR(c.elements(c.in(0), kv));
      BFEDGE_RETURN_IF_ERROR(c.elements(c.in(1), kv));
      BFEDGE_RETURN_IF_ERROR(c.shape(c.in(2), Shape{p->n_kv_heads, p->head_size, p->seq_cap}));
      BFEDGE_RETURN_IF_ERROR(c.shape(c.in(3), Shape{p->n_kv_heads, p->seq_cap, p->head_size}));
      for (std::size_t i = 0; i < 4; ++i) BFEDGE_RETURN_IF_ERROR(c.type(c.in(i), bf16));
      if (c.in(2).role != TensorRole::state || c.in(3).role != TensorRole::state) {
        return c.fail("the KV caches must be state tensors");
      }
      if (p->seq_cap != g.max_positions) {
        return c.fail("KV cache holds " + std::to_string(p->seq_cap) + " positions, the graph " +
                      std::to_string(g.max_positions));
      }
      return Status::ok();
    }
    case Op::attention_decode: {
      const auto* p = std::get_if<kernels::AttentionDecodeParams>(&node.params);
      if (p == nullptr) return c.fail("params are not AttentionDecodeParams");
      BFEDGE_RETURN_IF_ERROR(c.arity(3, 1));
      BFEDGE_RETURN_IF_ERROR(c.positive(p->n_kv_heads, "n_kv_heads"));
      BFEDGE_RETURN_IF_ERROR(c.positive(p->head_size, "head_size"));
      if (p->n_heads <= 0 || p->n_heads % p->n_kv_heads != 0) {
        return c.fail(std::to_string(p->n_heads) + " heads are not a multiple of " +
                      std::to_string(p->n_kv_heads) + " KV heads");
      }
      BFEDGE_RETURN_IF_ERROR(c.elements(c.in(0), std::int64_t{p->n_heads} * p->head_size));
      BFEDGE_RETURN_IF_ERROR(c.shape(c.in(1), Shape{p->n_kv_heads, p->head_size, p->seq_cap}));
      BFEDGE_RETURN_IF_ERROR(c.shape(c.in(2), Shape{p->n_kv_heads, p->seq_cap, p->head_size}));
      for (std::size_t i = 0; i < 3; ++i) BFEDGE_RETURN_IF_ERROR(c.type(c.in(i), bf16));
      return c.elements(c.out(0), std::int64_t{p->n_heads} * p->head_size);
    }
    case Op::add: {
      const auto* p = std::get_if<kernels::AddParams>(&node.params);
      if (p == nullptr) return c.fail("params are not AddParams");
      BFEDGE_RETURN_IF_ERROR(c.arity(2, 1));
      for (std::size_t i = 0; i < 2; ++i) {
        BFEDGE_RETURN_IF_ERROR(c.type(c.in(i), bf16));
        BFEDGE_RETURN_IF_ERROR(c.elements(c.in(i), p->n));
      }
      return c.elements(c.out(0), p->n);
    }
    case Op::swiglu: {
      const auto* p = std::get_if<kernels::SwigluParams>(&node.params);
      if (p == nullptr) return c.fail("params are not SwigluParams");
      BFEDGE_RETURN_IF_ERROR(c.arity(2, 1));
      for (std::size_t i = 0; i < 2; ++i) {
        BFEDGE_RETURN_IF_ERROR(c.type(c.in(i), bf16));
        BFEDGE_RETURN_IF_ERROR(c.elements(c.in(i), p->n));
      }
      return Status::ok();
    }
    case Op::gelu_erf:
    case Op::relu:
    case Op::tanh: {
      const auto* p = std::get_if<kernels::UnaryParams>(&node.params);
      if (p == nullptr) return c.fail("params are not UnaryParams");
      BFEDGE_RETURN_IF_ERROR(c.arity(1, 1));
      BFEDGE_RETURN_IF_ERROR(c.type(c.in(0), bf16));
      return c.elements(c.in(0), p->n);
    }
    case Op::mhsa: {
      const auto* p = std::get_if<kernels::MhsaParams>(&node.params);
      if (p == nullptr) return c.fail("params are not MhsaParams");
      BFEDGE_RETURN_IF_ERROR(c.arity(5, 1));
      BFEDGE_RETURN_IF_ERROR(c.positive(p->seq, "seq"));
      if (p->heads <= 0 || p->embed <= 0 || p->embed % p->heads != 0) {
        return c.fail("embed " + std::to_string(p->embed) + " is not a positive multiple of " +
                      std::to_string(p->heads) + " heads");
      }
      for (std::size_t i = 0; i < 5; ++i) BFEDGE_RETURN_IF_ERROR(c.type(c.in(i), bf16));
      const std::int64_t e = p->embed;
      BFEDGE_RETURN_IF_ERROR(c.elements(c.in(0), p->seq * e));
      BFEDGE_RETURN_IF_ERROR(c.shape(c.in(1), Shape{3 * e, e}));
      BFEDGE_RETURN_IF_ERROR(c.elements(c.in(2), 3 * e));
      BFEDGE_RETURN_IF_ERROR(c.shape(c.in(3), Shape{e, e}));
      BFEDGE_RETURN_IF_ERROR(c.elements(c.in(4), e));
      return c.elements(c.out(0), p->seq * e);
    }
    case Op::trigram_embedding: {
      const auto* p = std::get_if<kernels::TrigramEmbeddingParams>(&node.params);
      if (p == nullptr) return c.fail("params are not TrigramEmbeddingParams");
      BFEDGE_RETURN_IF_ERROR(c.arity(2, 1));
      BFEDGE_RETURN_IF_ERROR(c.positive(p->batch, "batch"));
      BFEDGE_RETURN_IF_ERROR(c.positive(p->seq, "seq"));
      BFEDGE_RETURN_IF_ERROR(c.type(c.in(0), ElementType::i32));
      BFEDGE_RETURN_IF_ERROR(c.elements(c.in(0), std::int64_t{p->batch} * p->seq));
      BFEDGE_RETURN_IF_ERROR(c.shape(c.in(1), Shape{p->vocab, p->dim}));
      BFEDGE_RETURN_IF_ERROR(c.type(c.in(1), bf16));
      return c.elements(c.out(0), std::int64_t{p->batch} * p->seq * 3 * p->dim);
    }
    case Op::first_token: {
      const auto* p = std::get_if<kernels::FirstTokenParams>(&node.params);
      if (p == nullptr) return c.fail("params are not FirstTokenParams");
      BFEDGE_RETURN_IF_ERROR(c.arity(1, 1));
      BFEDGE_RETURN_IF_ERROR(c.positive(p->batch, "batch"));
      BFEDGE_RETURN_IF_ERROR(c.positive(p->seq, "seq"));
      BFEDGE_RETURN_IF_ERROR(c.type(c.in(0), bf16));
      BFEDGE_RETURN_IF_ERROR(c.elements(c.in(0), std::int64_t{p->batch} * p->seq * p->dim));
      return c.elements(c.out(0), std::int64_t{p->batch} * p->dim);
    }
    case Op::attention_encoder: {
      const auto* p = std::get_if<kernels::AttentionEncoderParams>(&node.params);
      if (p == nullptr) return c.fail("params are not AttentionEncoderParams");
      if (node.inputs.size() != 3 && node.inputs.size() != 4) return c.arity(3, 1);
      BFEDGE_RETURN_IF_ERROR(c.arity(node.inputs.size(), 1));
      BFEDGE_RETURN_IF_ERROR(c.positive(p->batch, "batch"));
      BFEDGE_RETURN_IF_ERROR(c.positive(p->seq, "seq"));
      BFEDGE_RETURN_IF_ERROR(c.positive(p->heads, "heads"));
      BFEDGE_RETURN_IF_ERROR(c.positive(p->head_size, "head_size"));
      const std::int64_t rows = std::int64_t{p->batch} * p->seq;
      for (std::size_t i = 0; i < 3; ++i) {
        BFEDGE_RETURN_IF_ERROR(c.type(c.in(i), bf16));
        BFEDGE_RETURN_IF_ERROR(c.elements(c.in(i), rows * p->heads * p->head_size));
      }
      if (node.inputs.size() == 4) {
        BFEDGE_RETURN_IF_ERROR(c.type(c.in(3), ElementType::i32));
        BFEDGE_RETURN_IF_ERROR(c.elements(c.in(3), rows));
      }
      return c.elements(c.out(0), rows * p->heads * p->head_size);
    }
    case Op::conv2d: {
      const auto* p = std::get_if<kernels::Conv2dParams>(&node.params);
      if (p == nullptr) return c.fail("params are not Conv2dParams");
      if (node.inputs.size() != 2 && node.inputs.size() != 3) return c.arity(2, 1);
      BFEDGE_RETURN_IF_ERROR(c.arity(node.inputs.size(), 1));
      BFEDGE_RETURN_IF_ERROR(c.nhwc_map(c.in(0)));
      BFEDGE_RETURN_IF_ERROR(c.conv_geometry(p->batch, p->in_h, p->in_w, p->in_channels, p->kernel, p->stride, p->pad));
      BFEDGE_RETURN_IF_ERROR(c.positive(p->out_channels, "out_channels"));
      for (std::size_t i = 0; i < node.inputs.size(); ++i) BFEDGE_RETURN_IF_ERROR(c.type(c.in(i), bf16));
      BFEDGE_RETURN_IF_ERROR(c.shape(c.in(0), Shape{p->batch, p->in_h, p->in_w, p->in_channels}));
      BFEDGE_RETURN_IF_ERROR(c.shape(c.in(1), Shape{p->out_channels, p->kernel, p->kernel, p->in_channels}));
      if (node.inputs.size() == 3) BFEDGE_RETURN_IF_ERROR(c.elements(c.in(2), p->out_channels));
      return c.shape(c.out(0), Shape{p->batch, p->out_h(), p->out_w(), p->out_channels});
    }
    case Op::depthwise_conv2d: {
      const auto* p = std::get_if<kernels::DepthwiseConv2dParams>(&node.params);
      if (p == nullptr) return c.fail("params are not DepthwiseConv2dParams");
      if (node.inputs.size() != 2 && node.inputs.size() != 3) return c.arity(2, 1);
      BFEDGE_RETURN_IF_ERROR(c.arity(node.inputs.size(), 1));
      BFEDGE_RETURN_IF_ERROR(c.nhwc_map(c.in(0)));
      BFEDGE_RETURN_IF_ERROR(c.conv_geometry(p->batch, p->in_h, p->in_w, p->channels, p->kernel, p->stride, p->pad));
      for (std::size_t i = 0; i < node.inputs.size(); ++i) BFEDGE_RETURN_IF_ERROR(c.type(c.in(i), bf16));
      BFEDGE_RETURN_IF_ERROR(c.shape(c.in(0), Shape{p->batch, p->in_h, p->in_w, p->channels}));
      BFEDGE_RETURN_IF_ERROR(c.shape(c.in(1), Shape{p->kernel, p->kernel, p->channels}));
      if (node.inputs.size() == 3) BFEDGE_RETURN_IF_ERROR(c.elements(c.in(2), p->channels));
      return c.shape(c.out(0), Shape{p->batch, p->out_h(), p->out_w(), p->channels});
    }
    case Op::window_partition:
    case Op::window_reverse: {
      const auto* p = std::get_if<kernels::WindowParams>(&node.params);
      if (p == nullptr) return c.fail("params are not WindowParams");
      BFEDGE_RETURN_IF_ERROR(c.arity(1, 1));
      if (node.op == Op::window_partition) BFEDGE_RETURN_IF_ERROR(c.nhwc_map(c.in(0)));
      BFEDGE_RETURN_IF_ERROR(c.window_geometry(*p));
      BFEDGE_RETURN_IF_ERROR(c.type(c.in(0), bf16));
      const std::int64_t map = std::int64_t{p->batch} * p->height * p->width * p->channels;
      const std::int64_t windows = std::int64_t{p->window_count()} * p->window * p->window * p->channels;
      const bool partition = node.op == Op::window_partition;
      BFEDGE_RETURN_IF_ERROR(c.elements(c.in(0), partition ? map : windows));
      return c.elements(c.out(0), partition ? windows : map);
    }
    case Op::window_attention: {
      const auto* p = std::get_if<kernels::WindowAttentionParams>(&node.params);
      if (p == nullptr) return c.fail("params are not WindowAttentionParams");
      BFEDGE_RETURN_IF_ERROR(c.arity(2, 1));
      BFEDGE_RETURN_IF_ERROR(c.positive(p->window, "window"));
      BFEDGE_RETURN_IF_ERROR(c.positive(p->heads, "heads"));
      BFEDGE_RETURN_IF_ERROR(c.positive(p->windows, "windows"));
      BFEDGE_RETURN_IF_ERROR(c.type(c.in(0), bf16));
      const Shape& qkv = c.in(0).shape;
      const std::int64_t width = qkv.rank == 0 ? 0 : qkv[qkv.rank - 1];
      if (p->head_size <= 0 || width != std::int64_t{3} * p->heads * p->head_size) {
        return c.fail(c.in(0).name + " rows are " + std::to_string(width) + " wide, not 3 · " +
                      std::to_string(p->heads) + " heads · a positive head size");
      }
      const std::int64_t tokens = std::int64_t{p->windows} * p->tokens();
      BFEDGE_RETURN_IF_ERROR(c.elements(c.in(0), tokens * width));
      BFEDGE_RETURN_IF_ERROR(c.type(c.in(1), ElementType::f32));
      BFEDGE_RETURN_IF_ERROR(c.shape(c.in(1), Shape{p->heads, p->tokens()}));
      return c.elements(c.out(0), tokens * p->heads * p->head_size);
    }
    case Op::mean_tokens: {
      const auto* p = std::get_if<kernels::MeanTokensParams>(&node.params);
      if (p == nullptr) return c.fail("params are not MeanTokensParams");
      BFEDGE_RETURN_IF_ERROR(c.arity(1, 1));
      BFEDGE_RETURN_IF_ERROR(c.positive(p->batch, "batch"));
      BFEDGE_RETURN_IF_ERROR(c.positive(p->tokens, "tokens"));
      BFEDGE_RETURN_IF_ERROR(c.positive(p->channels, "channels"));
      BFEDGE_RETURN_IF_ERROR(c.type(c.in(0), bf16));
      BFEDGE_RETURN_IF_ERROR(c.elements(c.in(0), std::int64_t{p->batch} * p->tokens * p->channels));
      return c.elements(c.out(0), std::int64_t{p->batch} * p->channels);
    }
  }
  return c.fail("unknown op");
}

// Ids exist, reads follow writes, in-place inputs are dead afterwards, weights have bytes.
Status check_structure(const Graph& g, NodeId id) {
  const Node& node = g.node(id);
  const NodeCheck c(g, id);
  const auto count = static_cast<TensorId>(g.tensors.size());
  for (TensorId t : node.inputs) {
    if (t < 0 || t >= count) return c.fail("reads tensor id " + std::to_string(t) + ", which does not exist");
    const Tensor& in = g.tensor(t);
    if (in.role == TensorRole::weight && in.data == nullptr) return c.fail("weight " + in.name + " has no data");
    if (in.view_of != kNone) {
      const Tensor& base = g.tensor(in.view_of);
      if (in.view_of >= t || base.role != TensorRole::activation || base.type != in.type ||
          in.view_offset < 0 || in.view_offset + in.shape.element_count() > base.shape.element_count()) {
        return c.fail("view " + in.name + " is not inside an earlier activation of its type");
      }
    }
    const bool produced = in.role == TensorRole::activation || in.role == TensorRole::output ||
                          (in.role == TensorRole::state && in.alias_of != kNone);
    if (produced && (in.producer == kNone || in.producer >= id)) {
      return c.fail("reads " + in.name + " before any node writes it");
    }
  }
  for (TensorId t : node.outputs) {
    if (t < 0 || t >= count) return c.fail("writes tensor id " + std::to_string(t) + ", which does not exist");
    const Tensor& out = g.tensor(t);
    if (out.producer != id) return c.fail("writes " + out.name + ", which names another producer");
    if (out.alias_of == kNone) continue;
    if (out.alias_of < 0 || out.alias_of >= t) return c.fail(out.name + " is in place over a later or missing tensor");
    const Tensor& old = g.tensor(out.alias_of);
    if (old.shape.element_count() != out.shape.element_count() || old.type != out.type) {
      return c.fail(out.name + " is written in place over " + old.name + " of another size or type");
    }
    for (NodeId reader : old.consumers) {
      if (reader > id) {
        return c.fail("overwrites " + old.name + " in place, but node '" + g.node(reader).name +
                      "' reads it later");
      }
    }
  }
  return Status::ok();
}

}  // namespace

Status validate(const Graph& g) {
  if (g.nodes.empty()) return invalid_argument("graph has no nodes");
  for (NodeId id = 0; id < static_cast<NodeId>(g.nodes.size()); ++id) {
    BFEDGE_RETURN_IF_ERROR(check_structure(g, id));
    BFEDGE_RETURN_IF_ERROR(check_params(g, id));
  }
  if (g.outputs.empty()) return invalid_argument("graph has no outputs");
  for (TensorId t : g.outputs) {
    if (t < 0 || t >= static_cast<TensorId>(g.tensors.size()) || g.tensor(t).role != TensorRole::output) {
      return invalid_argument("graph output " + std::to_string(t) + " is not a tensor a node produces");
    }
  }
  return Status::ok();
}

}  // namespace bfedge::graph
