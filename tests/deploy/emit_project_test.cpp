// The code generator end to end: a tiny model of each family is prepared for the MCU's kernels
// (kernels::kRv32Imafc: the rv32 and portable variants, plain C++), emitted, built with CMake on
// the host and run; its outputs must equal the library's (the same PreparedGraph on the host
// cluster) bit for bit: the greedy ids of a decoder, every logit of the encoders.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "bfedge/core/random_data.hpp"
#include "bfedge/deploy/emit_project.hpp"
#include "bfedge/deploy/tile_plan.hpp"
#include "bfedge/exec/prepared_graph.hpp"
#include "bfedge/kernels/matvec.hpp"
#include "bfedge/kernels/rv32.hpp"
#include "bfedge/models/llama_graph.hpp"
#include "bfedge/models/mobilebert_graph.hpp"
#include "bfedge/models/tinyvit.hpp"
#include "bfedge/models/tinyvit_graph.hpp"
#include "bfedge/runtime/cluster.hpp"
#include "support/test_support.hpp"

namespace bfedge::deploy {
namespace {

constexpr int kCores = 4;

exec::PreparedGraph prepare(graph::Graph g) {
  auto prepared = exec::PreparedGraph::prepare(std::move(g), kernels::kRv32Imafc, kCores);
  EXPECT_TRUE(prepared.is_ok()) << prepared.status().message();
  return std::move(prepared).value();
}

EmitRequest request(const char* model) {
  EmitRequest r;
  r.model = model, r.target = "gap9-like";
  r.bfedge_root = BFEDGE_SOURCE_DIR;
  r.bfedge_library = BFEDGE_LIBRARY_PATH;
  return r;
}

// Emits, configures, builds and runs the project; its stdout.
std::string emit_build_run(const exec::PreparedGraph& prepared, const EmitRequest& r, const test::TempDir& dir) {
  const std::string out = dir.path().string();
  const Status emitted = emit_project(prepared, r, out);
  EXPECT_TRUE(emitted.is_ok()) << emitted.message();
  std::string flags;
  if (BFEDGE_TEST_SANITIZE) {  // the library was built with them: so are the emitted sources and the link
    flags = " -DCMAKE_CXX_FLAGS='-fsanitize=address,undefined -fno-sanitize-recover=all'"
            " -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined";
  }
  const std::string log = out + "/build.log";
  const std::string build = "cmake -S " + out + " -B " + out + "/build" + flags + " > " + log + " 2>&1 && cmake --build " +
                            out + "/build >> " + log + " 2>&1";
  if (std::system(build.c_str()) != 0) {
    ADD_FAILURE() << "the emitted project did not build:\n" << test::read_text(log);
    return "";
  }
  FILE* run = popen((out + "/build/model_host").c_str(), "r");
  std::string text;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, run)) > 0;) text.append(buffer, n);
  EXPECT_EQ(pclose(run), 0);
  return text;
}

std::vector<float> numbers_after(const std::string& line, std::size_t words_to_skip) {
  std::istringstream in(line);
  std::string word;
  for (std::size_t i = 0; i < words_to_skip; ++i) in >> word;
  std::vector<float> values;
  for (float v; in >> v;) values.push_back(v);
  return values;
}

std::string line_starting(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) return line;
  }
  return "";
}

std::vector<std::byte> bytes_of(const void* data, std::size_t n) {
  const auto* b = static_cast<const std::byte*>(data);
  return {b, b + n};
}

TEST(EmitProject, ADecodersGreedyIdsEqualTheLibrarys) {
  const models::LlamaConfig c = test::tiny_llama_config();
  auto built = models::build_llama_graph(c, models::convert_llama_weights<bf16>(test::random_llama_weights(c, 7)));
  ASSERT_TRUE(built.is_ok()) << built.status().message();
  exec::PreparedGraph prepared = prepare(std::move(built.value().graph));
  const std::vector<int> prompt = {1, 17, 42};
  const int steps = 12;

  // The library: the same loop as the emitted main (prompt first, then the argmax).
  runtime::HostCluster cluster(kCores);
  std::string want = "ids";
  int token = prompt[0];
  for (int position = 0; position < steps; ++position) {
    prepared.input_i32(built.value().token)[0] = token;
    ASSERT_TRUE(prepared.run(position, cluster).is_ok());
    const std::span<const float> logits = std::as_const(prepared).output_f32(built.value().logits);
    int next = static_cast<int>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    if (position + 1 < static_cast<int>(prompt.size())) next = prompt[static_cast<std::size_t>(position) + 1];
    want += " " + std::to_string(next);
    token = next;
  }
  prepared.reset_state();

  EmitRequest r = request("tiny llama");
  r.prompt = prompt, r.steps = steps;
  // The matvecs stream their weights through L1 in slots the tiling planner chose, several pieces
  // per matrix, each fetching the next one's first piece; the attention reads its KV window in L1,
  // fetched ahead by the QKV matvec (L1 to spare) or by the attention itself (L1 for the smallest
  // tiles and the window): still bit-exact.
  McuTarget small_l1 = gap9_like_target();
  small_l1.l1.bytes = small_l1.l1.reserved_bytes + 2720 + 8192;  // slots of a few blocks; the window; prefetch
  const auto& a = std::get<kernels::AttentionDecodeParams>(prepared.graph().node(5).params);
  ASSERT_EQ(prepared.graph().node(5).op, graph::Op::attention_decode);
  McuTarget tight_l1 = gap9_like_target();
  tight_l1.l1.bytes = tight_l1.l1.reserved_bytes + 2720 +
                      static_cast<std::int64_t>(kernels::attention_decode_dma_l1_bytes(a.n_heads, a.n_kv_heads, a.head_size,
                                                                                       a.seq_cap, kCores));
  for (const auto& [target, ahead] : {std::pair{small_l1, true}, std::pair{tight_l1, false}}) {
    SCOPED_TRACE(ahead ? "the window fetched ahead" : "the attention fetches its window");
    const Result<TilePlan> tiles = plan_tiles(prepared.graph(), target);
    ASSERT_TRUE(tiles.is_ok()) << tiles.status().message();
    r.tiles = tiles.value();
    int windows = 0, streamed_in_pieces = 0;
    for (const NodeTiles& t : r.tiles.nodes) {
      const graph::Node& node = prepared.graph().node(t.node);
      windows += t.kv_window_positions > 0 && t.kv_window_ahead == ahead ? 1 : 0;
      if (node.op != graph::Op::matvec || t.slot_bytes == 0) continue;
      const graph::Tensor& w = prepared.graph().tensor(node.inputs[1]);
      const auto blocks_per_piece = static_cast<std::int64_t>(t.slot_bytes / kernels::matvec_dma_block_bytes(static_cast<int>(w.shape[1])));
      if (blocks_per_piece * kernels::kMatvecRowBlock < w.shape[0]) ++streamed_in_pieces;
    }
    EXPECT_EQ(windows, c.n_layers) << "an attention without its L1 window";
    EXPECT_GT(streamed_in_pieces, 0) << "no matvec in several pieces";
    if (ahead) {
      EXPECT_GT(r.tiles.prefetch_bytes, 0u) << "no prefetch across nodes";
    }
    test::TempDir dir;
    const std::string out = emit_build_run(prepared, r, dir);
    EXPECT_EQ(line_starting(out, "ids"), want) << out;
    // What the level planner places is what the project holds.
    EXPECT_EQ(emitted_constant_bytes(prepared), static_cast<std::int64_t>(std::filesystem::file_size(dir.path() / "weights.bin")));
    EXPECT_NE(line_starting(out, "checksum "), "") << out;
  }
}

TEST(EmitProject, AnEncodersLogitsEqualTheLibrarysBitForBit) {
  models::MobileBertConfig c;
  c.vocab_size = 300, c.hidden_size = 64, c.num_hidden_layers = 2, c.num_attention_heads = 2;
  c.intermediate_size = 48, c.max_position_embeddings = 16, c.embedding_size = 32;
  c.intra_bottleneck_size = 32, c.num_feedforward_networks = 2, c.num_labels = 3;
  const int seq = 9;
  auto built = models::build_mobilebert_graph(c, models::mobilebert_weights_to_bf16(models::mobilebert_random_weights(c, 5)),
                                              1, seq);
  ASSERT_TRUE(built.is_ok()) << built.status().message();
  const models::MobileBertGraph& m = built.value();
  exec::PreparedGraph prepared = prepare(std::move(built.value().graph));

  EmitRequest r = request("tiny mobilebert");
  std::vector<std::vector<float>> want;
  runtime::HostCluster cluster(kCores);
  for (int e = 0; e < 2; ++e) {
    std::vector<std::int32_t> ids(seq), mask(seq, 1), types(seq, 0);
    for (int i = 0; i < seq; ++i) ids[static_cast<std::size_t>(i)] = (37 * i + 11 * e + 2) % c.vocab_size;
    if (e == 1) mask[seq - 1] = mask[seq - 2] = 0;  // padding
    std::vector<std::vector<std::byte>> example;
    for (graph::TensorId input : prepared.graph().inputs) {
      const std::vector<std::int32_t>& values = input == m.input_ids ? ids : input == m.attention_mask ? mask : types;
      std::copy(values.begin(), values.end(), prepared.input_i32(input).begin());
      example.push_back(bytes_of(values.data(), values.size() * 4));
    }
    r.examples.push_back(example);
    ASSERT_TRUE(prepared.run(0, cluster).is_ok());
    const std::span<const float> logits = std::as_const(prepared).output_f32(m.logits);
    want.emplace_back(logits.begin(), logits.end());
  }
  test::TempDir dir;
  const std::string out = emit_build_run(prepared, r, dir);
  for (int e = 0; e < 2; ++e) {
    const std::string line = line_starting(out, "example " + std::to_string(e) + " ");
    EXPECT_EQ(numbers_after(line, 3), want[static_cast<std::size_t>(e)]) << out;
  }
  // Labels travel in labels.json; a project emitted again without them leaves none behind, and
  // a label count that is not the examples' is refused.
  r.labels = {2, 0};
  ASSERT_TRUE(emit_project(prepared, r, dir.path().string()).is_ok());
  EXPECT_EQ(test::read_text(dir.file("labels.json")), "{\"labels\": [2, 0]}\n");
  r.labels.clear();
  ASSERT_TRUE(emit_project(prepared, r, dir.path().string()).is_ok());
  EXPECT_FALSE(std::filesystem::exists(dir.file("labels.json")));
  r.labels = {1};
  const Status wrong = emit_project(prepared, r, dir.path().string());
  EXPECT_EQ(wrong.message(), "emit: 1 labels for 2 examples");
}

TEST(EmitProject, AVisionModelsLogitsEqualTheLibrarysBitForBit) {
  const models::TinyVitConfig c = test::padded_windows_tinyvit_config();
  auto built = models::build_tinyvit_graph(c, models::tinyvit_random_weights(c, 3), 1);
  ASSERT_TRUE(built.is_ok()) << built.status().message();
  const graph::TensorId images = built.value().images, logits_id = built.value().logits;
  exec::PreparedGraph prepared = prepare(std::move(built.value().graph));

  const std::vector<bf16> image = random_bf16(static_cast<std::size_t>(prepared.graph().tensor(images).shape.element_count()), 9);
  std::copy(image.begin(), image.end(), prepared.input_bf16(images).begin());
  runtime::HostCluster cluster(kCores);
  ASSERT_TRUE(prepared.run(0, cluster).is_ok());
  const std::span<const float> logits = std::as_const(prepared).output_f32(logits_id);
  const std::vector<float> want(logits.begin(), logits.end());

  EmitRequest r = request("tiny tinyvit");
  r.examples.push_back({bytes_of(image.data(), image.size() * 2)});
  test::TempDir dir;
  const std::string out = emit_build_run(prepared, r, dir);
  EXPECT_EQ(numbers_after(line_starting(out, "example 0 "), 3), want) << out;
}

}  // namespace
}  // namespace bfedge::deploy
