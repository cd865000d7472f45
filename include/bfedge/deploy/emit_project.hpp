// The deploy compiler's code generator: a prepared graph (exec::PreparedGraph, its variants chosen
// for the target and its pointers bound) written out as a self-contained C++ project:
//   model.hpp       the plan as constants: buffer sizes, where each input and output lives in the
//                   arena, the core count; `run(buffers, position, team)`
//   model.cpp       the static schedule: per node, its kernel params filled with constants and
//                   pointers into the buffers (a structured writer per params type, no templates
//                   of kernel bodies), then the call into the same kernel functions as the
//                   library; a barrier where the executor places one
//   weights.bin     the constant bytes the schedule reads (BF16 weights, packed layouts), each
//                   64-byte aligned, and weights.S, which places them (.incbin) in a section
//   inputs.hpp      embedded test inputs
//   main_host.cpp   runs them on the host cluster and prints the outputs and a checksum
//   CMakeLists.txt  the host build (the kernels from bfedge's sources, or a built libbfedge.a)
//   main_mcu.cpp, firmware/CMakeLists.txt
//                   the same on the emulated MCU: weights.bin is loaded at the start of L3 (and
//                   copied to L2 at setup when the plan keeps the weights there), the buffers are
//                   static arrays in L2, each inference is a measured window between phase marks,
//                   the outputs go out on the UART (bfedge mcu run DIR builds, runs and compares)
// No allocator, no file system: every buffer is a static array of the plan's size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/deploy/tile_plan.hpp"
#include "bfedge/exec/prepared_graph.hpp"

namespace bfedge::deploy {

struct EmitRequest {
  std::string model;   // shown in the generated files' headers
  std::string target;
  // Encoders: examples to run, each one buffer per graph input (graph().inputs order), as the
  // input's bytes. Decoders (graph().max_positions > 0): a greedy generation from `prompt`
  // over `steps` positions (prompt included), printing the ids.
  std::vector<std::vector<std::vector<std::byte>>> examples;
  // Encoders: each example's class when the inputs came with labels (else empty), written to
  // labels.json: `bfedge mcu run` reports the MCU's and the host's accuracy on them.
  std::vector<int> labels;
  std::vector<int> prompt;
  int steps = 0;
  bool weights_in_l2 = false;  // the level plan's placement (deploy/level_plan.hpp)
  bool activations_in_l1 = false;
  // The tiling planner's choices (deploy/tile_plan.hpp), by node: a matvec with slots streams its
  // weights through L1 (kernels::matvec__rv32_dma), an attention with a KV window reads it in L1
  // (kernels::attention_decode__rv32_dma); no tiles: the node's kernel as prepared. tiles.l1_bytes
  // is the L1 region the tiles share.
  TilePlan tiles;
  std::string bfedge_root;     // bfedge's source tree: kernel headers and sources
  std::string bfedge_library;  // optional: a built libbfedge.a to link instead of compiling the kernels
};

// The bytes of weights.bin for this prepared graph: every constant a node reads, in the layout its
// kernel reads (packed matvec blocks, packed GEMM panels), each 64-byte aligned — what the plan
// places in L2 or L3.
std::int64_t emitted_constant_bytes(const exec::PreparedGraph& prepared);

// Writes the project's files into `out_dir` (which exists), each atomically.
Status emit_project(const exec::PreparedGraph& prepared, const EmitRequest& request, const std::string& out_dir);

}  // namespace bfedge::deploy
