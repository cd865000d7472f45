#include "bfedge/graph/graph.hpp"

namespace bfedge::graph {

const char* tensor_role_name(TensorRole role) {
  switch (role) {
    case TensorRole::input: return "input";
    case TensorRole::weight: return "weight";
    case TensorRole::activation: return "activation";
    case TensorRole::state: return "state";
    case TensorRole::output: return "output";
  }
  return "unknown";
}

kernels::Epilogue node_epilogue(const Node& node) {
  return std::visit(
      [](const auto& p) {
        if constexpr (requires { p.epilogue; }) {
          return p.epilogue;
        } else {
          return kernels::Epilogue::none;
        }
      },
      node.params);
}

std::string node_op_text(const Node& node) {
  const kernels::Epilogue e = node_epilogue(node);
  return std::string(op_name(node.op)) + (e == kernels::Epilogue::none ? "" : std::string("+") + kernels::epilogue_name(e));
}

const char* op_name(Op op) {
  switch (op) {
    case Op::embedding: return "embedding";
    case Op::rmsnorm: return "rmsnorm";
    case Op::layernorm: return "layernorm";
    case Op::nonorm: return "nonorm";
    case Op::add_layernorm: return "add_layernorm";
    case Op::add_nonorm: return "add_nonorm";
    case Op::matvec: return "matvec";
    case Op::linear: return "linear";
    case Op::rope: return "rope";
    case Op::kv_write: return "kv_write";
    case Op::attention_decode: return "attention_decode";
    case Op::add: return "add";
    case Op::swiglu: return "swiglu";
    case Op::gelu_erf: return "gelu_erf";
    case Op::relu: return "relu";
    case Op::mhsa: return "mhsa";
    case Op::tanh: return "tanh";
    case Op::trigram_embedding: return "trigram_embedding";
    case Op::first_token: return "first_token";
    case Op::attention_encoder: return "attention_encoder";
    case Op::conv2d: return "conv2d";
    case Op::depthwise_conv2d: return "depthwise_conv2d";
    case Op::window_partition: return "window_partition";
    case Op::window_reverse: return "window_reverse";
    case Op::window_attention: return "window_attention";
    case Op::mean_tokens: return "mean_tokens";
  }
  return "unknown";
}

TensorId Graph::storage_of(TensorId id) const {
  for (;;) {
    const Tensor& t = tensor(id);
    if (t.alias_of != kNone) {
      id = t.alias_of;
    } else if (t.view_of != kNone) {
      id = t.view_of;
    } else {
      return id;
    }
  }
}

std::int64_t Graph::byte_offset_in_storage(TensorId id) const {
  std::int64_t offset = 0;
  for (;;) {
    const Tensor& t = tensor(id);
    if (t.alias_of != kNone) {
      id = t.alias_of;
    } else if (t.view_of != kNone) {
      offset += t.view_offset * element_bytes(t.type);
      id = t.view_of;
    } else {
      return offset;
    }
  }
}

std::string shape_text(const Shape& shape) {
  std::string text = "(";
  for (int i = 0; i < shape.rank; ++i) {
    if (i > 0) text += ", ";
    text += std::to_string(shape[i]);
  }
  return text + ")";
}

}  // namespace bfedge::graph
