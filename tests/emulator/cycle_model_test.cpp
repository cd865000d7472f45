// The cycle model (mcu/cycle_model.hpp) on hand-made counts, and the LLaMA plan's "does not fit"
// reasons (mcu/llama_image.hpp) on configurations too big for L1, L2 or L3.
#include "bfedge/emulator/cycle_model.hpp"

#include <gtest/gtest.h>

#include "bfedge/emulator/llama_image.hpp"

namespace bfedge::emulator {
namespace {

CoreCounts counts(std::uint64_t work, std::uint64_t l1_loads, std::uint64_t l2_loads, std::uint64_t taken) {
  CoreCounts c;
  c.instructions = work + 7;
  c.idle = 7;  // synchronisation code: not work
  c.loads[0] = l1_loads;
  c.loads[1] = l2_loads;
  c.stores[1] = 1;
  c.taken = taken;
  return c;
}

TEST(CycleModel, CoreCyclesChargeEachDocumentedParameter) {
  const CycleModelParams p;
  // 1000 work + 100 L1 loads × 1 + (20 L2 loads + 1 L2 store) × 15 + 10 taken × 2
  EXPECT_DOUBLE_EQ(core_cycles(counts(1000, 100, 20, 10), p), 1000 + 100 + 21 * 15 + 20);
}

TEST(CycleModel, PhasesTakeTheSlowestCoreOrTheDmaAndAddEventCosts) {
  const CycleModelParams p;
  Phase compute_bound{PhaseEnd::barrier, {counts(1000, 0, 0, 0), counts(400, 0, 0, 0)}, 800, 1};  // DMA 140
  Phase dma_bound{PhaseEnd::join, {counts(100, 0, 0, 0), counts(50, 0, 0, 0)}, 8000, 2};         // DMA 1080
  const ModelReport r = model_phases({compute_bound, dma_bound}, p);
  // Every core also has one L2 store (15 cycles).
  EXPECT_DOUBLE_EQ(r.cluster_cycles, (1015 + 25) + (1080 + 29));
  EXPECT_DOUBLE_EQ(r.compute_cycles, 1015 + 115);
  EXPECT_DOUBLE_EQ(r.dma_stall_cycles, 1080 - 115);
  EXPECT_DOUBLE_EQ(r.sync_cycles, 25 + 29);
  EXPECT_EQ(r.max_core_work, 1100u);
  EXPECT_EQ(r.total_work, 1100u + 450u);
  ASSERT_EQ(r.cores.size(), 2u);
  EXPECT_DOUBLE_EQ(r.cores[1].busy_cycles, 415 + 65);
}

TEST(CycleModel, ExternalMemoryCanBeChargedAsL2ForBaselines) {
  std::vector<Phase> phases{{PhaseEnd::join, {counts(0, 0, 0, 0)}, 0, 0}};
  phases[0].cores[0].loads[2] = 5;
  phases[0].cores[0].stores[2] = 2;
  charge_external_as_l2(phases);
  EXPECT_EQ(phases[0].cores[0].loads[1], 5u);
  EXPECT_EQ(phases[0].cores[0].stores[1], 3u);
  EXPECT_EQ(phases[0].cores[0].loads[2] + phases[0].cores[0].stores[2], 0u);
}

models::LlamaConfig config(int dim, int hidden, int layers, int vocab, int seq_len) {
  models::LlamaConfig c;
  c.dim = dim, c.hidden_dim = hidden, c.n_layers = layers, c.n_heads = 8, c.n_kv_heads = 4, c.vocab_size = vocab;
  c.seq_len = seq_len;
  return c;
}

constexpr std::size_t kL1 = 110 * 1024, kL2 = 1400 * 1024, kL3 = 32u << 20;

TEST(LlamaMcuPlan, Stories260KFitsWithWeightsInL2) {
  auto plan = plan_llama_mcu(config(64, 172, 5, 512, 512), 64, 8, kL1, kL2, kL3);
  ASSERT_TRUE(plan.is_ok()) << plan.status().message();
  EXPECT_TRUE(plan.value().weights_in_l2);
  EXPECT_LE(plan.value().l1_bytes, kL1);
}

TEST(LlamaMcuPlan, WeightsBeyondL2StayInL3) {
  // stories15M's shape: 49 MB of BF16 weights (with the packed classifier), in a 64 MiB L3.
  auto plan = plan_llama_mcu(config(288, 768, 6, 32000, 256), 64, 8, kL1, kL2, 64u << 20);
  ASSERT_TRUE(plan.is_ok()) << plan.status().message();
  EXPECT_FALSE(plan.value().weights_in_l2);
  EXPECT_TRUE(plan.value().logits_in_l2);  // 32000 logits do not fit L1 beside the rest
}

TEST(LlamaMcuPlan, DoesNotFitReasonsNameTheMemoryLevel) {
  const auto reason = [](const Result<LlamaMcuPlan>& r) { return r.is_ok() ? std::string("fits") : r.status().message(); };
  EXPECT_NE(reason(plan_llama_mcu(config(64, 172, 5, 300000, 512), 64, 8, kL1, kL2, kL3)).find("exceed L2 and L3"),
            std::string::npos);  // a 300k vocabulary: 77 MB of BF16 embedding and classifier
  EXPECT_NE(reason(plan_llama_mcu(config(512, 1376, 8, 32000, 1024), 64, 8, kL1, kL2, kL3)).find("L1 needs"),
            std::string::npos);  // one 16-row block of w2 alone is 43 KiB
  EXPECT_NE(reason(plan_llama_mcu(config(64, 172, 5, 512, 512), 512, 8, kL1, kL2, kL3)).find("L1 needs"),
            std::string::npos);  // a 512-position KV window
  EXPECT_NE(reason(plan_llama_mcu(config(64, 172, 5, 512, 512), 64, 8, kL1, 16 * 1024, kL3)).find("KV cache"),
            std::string::npos);
  // 1200 thin layers: each token runs more phases than the firmware's DMA log holds.
  EXPECT_NE(reason(plan_llama_mcu(config(16, 32, 1200, 64, 64), 8, 8, kL1, kL2, kL3)).find("DMA log holds (16384)"),
            std::string::npos);
  EXPECT_EQ(reason(plan_llama_mcu(config(16, 32, 500, 64, 64), 8, 8, kL1, kL2, kL3)), "fits");
}

TEST(LlamaMcuPlan, Stories260KFitsUpTo511Positions) {
  // The firmware's L1 arena today: 128 KiB - 8 worker stacks of 2 KiB - 1344 bytes of static L1 data.
  const std::size_t arena = 113344;
  const models::LlamaConfig stories = config(64, 172, 5, 512, 512);
  EXPECT_TRUE(plan_llama_mcu(stories, 511, 8, arena, kL2, kL3).is_ok());
  EXPECT_FALSE(plan_llama_mcu(stories, 512, 8, arena, kL2, kL3).is_ok());
}

TEST(LlamaMcuPlan, SizesInReasonsNeverLookEqual) {
  // Needs and has within the same KiB: the reason gives bytes, not "needs 110 KiB, has 110 KiB".
  const auto plan = plan_llama_mcu(config(64, 172, 5, 512, 512), 512, 8, kL1, kL2, kL3);
  ASSERT_FALSE(plan.is_ok());
  const std::string& m = plan.status().message();
  const std::size_t needs = m.find("L1 needs "), has = m.find("arena has ");
  ASSERT_NE(needs, std::string::npos);
  ASSERT_NE(has, std::string::npos);
  EXPECT_NE(m.substr(needs + 9, m.find(' ', needs + 9) - needs - 9), m.substr(has + 10, m.find(' ', has + 10) - has - 10)) << m;
  // An L2 overflow caused by the logits names them.
  const auto l2 = plan_llama_mcu(config(64, 172, 5, 30000, 512), 8, 8, kL1, 64 * 1024, kL3);
  ASSERT_FALSE(l2.is_ok());
  EXPECT_NE(l2.status().message().find("logits"), std::string::npos) << l2.status().message();
}

}  // namespace
}  // namespace bfedge::emulator
