// Writes a bound kernel-params struct as C++ statements (private to deploy's code generator):
// one `p.field = value;` per field, pointers through a function that names the buffer they point
// into ("b.arena + 4096"). One visitor per params type lists its fields, so a field added to a
// params struct without being listed here leaves it at its default in emitted code — the
// compile-and-run tests against the library catch that.
#pragma once

#include <functional>
#include <string>

#include "bfedge/graph/graph.hpp"

namespace bfedge::deploy {

// "b.arena + 4096", "b.weights + 0", "nullptr": where `pointer` points, as a byte pointer expression.
using PointerText = std::function<std::string(const void* pointer)>;

// The statements that fill `variable` (a local of the params type) from `params`, indented by `indent`.
// Fields that depend on the run's position are the caller's (attention_decode's n_positions,
// rope's cos and sin; kv_write: kv_write_statements).
std::string params_statements(const graph::NodeParams& params, const PointerText& pointer, const std::string& indent,
                              const std::string& variable = "p");
// A matvec streamed through L1 (kernels::matvec__rv32_dma): its DmaMatvecArgs but l1 and dma.
std::string dma_matvec_statements(const kernels::MatvecParams& params, std::size_t slot_bytes, const PointerText& pointer,
                                  const std::string& indent);
// kv_write's arguments but the position.
std::string kv_write_statements(const kernels::KvWriteArgs& args, const PointerText& pointer, const std::string& indent);

// The C++ type name of a node's params ("bfedge::kernels::MatmulParams").
std::string params_type_name(const graph::NodeParams& params);

}  // namespace bfedge::deploy
