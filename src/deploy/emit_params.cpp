// Kernel params as C++ statements (emit_params.hpp).
#include "emit_params.hpp"

#include <cstdio>
#include <type_traits>

namespace bfedge::deploy {
namespace {

namespace k = kernels;

template <class T>
constexpr const char* pointer_type() {
  if constexpr (std::is_same_v<T, const bf16*>) return "const bfedge::bf16*";
  else if constexpr (std::is_same_v<T, bf16*>) return "bfedge::bf16*";
  else if constexpr (std::is_same_v<T, const float*>) return "const float*";
  else if constexpr (std::is_same_v<T, float*>) return "float*";
  else if constexpr (std::is_same_v<T, const int*>) return "const int*";
  else if constexpr (std::is_same_v<T, void*>) return "void*";
  else if constexpr (std::is_same_v<T, const void*>) return "const void*";
  else static_assert(sizeof(T) == 0, "a params pointer type the emitter does not know");
}

class Writer {
 public:
  Writer(const PointerText& pointer, const std::string& indent, const std::string& variable = "p")
      : pointer_(pointer), indent_(indent), variable_(variable) {}

  void integer(const char* name, long long value) { line(name, std::to_string(value)); }
  void boolean(const char* name, bool value) { line(name, value ? "true" : "false"); }
  void real(const char* name, float value) {
    char text[64];
    std::snprintf(text, sizeof text, "%.9gf", static_cast<double>(value));  // round-trips a float
    line(name, text);
  }
  void epilogue(const char* name, k::Epilogue e) {
    line(name, std::string("bfedge::kernels::Epilogue::") + k::epilogue_name(e));
  }
  void out_type(const char* name, k::OutType t) {
    line(name, t == k::OutType::f32 ? "bfedge::kernels::OutType::f32" : "bfedge::kernels::OutType::bf16");
  }
  template <class T>
  void pointer(const char* name, T value) {
    const std::string where = pointer_(value);
    line(name, where == "nullptr" ? where : std::string("reinterpret_cast<") + pointer_type<T>() + ">(" + where + ")");
  }
  std::string text() const { return text_; }

 private:
  void line(const char* name, const std::string& value) { text_ += indent_ + variable_ + "." + name + " = " + value + ";\n"; }
  const PointerText& pointer_;
  const std::string& indent_;
  const std::string variable_;
  std::string text_;
};

#define BFEDGE_INT(f) w.integer(#f, p.f)
#define BFEDGE_PTR(f) w.pointer(#f, p.f)

void fields(const k::EmbeddingParams& p, Writer& w) {
  BFEDGE_INT(count), BFEDGE_INT(vocab), BFEDGE_INT(dim);
  BFEDGE_PTR(ids), BFEDGE_PTR(table), BFEDGE_PTR(out), BFEDGE_PTR(scratch);
}
void fields(const k::NormParams& p, Writer& w) {
  BFEDGE_INT(rows), BFEDGE_INT(n);
  BFEDGE_PTR(x), BFEDGE_PTR(gamma), BFEDGE_PTR(scale), BFEDGE_PTR(shift), BFEDGE_PTR(residual), BFEDGE_PTR(out);
  w.real("eps", p.eps);
  BFEDGE_PTR(scratch);
}
void fields(const k::MatvecParams& p, Writer& w) {
  BFEDGE_INT(rows), BFEDGE_INT(cols);
  BFEDGE_PTR(w_packed), BFEDGE_PTR(x), BFEDGE_PTR(y);
  w.out_type("y_type", p.y_type);
  BFEDGE_PTR(scratch);
}
void fields(const k::MatmulParams& p, Writer& w) {
  BFEDGE_INT(m), BFEDGE_INT(n), BFEDGE_INT(k);
  BFEDGE_PTR(a), BFEDGE_INT(lda), BFEDGE_PTR(b), BFEDGE_INT(ldb);
  w.boolean("b_transposed", p.b_transposed);
  BFEDGE_PTR(bias), BFEDGE_PTR(c), BFEDGE_INT(ldc);
  w.out_type("c_type", p.c_type);
  w.epilogue("epilogue", p.epilogue);
  BFEDGE_PTR(scratch), BFEDGE_PTR(packed_b);
}
void fields(const k::RopeParams& p, Writer& w) {  // cos and sin: per position, by the caller
  BFEDGE_INT(dim), BFEDGE_INT(kv_dim), BFEDGE_INT(head_size);
  BFEDGE_PTR(q), BFEDGE_PTR(k), BFEDGE_PTR(scratch);
}
void fields(const graph::KvWriteParams&, Writer&) {}  // kv_write: written by the caller (KvWriteArgs)
void fields(const k::AttentionDecodeParams& p, Writer& w) {  // n_positions: per position, by the caller
  BFEDGE_INT(n_heads), BFEDGE_INT(n_kv_heads), BFEDGE_INT(head_size), BFEDGE_INT(seq_cap);
  BFEDGE_PTR(q), BFEDGE_PTR(k_cache), BFEDGE_PTR(v_cache), BFEDGE_PTR(out), BFEDGE_PTR(scratch);
}
void fields(const k::AddParams& p, Writer& w) {
  BFEDGE_INT(n);
  BFEDGE_PTR(a), BFEDGE_PTR(b), BFEDGE_PTR(out);
  w.epilogue("epilogue", p.epilogue);
  BFEDGE_PTR(scratch);
}
void fields(const k::SwigluParams& p, Writer& w) { BFEDGE_INT(n), BFEDGE_PTR(gate), BFEDGE_PTR(up), BFEDGE_PTR(scratch); }
void fields(const k::UnaryParams& p, Writer& w) { BFEDGE_INT(n), BFEDGE_PTR(x), BFEDGE_PTR(out), BFEDGE_PTR(scratch); }
void fields(const k::MhsaParams& p, Writer& w) {
  BFEDGE_INT(seq), BFEDGE_INT(embed), BFEDGE_INT(heads);
  w.boolean("causal", p.causal);
  BFEDGE_PTR(x), BFEDGE_PTR(in_proj_weight), BFEDGE_PTR(in_proj_bias), BFEDGE_PTR(out_proj_weight);
  BFEDGE_PTR(out_proj_bias), BFEDGE_PTR(y);
  w.integer("l1_budget_bytes", static_cast<long long>(p.l1_budget_bytes));
  BFEDGE_PTR(workspace), BFEDGE_PTR(scratch);
}
void fields(const k::TrigramEmbeddingParams& p, Writer& w) {
  BFEDGE_INT(batch), BFEDGE_INT(seq), BFEDGE_INT(vocab), BFEDGE_INT(dim);
  BFEDGE_PTR(ids), BFEDGE_PTR(table), BFEDGE_PTR(out), BFEDGE_PTR(scratch);
}
void fields(const k::FirstTokenParams& p, Writer& w) {
  BFEDGE_INT(batch), BFEDGE_INT(seq), BFEDGE_INT(dim), BFEDGE_PTR(in), BFEDGE_PTR(out), BFEDGE_PTR(scratch);
}
void fields(const k::AttentionEncoderParams& p, Writer& w) {
  BFEDGE_INT(batch), BFEDGE_INT(seq), BFEDGE_INT(heads), BFEDGE_INT(head_size);
  BFEDGE_PTR(q), BFEDGE_PTR(k), BFEDGE_PTR(v), BFEDGE_PTR(key_mask), BFEDGE_PTR(out), BFEDGE_PTR(scratch);
}
void fields(const k::Conv2dParams& p, Writer& w) {
  BFEDGE_INT(batch), BFEDGE_INT(in_h), BFEDGE_INT(in_w), BFEDGE_INT(in_channels), BFEDGE_INT(out_channels);
  BFEDGE_INT(kernel), BFEDGE_INT(stride), BFEDGE_INT(pad);
  BFEDGE_PTR(x), BFEDGE_PTR(w), BFEDGE_PTR(bias), BFEDGE_PTR(out);
  w.epilogue("epilogue", p.epilogue);
  BFEDGE_PTR(scratch), BFEDGE_PTR(packed_w);
}
void fields(const k::DepthwiseConv2dParams& p, Writer& w) {
  BFEDGE_INT(batch), BFEDGE_INT(in_h), BFEDGE_INT(in_w), BFEDGE_INT(channels);
  BFEDGE_INT(kernel), BFEDGE_INT(stride), BFEDGE_INT(pad);
  BFEDGE_PTR(x), BFEDGE_PTR(w), BFEDGE_PTR(bias), BFEDGE_PTR(out);
  w.epilogue("epilogue", p.epilogue);
  BFEDGE_PTR(scratch);
}
void fields(const k::WindowParams& p, Writer& w) {
  BFEDGE_INT(batch), BFEDGE_INT(height), BFEDGE_INT(width), BFEDGE_INT(channels), BFEDGE_INT(window);
  BFEDGE_PTR(in), BFEDGE_PTR(out), BFEDGE_PTR(scratch);
}
void fields(const k::WindowAttentionParams& p, Writer& w) {
  BFEDGE_INT(windows), BFEDGE_INT(window), BFEDGE_INT(heads), BFEDGE_INT(head_size);
  BFEDGE_PTR(qkv), BFEDGE_PTR(bias), BFEDGE_PTR(out), BFEDGE_PTR(scratch);
}
void fields(const k::MeanTokensParams& p, Writer& w) {
  BFEDGE_INT(batch), BFEDGE_INT(tokens), BFEDGE_INT(channels), BFEDGE_PTR(in), BFEDGE_PTR(out), BFEDGE_PTR(scratch);
}

#undef BFEDGE_INT
#undef BFEDGE_PTR

template <class T>
constexpr const char* type_name() {
  if constexpr (std::is_same_v<T, k::EmbeddingParams>) return "EmbeddingParams";
  else if constexpr (std::is_same_v<T, k::NormParams>) return "NormParams";
  else if constexpr (std::is_same_v<T, k::MatvecParams>) return "MatvecParams";
  else if constexpr (std::is_same_v<T, k::MatmulParams>) return "MatmulParams";
  else if constexpr (std::is_same_v<T, k::RopeParams>) return "RopeParams";
  else if constexpr (std::is_same_v<T, graph::KvWriteParams>) return "KvWriteArgs";
  else if constexpr (std::is_same_v<T, k::AttentionDecodeParams>) return "AttentionDecodeParams";
  else if constexpr (std::is_same_v<T, k::AddParams>) return "AddParams";
  else if constexpr (std::is_same_v<T, k::SwigluParams>) return "SwigluParams";
  else if constexpr (std::is_same_v<T, k::UnaryParams>) return "UnaryParams";
  else if constexpr (std::is_same_v<T, k::MhsaParams>) return "MhsaParams";
  else if constexpr (std::is_same_v<T, k::TrigramEmbeddingParams>) return "TrigramEmbeddingParams";
  else if constexpr (std::is_same_v<T, k::FirstTokenParams>) return "FirstTokenParams";
  else if constexpr (std::is_same_v<T, k::AttentionEncoderParams>) return "AttentionEncoderParams";
  else if constexpr (std::is_same_v<T, k::Conv2dParams>) return "Conv2dParams";
  else if constexpr (std::is_same_v<T, k::DepthwiseConv2dParams>) return "DepthwiseConv2dParams";
  else if constexpr (std::is_same_v<T, k::WindowParams>) return "WindowParams";
  else if constexpr (std::is_same_v<T, k::WindowAttentionParams>) return "WindowAttentionParams";
  else if constexpr (std::is_same_v<T, k::MeanTokensParams>) return "MeanTokensParams";
  else static_assert(sizeof(T) == 0, "a params type the emitter does not know");
}

}  // namespace

std::string params_statements(const graph::NodeParams& params, const PointerText& pointer, const std::string& indent,
                              const std::string& variable) {
  Writer w(pointer, indent, variable);
  std::visit([&w](const auto& p) { fields(p, w); }, params);
  return w.text();
}

std::string dma_matvec_statements(const k::MatvecParams& p, std::size_t slot_bytes, const PointerText& pointer,
                                  const std::string& indent) {
  Writer w(pointer, indent);
  w.integer("rows", p.rows), w.integer("cols", p.cols);
  w.pointer("w_packed", p.w_packed), w.pointer("x", p.x), w.pointer("y", p.y);
  w.boolean("y_f32", p.y_type == k::OutType::f32);
  w.integer("slot_bytes", static_cast<long long>(slot_bytes));
  return w.text();
}

std::string kv_write_statements(const k::KvWriteArgs& p, const PointerText& pointer, const std::string& indent) {
  Writer w(pointer, indent);
  w.integer("n_kv_heads", p.n_kv_heads), w.integer("head_size", p.head_size), w.integer("seq_cap", p.seq_cap);
  w.pointer("k", p.k), w.pointer("v", p.v), w.pointer("k_cache", p.k_cache), w.pointer("v_cache", p.v_cache);
  return w.text();
}

std::string params_type_name(const graph::NodeParams& params) {
  return std::visit([](const auto& p) { return std::string("bfedge::kernels::") + type_name<std::decay_t<decltype(p)>>(); },
                    params);
}

}  // namespace bfedge::deploy
