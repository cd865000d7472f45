// Snapshots of the emitted code for a small model of each family: the files `bfedge deploy` writes
// (but the weights) must equal tests/deploy/snapshots/<family>/, so every change to the generated
// code shows in review. After an intended change, regenerate them with
//   BFEDGE_UPDATE_SNAPSHOTS=1 build/release/tests/deploy_tests --gtest_filter='EmitSnapshot*'
// and read the diff. (EmitProject.* builds and runs such projects against the library.)
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "bfedge/deploy/emit_project.hpp"
#include "bfedge/deploy/tile_plan.hpp"
#include "bfedge/exec/prepared_graph.hpp"
#include "bfedge/models/llama_graph.hpp"
#include "bfedge/models/mobilebert_graph.hpp"
#include "bfedge/models/tinyvit.hpp"
#include "bfedge/models/tinyvit_graph.hpp"
#include "support/test_support.hpp"

namespace bfedge::deploy {
namespace {

namespace fs = std::filesystem;

const char* const kFiles[] = {"model.hpp", "model.cpp", "inputs.hpp", "main_host.cpp", "main_mcu.cpp",
                              "weights.S", "CMakeLists.txt", "firmware/CMakeLists.txt"};

void expect_snapshot(graph::Graph g, EmitRequest r, const std::string& family) {
  auto prepared = exec::PreparedGraph::prepare(std::move(g), kernels::kRv32Imafc, 8);
  ASSERT_TRUE(prepared.is_ok()) << prepared.status().message();
  r.model = "tiny " + family, r.target = "gap9-like", r.bfedge_root = "/opt/bfedge";  // fixed: no local paths
  test::TempDir dir;
  const Status s = emit_project(prepared.value(), r, dir.path().string());
  ASSERT_TRUE(s.is_ok()) << s.message();
  const fs::path snapshots = fs::path(BFEDGE_SOURCE_DIR) / "tests/deploy/snapshots" / family;
  const bool update = std::getenv("BFEDGE_UPDATE_SNAPSHOTS") != nullptr;
  for (const char* file : kFiles) {
    const std::string emitted = test::read_text((dir.path() / file).string());
    if (update) {
      fs::create_directories((snapshots / file).parent_path());
      std::ofstream(snapshots / file, std::ios::binary) << emitted;
      continue;
    }
    ASSERT_TRUE(fs::exists(snapshots / file)) << (snapshots / file) << " is missing (BFEDGE_UPDATE_SNAPSHOTS=1 writes it)";
    EXPECT_EQ(emitted, test::read_text((snapshots / file).string())) << family << "/" << file << " changed";
  }
}

TEST(EmitSnapshot, Llama) {
  const models::LlamaConfig c = test::tiny_llama_config();
  auto built = models::build_llama_graph(c, models::convert_llama_weights<bf16>(test::random_llama_weights(c, 7)));
  ASSERT_TRUE(built.is_ok()) << built.status().message();
  EmitRequest r;
  r.prompt = {1, 17}, r.steps = 4, r.weights_in_l2 = true;
  const Result<TilePlan> tiles = plan_tiles(built.value().graph, gap9_like_target());
  ASSERT_TRUE(tiles.is_ok()) << tiles.status().message();
  r.tiles = tiles.value();
  expect_snapshot(std::move(built.value().graph), r, "llama");
}

TEST(EmitSnapshot, MobileBert) {
  models::MobileBertConfig c;
  c.vocab_size = 40, c.hidden_size = 32, c.num_hidden_layers = 1, c.num_attention_heads = 2;
  c.intermediate_size = 24, c.max_position_embeddings = 8, c.embedding_size = 16;
  c.intra_bottleneck_size = 16, c.num_feedforward_networks = 2, c.num_labels = 2;
  auto built = models::build_mobilebert_graph(c, models::mobilebert_weights_to_bf16(models::mobilebert_random_weights(c, 5)), 1, 4);
  ASSERT_TRUE(built.is_ok()) << built.status().message();
  EmitRequest r;
  const std::vector<std::byte> ids = {std::byte{2}, {}, {}, {}, std::byte{7}, {}, {}, {}, std::byte{9}, {}, {}, {}, std::byte{3}, {}, {}, {}};
  r.examples = {{ids, ids, std::vector<std::byte>(16)}};
  r.weights_in_l2 = true;
  expect_snapshot(std::move(built.value().graph), r, "mobilebert");
}

TEST(EmitSnapshot, TinyVit) {
  models::TinyVitConfig c;
  c.architecture = "tiny_vit_5m_224";
  c.embed_dims = {8, 16, 16, 16};
  c.depths = {1, 1, 1, 1};
  c.num_heads = {1, 2, 2, 2};
  c.window_sizes = {2, 2, 2, 1};
  c.image_height = c.image_width = 8;
  c.stem_strides[0] = 1, c.stem_strides[1] = 2;
  c.num_classes = 3;
  auto built = models::build_tinyvit_graph(c, models::tinyvit_random_weights(c, 3), 1);
  ASSERT_TRUE(built.is_ok()) << built.status().message();
  EmitRequest r;
  r.examples = {{std::vector<std::byte>(static_cast<std::size_t>(built.value().graph.tensor(built.value().images).bytes()))}};
  r.weights_in_l2 = true;
  expect_snapshot(std::move(built.value().graph), r, "tinyvit");
}

}  // namespace
}  // namespace bfedge::deploy
