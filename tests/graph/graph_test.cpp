// The graph IR: validation names the node at fault, the memory plan never lets two live tensors
// share bytes, and the summary's MACs and bytes match a count from the model's configuration.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bfedge/graph/builder.hpp"
#include "bfedge/graph/memory_plan.hpp"
#include "bfedge/graph/summary.hpp"
#include "bfedge/models/llama_graph.hpp"
#include "support/test_support.hpp"

namespace bfedge::graph {
namespace {

const std::vector<bf16> kZeros(4096);

models::LlamaGraph tiny_llama(bool shared = true) {
  models::LlamaConfig c = test::tiny_llama_config();
  c.shared_classifier = shared;
  auto built = models::build_llama_graph(c, models::convert_llama_weights<bf16>(test::random_llama_weights(c, 3)));
  EXPECT_TRUE(built.is_ok()) << built.status().message();
  return std::move(built).value();
}

std::string finish_error(GraphBuilder&& b) {
  auto g = std::move(b).finish(nullptr);
  return g.is_ok() ? std::string("(no error)") : g.status().message();
}

TEST(GraphValidate, NamesTheNodeWhoseInputHasTheWrongSize) {
  GraphBuilder b;
  const TensorId ids = b.input("token", Shape{1}, ElementType::i32);
  const TensorId table = b.weight("table", Shape{10, 8}, ElementType::bf16, kZeros.data());
  const TensorId x = b.embedding("embed", ids, table);
  const TensorId w = b.weight("w", Shape{4, 6}, ElementType::bf16, kZeros.data());
  b.mark_output(b.matvec("proj", x, w, ElementType::f32));
  EXPECT_EQ(finish_error(std::move(b)), "node 'proj' (matvec): embed has shape (1, 8) (8 elements), expected 6 elements");
}

TEST(GraphValidate, RefusesAnAttentionMaskThatIsNotI32PerToken) {
  GraphBuilder b;
  const TensorId x = b.input("x", Shape{2, 3, 8}, ElementType::bf16);  // batch 2, seq 3, 2 heads of 4
  const TensorId mask = b.input("mask", Shape{2, 3}, ElementType::bf16);
  b.mark_output(b.attention_encoder("attention", x, x, x, mask, 2, 2));
  EXPECT_EQ(finish_error(std::move(b)), "node 'attention' (attention_encoder): mask is bf16, expected i32");
  GraphBuilder short_mask;
  const TensorId y = short_mask.input("y", Shape{6, 8}, ElementType::bf16);
  const TensorId m = short_mask.input("mask", Shape{2, 2}, ElementType::i32);
  short_mask.mark_output(short_mask.attention_encoder("attention", y, y, y, m, 2, 2));
  EXPECT_EQ(finish_error(std::move(short_mask)),
            "node 'attention' (attention_encoder): mask has shape (2, 2) (4 elements), expected 6 elements");
}

TEST(GraphValidate, RefusesAResidualOfAnotherSizeThanTheNormsInput) {
  GraphBuilder b;
  const TensorId x = b.input("x", Shape{3, 8}, ElementType::bf16);
  const TensorId r = b.input("residual", Shape{2, 8}, ElementType::bf16);
  const TensorId g = b.weight("scale", Shape{8}, ElementType::f32, kZeros.data());
  b.mark_output(b.add_norm(Op::add_nonorm, "norm", x, r, g, g));
  EXPECT_EQ(finish_error(std::move(b)),
            "node 'norm' (add_nonorm): residual has shape (2, 8) (16 elements), expected 24 elements");
}

TEST(GraphValidate, RefusesBf16ScaleAndShiftForAnAffineNorm) {
  GraphBuilder b;
  const TensorId x = b.input("x", Shape{3, 8}, ElementType::bf16);
  const TensorId scale = b.weight("scale", Shape{8}, ElementType::bf16, kZeros.data());
  b.mark_output(b.layernorm("norm", x, scale, scale));
  EXPECT_EQ(finish_error(std::move(b)), "node 'norm' (layernorm): scale is bf16, expected f32");
}

TEST(GraphValidate, RefusesAWeightWithoutBytes) {
  GraphBuilder b;
  const TensorId ids = b.input("token", Shape{1}, ElementType::i32);
  b.mark_output(b.embedding("embed", ids, b.weight("table", Shape{10, 8}, ElementType::bf16, nullptr)));
  EXPECT_EQ(finish_error(std::move(b)), "node 'embed' (embedding): weight table has no data");
}

TEST(GraphValidate, RefusesReadingATensorAfterAnInPlaceOpOverwroteIt) {
  GraphBuilder b;
  const TensorId ids = b.input("token", Shape{1}, ElementType::i32);
  const TensorId x = b.embedding("embed", ids, b.weight("table", Shape{10, 8}, ElementType::bf16, kZeros.data()));
  const TensorId gate = b.swiglu("act", x, x);
  b.mark_output(b.add("late", gate, x));  // reads x after swiglu wrote over it
  EXPECT_EQ(finish_error(std::move(b)), "node 'act' (swiglu): overwrites embed in place, but node 'late' reads it later");
}

TEST(GraphValidate, RefusesAKvCacheThatIsNotState) {
  GraphBuilder b;
  b.set_max_positions(4);
  const TensorId ids = b.input("token", Shape{1}, ElementType::i32);
  const TensorId k = b.embedding("embed", ids, b.weight("table", Shape{10, 8}, ElementType::bf16, kZeros.data()));
  const TensorId k_cache = b.weight("k_cache", Shape{2, 4, 4}, ElementType::bf16, kZeros.data());
  const TensorId v_cache = b.state("v_cache", Shape{2, 4, 4}, ElementType::bf16);
  b.kv_write("write", k, k, k_cache, v_cache);
  b.mark_output(k);
  EXPECT_EQ(finish_error(std::move(b)), "node 'write' (kv_write): the KV caches must be state tensors");
}

TEST(GraphValidate, RefusesAViewPastTheEndOfItsBase) {
  GraphBuilder b;
  const TensorId ids = b.input("token", Shape{1}, ElementType::i32);
  const TensorId x = b.embedding("embed", ids, b.weight("table", Shape{10, 8}, ElementType::bf16, kZeros.data()));
  const TensorId tail = b.view("tail", x, 4, Shape{6});
  b.mark_output(b.add("twice", tail, tail));
  EXPECT_EQ(finish_error(std::move(b)), "node 'twice' (add): view tail is not inside an earlier activation of its type");
}

TEST(GraphValidate, RefusesAGraphWithoutOutputs) {
  GraphBuilder b;
  const TensorId ids = b.input("token", Shape{1}, ElementType::i32);
  b.embedding("embed", ids, b.weight("table", Shape{10, 8}, ElementType::bf16, kZeros.data()));
  EXPECT_EQ(finish_error(std::move(b)), "graph has no outputs");
}

TEST(MemoryPlan, LiveTensorsNeverShareBytes) {
  for (bool shared : {true, false}) {
    const models::LlamaGraph lg = tiny_llama(shared);
    const Graph& g = lg.graph;
    const MemoryPlan plan = plan_memory(g);
    EXPECT_GT(plan.arena_bytes, 0);
    EXPECT_LT(plan.arena_bytes, plan.activation_bytes);  // reuse happened
    for (TensorId a = 0; a < static_cast<TensorId>(g.tensors.size()); ++a) {
      const TensorPlacement& pa = plan.tensors[a];
      if (pa.region != MemoryRegion::arena) continue;
      EXPECT_LE(pa.offset + g.tensor(a).bytes(), plan.arena_bytes);
      if (g.storage_of(a) == a) {
        EXPECT_EQ(pa.offset % kPlanAlignment, 0);  // views sit inside their root
      }
      for (TensorId b = a + 1; b < static_cast<TensorId>(g.tensors.size()); ++b) {
        const TensorPlacement& pb = plan.tensors[b];
        if (pb.region != MemoryRegion::arena || g.storage_of(a) == g.storage_of(b)) continue;
        const bool live_together = pa.first <= pb.last && pb.first <= pa.last;
        const bool share_bytes = pa.offset < pb.offset + g.tensor(b).bytes() && pb.offset < pa.offset + g.tensor(a).bytes();
        EXPECT_FALSE(live_together && share_bytes) << g.tensor(a).name << " and " << g.tensor(b).name;
      }
    }
    // The logits live to the end; the KV caches are state.
    EXPECT_EQ(plan.tensors[lg.logits].last, static_cast<NodeId>(g.nodes.size()) - 1);
    const models::LlamaConfig c = test::tiny_llama_config();
    EXPECT_EQ(plan.state_bytes, 2LL * c.n_layers * c.kv_dim() * c.seq_len * 2);  // keys and values, bf16
  }
}

// The table `bfedge inspect --graph` prints, against a count from the configuration.
TEST(GraphSummary, MacsAndBytesMatchTheConfiguration) {
  for (bool shared : {true, false}) {
    const models::LlamaConfig c = [&] {
      models::LlamaConfig config = test::tiny_llama_config();
      config.shared_classifier = shared;
      return config;
    }();
    const models::LlamaGraph lg = tiny_llama(shared);
    const std::int64_t dim = c.dim, kv = c.kv_dim(), hidden = c.hidden_dim, hs = c.head_size();
    for (int position : {0, 7, c.seq_len - 1}) {
      const GraphSummary s = summarize(lg.graph, position);
      const std::int64_t matvec = c.n_layers * (2 * dim * dim + 2 * kv * dim + 3 * hidden * dim) + c.vocab_size * dim;
      const std::int64_t attention = c.n_layers * 2 * c.n_heads * hs * (position + 1);
      EXPECT_EQ(s.macs, matvec + attention) << position;
      const std::int64_t params = c.parameter_count();
      const std::int64_t rope_tables = 2 * c.seq_len * (hs / 2) * 4;
      EXPECT_EQ(s.weight_bytes, 2 * params + rope_tables);
      std::int64_t sum = 0;
      for (const NodeCost& n : s.nodes) sum += n.macs;
      EXPECT_EQ(sum, s.macs);
    }
  }
}

// The vision ops (TinyViT): each refuses a mis-shaped input with one line naming the node.
TEST(GraphValidate, RefusesAConvWeightOfAnotherInputWidth) {
  GraphBuilder b;
  const TensorId x = b.input("x", Shape{1, 5, 5, 3}, ElementType::bf16);
  const TensorId w = b.weight("w", Shape{8, 3, 3, 4}, ElementType::bf16, kZeros.data());
  b.mark_output(b.conv2d("stem", x, w, kNone, 1, 1));
  EXPECT_EQ(finish_error(std::move(b)), "node 'stem' (conv2d): w has shape (8, 3, 3, 4), expected (8, 3, 3, 3)");
}

TEST(GraphValidate, RefusesAConvKernelLargerThanItsPaddedInput) {
  GraphBuilder b;
  const TensorId x = b.input("x", Shape{1, 2, 2, 3}, ElementType::bf16);
  const TensorId w = b.weight("w", Shape{4, 5, 5, 3}, ElementType::bf16, kZeros.data());
  b.mark_output(b.conv2d("conv", x, w, kNone, 1, 0));
  EXPECT_EQ(finish_error(std::move(b)), "node 'conv' (conv2d): a 5x5 kernel does not fit the 2x2 input padded by 0");
}

TEST(GraphValidate, RefusesADepthwiseWeightOfAnotherChannelCountAndAMissingBias) {
  GraphBuilder b;
  const TensorId x = b.input("x", Shape{2, 4, 4, 8}, ElementType::bf16);
  const TensorId w = b.weight("w", Shape{3, 3, 6}, ElementType::bf16, kZeros.data());
  b.mark_output(b.depthwise_conv2d("local_conv", x, w, kNone, 1, 1));
  EXPECT_EQ(finish_error(std::move(b)), "node 'local_conv' (depthwise_conv2d): w has shape (3, 3, 6), expected (3, 3, 8)");
  GraphBuilder short_bias;
  const TensorId y = short_bias.input("y", Shape{2, 4, 4, 8}, ElementType::bf16);
  const TensorId wy = short_bias.weight("w", Shape{3, 3, 8}, ElementType::bf16, kZeros.data());
  const TensorId bias = short_bias.weight("bias", Shape{4}, ElementType::bf16, kZeros.data());
  short_bias.mark_output(short_bias.depthwise_conv2d("local_conv", y, wy, bias, 2, 1));
  EXPECT_EQ(finish_error(std::move(short_bias)),
            "node 'local_conv' (depthwise_conv2d): bias has shape (4) (4 elements), expected 8 elements");
}

TEST(GraphValidate, RefusesWindowsOfAFlatTensorAndAReverseToAnotherMap) {
  GraphBuilder b;
  const TensorId x = b.input("x", Shape{16, 8}, ElementType::bf16);
  b.mark_output(b.window_partition("partition", x, 4));
  EXPECT_EQ(finish_error(std::move(b)), "node 'partition' (window_partition): x has shape (16, 8), not a (batch, h, w, c) map");
  GraphBuilder reverse;
  const TensorId windows = reverse.input("windows", Shape{4, 9, 8}, ElementType::bf16);  // a 5x5 map's
  reverse.mark_output(reverse.window_reverse("reverse", windows, 1, 7, 7, 3));          // 9 windows
  EXPECT_EQ(finish_error(std::move(reverse)),
            "node 'reverse' (window_reverse): windows has shape (4, 9, 8) (288 elements), expected 648 elements");
}

TEST(GraphValidate, RefusesWindowAttentionWithABf16BiasOrRowsThatAreNotThreeHeads) {
  GraphBuilder b;
  const TensorId qkv = b.input("qkv", Shape{2, 9, 24}, ElementType::bf16);
  const TensorId bias = b.weight("bias", Shape{2, 9}, ElementType::bf16, kZeros.data());
  b.mark_output(b.window_attention("attn", qkv, bias, 3, 2));
  EXPECT_EQ(finish_error(std::move(b)), "node 'attn' (window_attention): bias is bf16, expected f32");
  GraphBuilder odd;
  const TensorId q = odd.input("qkv", Shape{2, 9, 20}, ElementType::bf16);
  const TensorId f = odd.weight("bias", Shape{2, 9}, ElementType::f32, kZeros.data());
  odd.mark_output(odd.window_attention("attn", q, f, 3, 2));
  EXPECT_EQ(finish_error(std::move(odd)),
            "node 'attn' (window_attention): qkv rows are 20 wide, not 3 · 2 heads · a positive head size");
}

TEST(GraphValidate, RefusesMeanTokensOverABatchThatDoesNotDivideTheRows) {
  GraphBuilder b;
  const TensorId x = b.input("x", Shape{7, 8}, ElementType::bf16);
  b.mark_output(b.mean_tokens("pool", x, 2));
  EXPECT_EQ(finish_error(std::move(b)), "node 'pool' (mean_tokens): x has shape (7, 8) (56 elements), expected 48 elements");
}

TEST(GraphSummary, CountsConvAndWindowAttentionMacs) {
  GraphBuilder b;
  const TensorId x = b.input("x", Shape{2, 6, 6, 3}, ElementType::bf16);
  const TensorId conv = b.conv2d("conv", x, b.weight("w", Shape{8, 3, 3, 3}, ElementType::bf16, kZeros.data()), kNone, 2, 1);
  const TensorId dw = b.depthwise_conv2d("dw", conv, b.weight("dw.w", Shape{3, 3, 8}, ElementType::bf16, kZeros.data()),
                                         kNone, 1, 1);
  const TensorId windows = b.window_partition("partition", dw, 2);  // 3x3 map -> 4 windows per image
  const TensorId qkv = b.linear("qkv", windows, b.weight("qkv.w", Shape{24, 8}, ElementType::bf16, kZeros.data()));
  const TensorId att = b.window_attention("attn", qkv, b.weight("bias", Shape{2, 4}, ElementType::f32, kZeros.data()), 2, 2);
  const TensorId map = b.window_reverse("reverse", att, 2, 3, 3, 2);
  b.mark_output(b.mean_tokens("pool", map, 2));
  auto g = std::move(b).finish(nullptr);
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  const GraphSummary s = summarize(g.value(), 0);
  ASSERT_EQ(s.nodes.size(), 7u);
  EXPECT_EQ(g.value().tensor(conv).shape, (Shape{2, 3, 3, 8}));
  EXPECT_EQ(g.value().tensor(windows).shape, (Shape{8, 4, 8}));
  EXPECT_EQ(s.nodes[0].macs, 2 * 3 * 3 * 8 * (3 * 3 * 3));
  EXPECT_EQ(s.nodes[1].macs, 2 * 3 * 3 * 8 * 9);
  EXPECT_EQ(s.nodes[3].macs, 8 * 4 * 24 * 8);
  EXPECT_EQ(s.nodes[4].macs, 2 * 8 * 2 * 4 * 4 * 4);  // windows · heads · head_size · tokens², twice
  EXPECT_EQ(s.nodes[2].macs + s.nodes[5].macs + s.nodes[6].macs, 0);
}

}  // namespace
}  // namespace bfedge::graph
