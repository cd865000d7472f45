// The deploy compiler's memory planner against hand counts: where each item goes, the one-line
// reason when a level is too small, the tensors at the activation peak, and stories260K's L2 at
// 256 positions computed from its configuration by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "bfedge/core/round_up.hpp"
#include "bfedge/deploy/deploy_model.hpp"
#include "bfedge/deploy/level_plan.hpp"
#include "bfedge/deploy/tile_plan.hpp"
#include "bfedge/graph/builder.hpp"
#include "bfedge/graph/memory_plan.hpp"
#include "bfedge/kernels/rv32.hpp"
#include "bfedge/models/llama_graph.hpp"
#include "support/test_support.hpp"

namespace bfedge::deploy {
namespace {

using graph::ElementType;
using graph::TensorId;

const std::vector<bf16> kZeros(8192);

// token (i32) -> embedding (table 100 x 64) -> x (64) -> matvec (32 x 64) -> y (32 f32), the output.
// Weights 12,800 + 4,096 = 16,896 B. Arena (64-byte aligned): token 64 (an input: whole run),
// x 128 (nodes 0-1), y 128 (node 1 to the end): the peak is node 1 with all three, 320 B.
graph::Graph two_node_graph() {
  graph::GraphBuilder b;
  const TensorId ids = b.input("token", Shape{1}, ElementType::i32);
  const TensorId x = b.embedding("embed", ids, b.weight("table", Shape{100, 64}, ElementType::bf16, kZeros.data()));
  b.mark_output(b.matvec("proj", x, b.weight("proj.weight", Shape{32, 64}, ElementType::bf16, kZeros.data()),
                         ElementType::f32));
  auto g = std::move(b).finish(nullptr);
  EXPECT_TRUE(g.is_ok()) << g.status().message();
  return std::move(g).value();
}

std::vector<std::string> item_names(const LevelUse& use) {
  std::vector<std::string> names;
  for (const LevelItem& item : use.items) names.push_back(item.name + " " + std::to_string(item.bytes));
  return names;
}

// A target whose L1 holds the reserve and 256 bytes: the two-node graph's 320 B of activations go to L2.
McuTarget small_l1() {
  McuTarget t = gap9_like_target();
  t.l1.bytes = t.l1.reserved_bytes + 256;
  return t;
}

TEST(LevelPlan, ActivationsInL1WhenTheyFitWeightsInL2WhenTheyFit) {
  const graph::Graph g = two_node_graph();
  const Result<LevelPlan> plan = plan_levels(g, gap9_like_target());
  ASSERT_TRUE(plan.is_ok()) << plan.status().message();
  const LevelPlan& p = plan.value();
  EXPECT_EQ(p.weights_level, MemoryLevel::l2);
  EXPECT_EQ(p.activations_level, MemoryLevel::l1);
  EXPECT_EQ(p.weight_bytes, 16896);
  EXPECT_EQ(item_names(p.l1), (std::vector<std::string>{"firmware 16384", "activations 320"}));
  EXPECT_EQ(item_names(p.l2), (std::vector<std::string>{"firmware 262144", "weights 16896"}));
  EXPECT_TRUE(p.l3.items.empty());
  const Result<LevelPlan> in_l2 = plan_levels(g, small_l1());
  ASSERT_TRUE(in_l2.is_ok()) << in_l2.status().message();
  EXPECT_EQ(in_l2.value().activations_level, MemoryLevel::l2);
  EXPECT_EQ(item_names(in_l2.value().l2), (std::vector<std::string>{"firmware 262144", "activations 320", "weights 16896"}));
  EXPECT_EQ(g.node(p.peak_node).name, "proj");
  EXPECT_EQ(p.peak_live_bytes, 320);
  ASSERT_EQ(p.at_peak.size(), 3u);
  EXPECT_EQ(p.at_peak[0].name, "embed");  // 128 B, as the 64-element row
  EXPECT_EQ(p.at_peak[1].name, "proj");   // 128 B, 32 floats
  EXPECT_EQ(p.at_peak[2].name, "token");  // 4 B
  EXPECT_EQ(p.weight_components.size(), 2u);
  EXPECT_EQ(p.weight_components[0].name, "table");
  EXPECT_EQ(p.weight_components[1].name, "proj");
}

TEST(LevelPlan, WeightsGoToL3WhenL2CannotHoldThemToo) {
  McuTarget t = small_l1();
  t.l2.bytes = 262144 + 320 + 16896 - 64;  // one alignment step short
  const Result<LevelPlan> plan = plan_levels(two_node_graph(), t);
  ASSERT_TRUE(plan.is_ok()) << plan.status().message();
  EXPECT_EQ(plan.value().weights_level, MemoryLevel::l3);
  EXPECT_EQ(item_names(plan.value().l2), (std::vector<std::string>{"firmware 262144", "activations 320"}));
  EXPECT_EQ(item_names(plan.value().l3), (std::vector<std::string>{"weights 16896"}));
}

TEST(LevelPlan, ALevelTooSmallFailsWithOneLineNamingItsLargestItem) {
  McuTarget t = small_l1();
  t.l2.bytes = 262144 + 256;
  Result<LevelPlan> plan = plan_levels(two_node_graph(), t);
  ASSERT_FALSE(plan.is_ok());
  EXPECT_EQ(plan.status().code(), ErrorCode::capacity);
  EXPECT_EQ(plan.status().message(), "L2 needs 256.3 KiB > 256.2 KiB; largest: firmware 256 KiB");

  t = gap9_like_target();
  t.l2.bytes = 262144 + 320 + 64;
  t.l3.bytes = 16000;
  plan = plan_levels(two_node_graph(), t);
  ASSERT_FALSE(plan.is_ok());
  EXPECT_EQ(plan.status().message(), "L3 needs 16.5 KiB > 15.6 KiB; largest: weights 16.5 KiB");

  t = gap9_like_target();
  t.l1.reserved_bytes = 0;
  plan = plan_levels(two_node_graph(), t, 128 * 1024 + 1);
  ASSERT_FALSE(plan.is_ok());
  EXPECT_EQ(plan.status().message(), "L1 needs 131073 B > 131072 B; largest: tiles 128 KiB");
}

TEST(LevelPlan, TheKvCacheIsNamedWhenItOverflowsL2) {
  models::LlamaConfig c = test::tiny_llama_config();  // dim 16, 2 layers, 2 KV heads of 4
  c.seq_len = 8192;  // 2 layers x (key + value) x 2 heads x 4 x 8192 x 2 B = 512 KiB
  auto built = models::build_llama_graph(c, models::convert_llama_weights<bf16>(test::random_llama_weights(c, 1)));
  ASSERT_TRUE(built.is_ok()) << built.status().message();
  McuTarget t = gap9_like_target();
  t.l2.bytes = 640 * 1024;
  const Result<LevelPlan> plan = plan_levels(built.value().graph, t);
  ASSERT_FALSE(plan.is_ok());
  const std::string& m = plan.status().message();
  // firmware 256 KiB + kv_cache 512 KiB > 640 KiB (the activations, 1.3 KiB, are in L1)
  EXPECT_EQ(m, "L2 needs 768 KiB > 640 KiB; largest: kv_cache 512 KiB");
}

// stories260K (dim 64, 5 layers, 8 heads, 4 KV heads of 8, hidden 172, vocab 512, shared
// classifier) with a KV cache of 256 positions, by hand:
//   KV cache  5 layers x (key + value) x 4 x 8 x 256 x 2 B                            = 163,840
//   weights   embedding 512 x 64 x 2 = 65,536; RoPE cos + sin 2 x 256 x 4 x 4 B = 8,192;
//             per layer rms 2 x 64 x 2 + wqkv 128 x 64 x 2 + wo 64 x 64 x 2
//             + w13 344 x 64 x 2 + w2 64 x 172 x 2 = 90,880, x 5 = 454,400; rms_final 128  = 528,256
//   arena     the peak is the classifier: token 64 (aligned) + rms_final's row 128
//             + logits 512 x 4 B = 2,048                                                 = 2,240
//   L1 = firmware 16,384 + the arena 2,240 (it fits beside the tiles; none here)         = 18,624
//   L2 = firmware 262,144 + 163,840 + 528,256                                            = 954,240
TEST(LevelPlan, Stories260kAt256PositionsMatchesTheHandCount) {
  BFEDGE_REQUIRE_SHARED(shared);
  const Result<DeployModel> model = load_deploy_model((shared / "models/stories260K.bin").string(), {.positions = 256, .seq_len = std::nullopt});
  ASSERT_TRUE(model.is_ok()) << model.status().message();
  const Result<LevelPlan> plan = plan_levels(model.value().graph, gap9_like_target());
  ASSERT_TRUE(plan.is_ok()) << plan.status().message();
  const LevelPlan& p = plan.value();
  EXPECT_EQ(p.state_bytes, 163840);
  EXPECT_EQ(p.weight_bytes, 528256);
  EXPECT_EQ(p.peak_live_bytes, 2240);
  EXPECT_EQ(p.arena.arena_bytes, 2240);
  EXPECT_EQ(model.value().graph.node(p.peak_node).name, "classifier");
  EXPECT_EQ(p.weights_level, MemoryLevel::l2);
  EXPECT_EQ(p.activations_level, MemoryLevel::l1);
  EXPECT_EQ(p.l1.used(), 18624);
  EXPECT_EQ(p.l2.used(), 954240);
}

// The tiny decoder's matvecs have 16 columns (w2: 40): one 16-row block is 8 pairs x 64 B = 512 B
// (w2: 20 x 64 = 1,280 B) and x takes 64 B (w2: 160 B), so the smallest tiles need
// 64 + 2 x 512 = 1,088 B of L1 beside the reserve (w2: 160 + 2 x 1,280 = 2,720 B).
TEST(TilePlan, MatvecsStreamThroughTheLargestSlotsThatFitAndTooLittleL1IsOneLine) {
  const models::LlamaConfig c = test::tiny_llama_config();
  auto built = models::build_llama_graph(c, models::convert_llama_weights<bf16>(test::random_llama_weights(c, 1)));
  ASSERT_TRUE(built.is_ok()) << built.status().message();
  const graph::Graph& g = built.value().graph;
  McuTarget t = gap9_like_target();
  t.l1.bytes = t.l1.reserved_bytes + 2720;  // w2's smallest tiles; two 16-column blocks per slot
  Result<TilePlan> plan = plan_tiles(g, t);
  ASSERT_TRUE(plan.is_ok()) << plan.status().message();
  int streamed = 0;
  for (const NodeTiles& n : plan.value().nodes) {
    if (g.node(n.node).op != graph::Op::matvec) {
      EXPECT_EQ(n.slot_bytes, 0u) << g.node(n.node).name;
      continue;
    }
    ++streamed;
    EXPECT_GT(n.estimated_cycles, 0) << g.node(n.node).name;
    EXPECT_LE(n.l1_bytes, t.l1.usable_bytes()) << g.node(n.node).name;
    const auto cols = static_cast<int>(g.tensor(g.node(n.node).inputs[1]).shape[1]);
    EXPECT_EQ(n.slot_bytes % kernels::matvec_dma_block_bytes(cols), 0u) << g.node(n.node).name;  // whole blocks
    if (g.node(n.node).name == "classifier") {
      EXPECT_EQ(n.slot_bytes, 1024u);  // the largest that fits: fewest pieces
    }
  }
  EXPECT_EQ(streamed, 2 * 4 + 1);  // per layer wqkv, wo, w13 and w2, and the classifier
  EXPECT_EQ(plan.value().l1_bytes, 2720);
  EXPECT_EQ(plan.value().prefetch_bytes, 0u);  // no room for the buffers: each matvec waits for its first piece

  t.l1.bytes = t.l1.reserved_bytes + 1024;
  plan = plan_tiles(g, t);
  ASSERT_FALSE(plan.is_ok());
  EXPECT_EQ(plan.status().code(), ErrorCode::capacity);
  EXPECT_EQ(plan.status().message(),
            "L1 needs 18.7 KiB > 17 KiB; largest: tiles of layer0.w2 (matvec: x and two slots of one 16-row block)");
}

// With room for them, two prefetch buffers of the largest first piece follow the nodes' region, and
// the slots are sized with the first pieces hidden: the region, the buffers and the activations fit L1.
TEST(TilePlan, WithRoomForThemTheFirstPiecesArePrefetched) {
  const models::LlamaConfig c = test::tiny_llama_config();
  auto built = models::build_llama_graph(c, models::convert_llama_weights<bf16>(test::random_llama_weights(c, 1)));
  ASSERT_TRUE(built.is_ok()) << built.status().message();
  const graph::Graph& g = built.value().graph;
  const McuTarget t = gap9_like_target();
  const Result<TilePlan> plan = plan_tiles(g, t);
  ASSERT_TRUE(plan.is_ok()) << plan.status().message();
  const TilePlan& p = plan.value();
  ASSERT_GT(p.prefetch_bytes, 0u);
  std::int64_t region = 0;
  for (const NodeTiles& n : p.nodes) {
    region = std::max(region, n.l1_bytes);
    if (n.slot_bytes == 0) continue;
    const graph::Tensor& w = g.tensor(g.node(n.node).inputs[1]);
    EXPECT_LE(kernels::matvec_dma_first_piece_bytes(static_cast<int>(w.shape[0]), static_cast<int>(w.shape[1]), n.slot_bytes),
              p.prefetch_bytes) << g.node(n.node).name;
  }
  EXPECT_GE(p.prefetch_offset, region);
  EXPECT_EQ(p.kv_window_offset, p.prefetch_offset + 2 * static_cast<std::int64_t>(p.prefetch_bytes));
  EXPECT_EQ(p.l1_bytes, p.kv_window_offset + static_cast<std::int64_t>(p.kv_window_bytes));
  EXPECT_LE(p.l1_bytes + graph::plan_memory(g).arena_bytes, t.l1.usable_bytes());
}

// A decoder's KV windows: with room for their region, each layer's window is fetched ahead by the
// streamed matvec before its attention (the QKV projection), one carrier per attention; with only
// room for the attention to fetch its own, it does; with neither, it reads the cache in L2.
TEST(TilePlan, TheKvWindowIsFetchedAheadWhenItsRegionFitsElseByTheAttention) {
  const models::LlamaConfig c = test::tiny_llama_config();
  auto built = models::build_llama_graph(c, models::convert_llama_weights<bf16>(test::random_llama_weights(c, 1)));
  ASSERT_TRUE(built.is_ok()) << built.status().message();
  const graph::Graph& g = built.value().graph;
  const auto windows = [&g](const TilePlan& p, bool ahead) {
    int n = 0;
    for (const NodeTiles& t : p.nodes) n += t.kv_window_positions > 0 && t.kv_window_ahead == ahead ? 1 : 0;
    return n;
  };
  McuTarget t = gap9_like_target();
  Result<TilePlan> plan = plan_tiles(g, t);
  ASSERT_TRUE(plan.is_ok()) << plan.status().message();
  EXPECT_EQ(windows(plan.value(), true), c.n_layers);
  std::vector<graph::NodeId> carried;
  for (const NodeTiles& n : plan.value().nodes) {
    if (n.carries_kv_window_of < 0) continue;
    EXPECT_GT(n.slot_bytes, 0u) << g.node(n.node).name;
    EXPECT_NE(g.node(n.node).name.find("wqkv"), std::string::npos) << g.node(n.node).name;
    EXPECT_EQ(g.node(n.carries_kv_window_of).op, graph::Op::attention_decode);
    EXPECT_GT(n.carries_kv_window_of, n.node);
    carried.push_back(n.carries_kv_window_of);
  }
  EXPECT_EQ(carried.size(), static_cast<std::size_t>(c.n_layers));
  const auto& a = std::get<kernels::AttentionDecodeParams>(g.node(carried.front()).params);
  EXPECT_EQ(plan.value().kv_window_bytes, kernels::kv_window_bytes(a.n_kv_heads, a.head_size, a.seq_cap));

  // Room for the smallest tiles and the attention's own window and scores, not for a region apart.
  const auto own = static_cast<std::int64_t>(kernels::attention_decode_dma_l1_bytes(a.n_heads, a.n_kv_heads, a.head_size,
                                                                                    a.seq_cap, t.cores));
  t.l1.bytes = t.l1.reserved_bytes + round_up(graph::plan_memory(g).arena_bytes, graph::kPlanAlignment) + std::max<std::int64_t>(own, 2720);
  plan = plan_tiles(g, t);
  ASSERT_TRUE(plan.is_ok()) << plan.status().message();
  EXPECT_EQ(windows(plan.value(), true), 0);
  EXPECT_EQ(windows(plan.value(), false), c.n_layers);
  EXPECT_EQ(plan.value().kv_window_bytes, 0u);
  for (const NodeTiles& n : plan.value().nodes) EXPECT_LT(n.carries_kv_window_of, 0) << g.node(n.node).name;

  t.l1.bytes = t.l1.reserved_bytes + 2720;  // the smallest tiles only
  plan = plan_tiles(g, t);
  ASSERT_TRUE(plan.is_ok()) << plan.status().message();
  EXPECT_EQ(windows(plan.value(), true) + windows(plan.value(), false), 0);
}

TEST(DeployModel, OptionsThatDoNotApplyAreRefusedNamingThePath) {
  BFEDGE_REQUIRE_SHARED(shared);
  const std::string path = (shared / "models/stories260K.bin").string();
  Result<DeployModel> m = load_deploy_model(path, {.positions = std::nullopt, .seq_len = 64});
  ASSERT_FALSE(m.is_ok());
  EXPECT_EQ(m.status().message(), path + ": --seq-len does not apply to a llama2.c model");
  m = load_deploy_model(path, {.positions = 513, .seq_len = std::nullopt});
  ASSERT_FALSE(m.is_ok());
  EXPECT_EQ(m.status().message(), path + ": --positions 513 is outside 1..512 (the model's seq_len)");
}

}  // namespace
}  // namespace bfedge::deploy
