// GraphFootprintModel against oracles that do not read the graph: the checkpoints' tensor specs
// (HF's and timm's names, BF16 except the norms and attention-bias tables, BatchNorm folded), the
// placement rule at its boundaries, and how the activation peak follows depth and sequence length.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "bfedge/deploy/footprint.hpp"
#include "bfedge/models/mobilebert_config.hpp"
#include "bfedge/models/tinyvit_config.hpp"
#include "bfedge/models/tinyvit_datasets.hpp"

namespace bfedge::deploy {
namespace {

models::MobileBertConfig small_mobilebert() {
  models::MobileBertConfig c;
  c.vocab_size = 300, c.hidden_size = 64, c.num_hidden_layers = 3, c.num_attention_heads = 2;
  c.intermediate_size = 48, c.max_position_embeddings = 40, c.embedding_size = 32;
  c.intra_bottleneck_size = 32, c.num_feedforward_networks = 2, c.num_labels = 3;
  return c;
}

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

std::int64_t component_bytes(const Footprint& f, const std::string& name) {
  for (const ComponentBytes& c : f.components) {
    if (c.name == name) return c.weight_bytes;
  }
  return -1;
}

TEST(Footprint, MobileBertWeightsAreTheCheckpointsTensorsInBf16WithFp32Norms) {
  const models::MobileBertConfig c = small_mobilebert();
  const int seq = 17;
  const Result<Footprint> f = GraphFootprintModel().mobilebert(c, seq);
  ASSERT_TRUE(f.is_ok()) << f.status().message();
  std::map<std::string, std::int64_t> want;
  for (const models::MobileBertTensorSpec& t :
       models::mobilebert_tensor_specs(c, models::MobileBertHead::sequence_classification)) {
    const std::int64_t bytes = t.elements() * (contains(t.name, "LayerNorm") ? 4 : 2);
    const std::string component = t.component == models::MobileBertComponent::layer
                                      ? "encoder.layer." + std::to_string(t.layer)
                                      : models::mobilebert_component_name(t.component);
    want[component] += bytes;
  }
  want["embeddings"] += std::int64_t{seq} * 4;  // the graph's position ids (i32)
  std::int64_t total = 0;
  for (const auto& [name, bytes] : want) {
    EXPECT_EQ(component_bytes(f.value(), name), bytes) << name;
    total += bytes;
  }
  EXPECT_EQ(f.value().components.size(), want.size());
  EXPECT_EQ(f.value().weight_bytes, total);
  EXPECT_GT(f.value().macs, 0);
}

TEST(Footprint, MobileBertActivationPeakFollowsSequenceLengthNotDepth) {
  models::MobileBertConfig c = small_mobilebert();
  const GraphFootprintModel model;
  const std::int64_t peak = model.mobilebert(c, 16).value().activation_peak_bytes;
  EXPECT_GT(peak, 0);
  EXPECT_GT(model.mobilebert(c, 32).value().activation_peak_bytes, peak);
  const auto at_depth = [&](int layers) {
    c.num_hidden_layers = layers;
    return model.mobilebert(c, 16).value();
  };
  const Footprint three = at_depth(3), four = at_depth(4), six = at_depth(6);
  EXPECT_EQ(six.activation_peak_bytes, peak);  // one layer's working set at a time
  EXPECT_EQ(six.macs - three.macs, 3 * (four.macs - three.macs));
  EXPECT_EQ(six.weight_bytes - three.weight_bytes, 3 * (four.weight_bytes - three.weight_bytes));
}

TEST(Footprint, TinyVitWeightsAreTimmsParametersWithBatchNormFolded) {
  const models::TinyVitConfig c = models::tinyvit_config_for_dataset("tiny_vit_5m_224", models::ImageDatasetName::cifar10).value();
  const Result<Footprint> f = GraphFootprintModel().tinyvit(c);
  ASSERT_TRUE(f.is_ok()) << f.status().message();
  std::map<std::string, std::int64_t> want;
  for (const models::TinyVitTensorSpec& t : models::tinyvit_tensor_specs(c)) {
    if (t.kind != models::TinyVitTensorKind::parameter || contains(t.name, "bn.weight")) continue;
    // A folded conv keeps its weight and gains a bias (the BatchNorm's bias's size).
    const bool f32 = contains(t.name, "attention_biases") || contains(t.name, "norm.");
    const std::string component = t.component == models::TinyVitComponent::stage
                                      ? "stages." + std::to_string(t.stage)
                                      : (t.component == models::TinyVitComponent::stem ? "patch_embed" : "head");
    // The stem's first conv weight is stored twice: it reads the image as BF16 high and low
    // halves (tinyvit_graph.hpp).
    const std::int64_t copies = t.name == "patch_embed.conv1.conv.weight" ? 2 : 1;
    want[component] += copies * t.elements() * (f32 ? 4 : 2);
  }
  std::int64_t total = 0;
  for (const auto& [name, bytes] : want) {
    EXPECT_EQ(component_bytes(f.value(), name), bytes) << name;
    total += bytes;
  }
  EXPECT_EQ(f.value().weight_bytes, total);
  const models::TinyVitParameterCounts counts = models::tinyvit_parameter_counts(c);
  EXPECT_LT(f.value().weight_bytes, 4 * counts.total());
  EXPECT_GT(f.value().weight_bytes, 2 * counts.total() - 2 * counts.stem);
}

TEST(Footprint, PlacementAtTheL2Boundaries) {
  const models::TinyVitConfig c = models::tinyvit_config_for_dataset("tiny_vit_5m_224", models::ImageDatasetName::fashion_mnist).value();
  const Footprint f = GraphFootprintModel().tinyvit(c).value();
  const auto place = [&](std::int64_t l2) { return GraphFootprintModel(McuMemory{128 * 1024, l2}).tinyvit(c).value(); };
  const Footprint fits = place(f.total_bytes());
  EXPECT_EQ(fits.weights_level, MemoryLevel::l2);
  EXPECT_EQ(fits.activations_level, MemoryLevel::l2);
  EXPECT_EQ(fits.outermost_level(), MemoryLevel::l2);
  EXPECT_EQ(fits.bytes_in(MemoryLevel::l2), f.total_bytes());
  const Footprint streamed = place(f.total_bytes() - 1);
  EXPECT_EQ(streamed.weights_level, MemoryLevel::l3);
  EXPECT_EQ(streamed.activations_level, MemoryLevel::l2);
  EXPECT_EQ(streamed.bytes_in(MemoryLevel::l3), f.weight_bytes);
  EXPECT_EQ(place(f.activation_peak_bytes).activations_level, MemoryLevel::l2);
  const Footprint spilled = place(f.activation_peak_bytes - 1);
  EXPECT_EQ(spilled.activations_level, MemoryLevel::l3);
  EXPECT_EQ(spilled.outermost_level(), MemoryLevel::l3);
  EXPECT_EQ(spilled.bytes_in(MemoryLevel::l3), f.total_bytes());
  EXPECT_STREQ(memory_level_name(MemoryLevel::l3), "L3");
}

TEST(Footprint, InvalidConfigIsAnErrorNotACrash) {
  models::MobileBertConfig c = small_mobilebert();
  c.num_attention_heads = 5;  // 32 is not a multiple of 5
  const Result<Footprint> f = GraphFootprintModel().mobilebert(c, 8);
  ASSERT_FALSE(f.is_ok());
  EXPECT_NE(f.status().message().find("footprint"), std::string::npos) << f.status().message();
  EXPECT_FALSE(GraphFootprintModel().mobilebert(small_mobilebert(), 41).is_ok());  // > max positions
}

}  // namespace
}  // namespace bfedge::deploy
