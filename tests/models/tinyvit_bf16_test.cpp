// The BF16 TinyViT graph (TinyVitBf16) against the FP32 reference forward (tinyvit_forward_f32)
// on the same seeded weights (tinyvit_random_weights, a trained model's scale) and images, for a
// small config whose windows need padding, the CIFAR plan of tiny_vit_5m_224 (32×32, every map
// one window) and tiny_vit_5m_224 itself at 224×224 (4×4 windows in stage 1); at the reference
// kernels and the host's best, where 1 and 2 cores give the same bits. Each prints its per-state
// NMSE.
//
// Bounds: the stem's and stages 0–1's hidden states are held to NMSE 1e-4, the logits to 1e-3.
// From stage 2's PatchMerging on, these seeded models exceed 1e-4 (observed up to 2.1e-4), and
// those deeper states are held to 5e-4 instead. The small padded config's deep states hold only
// 320–960 values, so their NMSE is a noisy draw: over seeds 11–50 its last state averages 3.7e-4
// with a worst of 2.2e-3 (3.8e-4 and 2.2e-3 before GELUs were fused and the image entered
// exactly); it is held to 1e-3 there, which a wrong window padding (NMSE near 1) still fails. docs/tinyvit.md ("Where BF16's error comes from") has
// the analysis: an FP32 reference that rounds the weights and every op's output to BF16
// reproduces the graph's NMSE to two digits (so the graph computes what it should), no op
// stands out locally, and the growth is the BF16 weights' error carried through each
// PatchMerging, which shrinks the signal more than the error it passes on.
#include "bfedge/models/tinyvit_bf16.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "bfedge/core/nmse.hpp"
#include "bfedge/core/random_data.hpp"
#include "bfedge/kernels/host_isa.hpp"
#include "bfedge/models/tinyvit.hpp"
#include "support/test_support.hpp"

namespace bfedge::models {
namespace {

constexpr double kHiddenNmse = 1e-4;      // stem, stages 0 and 1
constexpr double kDeepHiddenNmse = 5e-4;  // from stages.2.downsample on (see the header comment)
constexpr double kSmallDeepHiddenNmse = 1e-3;  // the same in the small padded config
constexpr double kLogitsNmse = 1e-3;

double hidden_bound(const std::string& name, double deep_bound) {
  const bool shallow = name == "stem" || name.starts_with("stages.0.") || name.starts_with("stages.1.");
  return shallow ? kHiddenNmse : deep_bound;
}

TinyVitConfig padded_windows_config() { return bfedge::test::padded_windows_tinyvit_config(); }

// docs/tinyvit.md's CIFAR-10 plan: tiny_vit_5m_224 on 32×32 images, maps 16, 8, 4, 2.
TinyVitConfig cifar_config() {
  TinyVitConfig c = tinyvit_variant("tiny_vit_5m_224").value();
  c.image_height = c.image_width = 32;
  c.stem_strides[0] = 1, c.stem_strides[1] = 2;
  c.window_sizes = {8, 8, 4, 2};
  c.num_classes = 10;
  return c;
}

std::vector<float> widen(std::span<const bf16> v) {
  std::vector<float> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = to_f32(v[i]);
  return out;
}

std::size_t image_values(const TinyVitConfig& c, int batch) {
  return static_cast<std::size_t>(batch) * static_cast<std::size_t>(c.image_height) *
         static_cast<std::size_t>(c.image_width) * static_cast<std::size_t>(c.in_chans);
}

// One BF16 forward's outputs.
struct Bf16Run {
  std::vector<std::string> names;
  std::vector<std::vector<bf16>> hidden;
  std::vector<float> logits;
};

Bf16Run run_bf16(TinyVitBf16& model, const std::vector<float>& images, int cores) {
  runtime::HostCluster cluster(cores);
  const Status s = model.forward(images.data(), cluster);
  EXPECT_TRUE(s.is_ok()) << s.message();
  Bf16Run out;
  for (int i = 0; i < model.hidden_state_count(); ++i) {
    out.names.push_back(model.hidden_state_name(i));
    out.hidden.emplace_back(model.hidden_state(i).begin(), model.hidden_state(i).end());
  }
  out.logits.assign(model.logits().begin(), model.logits().end());
  return out;
}

void expect_same_bits(const Bf16Run& a, const Bf16Run& b, const std::string& what) {
  ASSERT_EQ(a.hidden.size(), b.hidden.size());
  for (std::size_t i = 0; i < a.hidden.size(); ++i) {
    ASSERT_EQ(a.hidden[i].size(), b.hidden[i].size());
    for (std::size_t j = 0; j < a.hidden[i].size(); ++j) {
      ASSERT_EQ(a.hidden[i][j].bits, b.hidden[i][j].bits) << what << ": " << a.names[i] << " value " << j;
    }
  }
  ASSERT_EQ(a.logits.size(), b.logits.size());
  for (std::size_t i = 0; i < a.logits.size(); ++i) {
    EXPECT_EQ(std::bit_cast<std::uint32_t>(a.logits[i]), std::bit_cast<std::uint32_t>(b.logits[i])) << what << " logit " << i;
  }
}

// Each hidden state within its bound of the reference's (names and order too), the logits close;
// prints the NMSEs, marking those over 1e-4 with '*'.
void expect_close(const Bf16Run& got, const TinyVitOutputs& want, const std::string& label, double deep_bound) {
  ASSERT_EQ(got.names, want.hidden_names);
  std::vector<double> errors;
  for (std::size_t i = 0; i < got.hidden.size(); ++i) {
    const std::vector<float> g = widen(got.hidden[i]);
    ASSERT_EQ(g.size(), want.hidden_states[i].size()) << got.names[i];
    errors.push_back(nmse(g, want.hidden_states[i]));
  }
  const double logits_nmse = nmse(got.logits, want.logits);
  std::printf("[ nmse ] %s:", label.c_str());
  for (std::size_t i = 0; i < errors.size(); ++i) {
    std::printf(" %s %.2e%s", got.names[i].c_str(), errors[i], errors[i] > kHiddenNmse ? "*" : "");
  }
  std::printf(" | max %.2e, logits %.2e\n", *std::max_element(errors.begin(), errors.end()), logits_nmse);
  std::fflush(stdout);
  for (std::size_t i = 0; i < errors.size(); ++i) {
    EXPECT_LE(errors[i], hidden_bound(got.names[i], deep_bound)) << label << ": " << got.names[i];
  }
  ASSERT_EQ(got.logits.size(), want.logits.size());
  float scale = 0.0f;
  for (float v : want.logits) scale = std::max(scale, std::fabs(v));
  for (std::size_t i = 0; i < want.logits.size(); ++i) {
    EXPECT_NEAR(got.logits[i], want.logits[i], 0.05 * scale) << label << " logit " << i;
  }
  EXPECT_LE(logits_nmse, kLogitsNmse) << label;
}

// The reference once, then per ISA cap one model run on 1 and on 2 cores: close to the
// reference, and the same bits on both.
void check_config(const TinyVitConfig& c, int batch, std::uint32_t seed, const std::string& label,
                  std::initializer_list<kernels::Isa> caps, double deep_bound = kDeepHiddenNmse) {
  ASSERT_TRUE(validate_tinyvit_config(c, label).is_ok()) << validate_tinyvit_config(c, label).message();
  const TinyVitWeights w = tinyvit_random_weights(c, seed);
  const std::vector<float> images = random_f32(image_values(c, batch), seed + 1);
  auto ref = tinyvit_forward_f32(c, w, images, batch, /*keep_hidden_states=*/true);
  ASSERT_TRUE(ref.is_ok()) << ref.status().message();
  for (kernels::Isa cap : caps) {
    auto model = TinyVitBf16::create(c, w, batch, cap, 2, /*keep_hidden_states=*/true);
    ASSERT_TRUE(model.is_ok()) << model.status().message();
    const exec::PreparedGraph& prepared = model.value().prepared();
    if (cap == kernels::Isa::reference) {
      for (graph::NodeId n = 0; n < static_cast<graph::NodeId>(prepared.graph().nodes.size()); ++n) {
        EXPECT_TRUE(std::string(prepared.variant_name(n)).ends_with("__ref")) << prepared.variant_name(n);
      }
    }
    const Bf16Run one = run_bf16(model.value(), images, 1);
    expect_close(one, ref.value(), label + ", " + kernels::isa_name(cap) + " kernels", deep_bound);
    const Bf16Run two = run_bf16(model.value(), images, 2);
    expect_same_bits(one, two, label + ", " + kernels::isa_name(cap) + ", 1 vs 2 cores");
  }
}

TEST(TinyVitBf16, PaddedWindowsMatchF32PerState) {
  check_config(padded_windows_config(), 2, 11, "padded windows, batch 2", {kernels::Isa::reference, kernels::host_isa()},
               kSmallDeepHiddenNmse);
}

TEST(TinyVitBf16, CifarPlanOfFiveMillionMatchesF32PerState) {
  check_config(cifar_config(), 2, 21, "tiny_vit_5m_224 at 32x32, batch 2",
               {kernels::Isa::reference, kernels::host_isa()});
}

TEST(TinyVitBf16, FiveMillionAt224MatchesF32PerState) {
  check_config(tinyvit_variant("tiny_vit_5m_224").value(), 1, 31, "tiny_vit_5m_224 at 224x224, batch 1",
               {kernels::Isa::reference, kernels::host_isa()});
}

TEST(TinyVitBf16, GraphNamesTheReferencesHiddenStatesAndSkipsIdentityWindows) {
  const TinyVitConfig c = cifar_config();
  auto g = build_tinyvit_graph(c, tinyvit_random_weights(c, 3), 1, true);
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  const std::vector<std::string> want = {"stem",
                                         "stages.0.blocks.0",
                                         "stages.0.blocks.1",
                                         "stages.1.downsample",
                                         "stages.1.blocks.0",
                                         "stages.1.blocks.1",
                                         "stages.2.downsample",
                                         "stages.2.blocks.0",
                                         "stages.2.blocks.1",
                                         "stages.2.blocks.2",
                                         "stages.2.blocks.3",
                                         "stages.2.blocks.4",
                                         "stages.2.blocks.5",
                                         "stages.3.downsample",
                                         "stages.3.blocks.0",
                                         "stages.3.blocks.1"};
  EXPECT_EQ(g.value().hidden_names, want);
  // Every map of this plan is exactly one window: no partition or reverse nodes.
  for (const graph::Node& n : g.value().graph.nodes) {
    EXPECT_NE(n.op, graph::Op::window_partition) << n.name;
    EXPECT_NE(n.op, graph::Op::window_reverse) << n.name;
  }
  const graph::Tensor& stem = g.value().graph.tensor(g.value().hidden_states.front());
  EXPECT_EQ(stem.shape, (Shape{1, 16, 16, 64}));
  EXPECT_EQ(g.value().graph.tensor(g.value().logits).type, graph::ElementType::f32);
}

// The image enters exactly (two BF16 halves, the stem's first conv over both): the graph's stem
// is closer to the FP32 reference on the image itself than to the same reference on the image
// rounded to BF16 (the other way round when the graph rounds its input), and the GELUs are fused
// into the nodes before them.
TEST(TinyVitBf16, StemSeesTheFp32ImageAndGelusAreFused) {
  const TinyVitConfig c = cifar_config();
  const int batch = 2;
  const TinyVitWeights w = tinyvit_random_weights(c, 41);
  const std::vector<float> images = random_f32(image_values(c, batch), 42);
  std::vector<float> rounded(images.size());
  for (std::size_t i = 0; i < images.size(); ++i) rounded[i] = to_f32(to_bf16(images[i]));
  auto exact = tinyvit_forward_f32(c, w, images, batch, true);
  auto of_rounded = tinyvit_forward_f32(c, w, rounded, batch, true);
  ASSERT_TRUE(exact.is_ok() && of_rounded.is_ok());
  auto model = TinyVitBf16::create(c, w, batch, kernels::host_isa(), 1, true);
  ASSERT_TRUE(model.is_ok()) << model.status().message();
  const Bf16Run run = run_bf16(model.value(), images, 1);
  const std::vector<float> stem = widen(run.hidden.front());
  const double to_exact = nmse(stem, exact.value().hidden_states.front());
  const double to_rounded = nmse(stem, of_rounded.value().hidden_states.front());
  std::printf("[ nmse ] stem vs FP32 on the image %.2e, on the BF16-rounded image %.2e\n", to_exact, to_rounded);
  EXPECT_LT(1.1 * to_exact, to_rounded);

  const graph::Graph& g = model.value().prepared().graph();
  const graph::Tensor& input = g.tensor(g.inputs.front());
  EXPECT_EQ(input.shape, (Shape{batch, 32, 32, 2 * c.in_chans}));
  int fused = 0;
  for (const graph::Node& n : g.nodes) {
    EXPECT_NE(n.op, graph::Op::gelu_erf) << n.name << ": a GELU left unfused";
    fused += graph::node_epilogue(n) == kernels::Epilogue::gelu_erf ? 1 : 0;
  }
  // Stem 1, per MBConv 3 (2 blocks), per PatchMerging 2 (3), per TinyViT block 1 (10).
  EXPECT_EQ(fused, 1 + 3 * 2 + 2 * 3 + 10);
}

// Without hidden states every residual sum is written over its stream (one buffer per stream):
// the logits are the same bits as with hidden states kept (where the branch is overwritten
// instead), and the CIFAR plan's arena stays at MBConv's live set — the block input, the expanded
// and depthwise maps (16·16·64 and 2 · 16·16·256 BF16) and the image (32·32·6) = 307,200 bytes.
TEST(TinyVitBf16, ResidualsInPlaceKeepTheLogitsAndTheArenaSmall) {
  const TinyVitConfig c = cifar_config();
  const TinyVitWeights w = tinyvit_random_weights(c, 51);
  const std::vector<float> images = random_f32(image_values(c, 2), 52);
  auto kept = TinyVitBf16::create(c, w, 2, kernels::host_isa(), 2, true);
  auto lean = TinyVitBf16::create(c, w, 2, kernels::host_isa(), 2, false);
  ASSERT_TRUE(kept.is_ok() && lean.is_ok());
  const Bf16Run a = run_bf16(kept.value(), images, 1), b = run_bf16(lean.value(), images, 2);
  ASSERT_EQ(a.logits.size(), b.logits.size());
  for (std::size_t i = 0; i < a.logits.size(); ++i) {
    EXPECT_EQ(std::bit_cast<std::uint32_t>(a.logits[i]), std::bit_cast<std::uint32_t>(b.logits[i])) << i;
  }
  auto one = TinyVitBf16::create(c, w, 1, kernels::host_isa(), 1, false);
  ASSERT_TRUE(one.is_ok());
  EXPECT_EQ(one.value().prepared().plan().arena_bytes, 16 * 16 * 64 * 2 + 2 * 16 * 16 * 256 * 2 + 32 * 32 * 6 * 2);
}

TEST(TinyVitBf16, RefusesABadBatchOrWeightsOfAnotherDepth) {
  const TinyVitConfig c = padded_windows_config();
  TinyVitWeights w = tinyvit_random_weights(c, 5);
  EXPECT_EQ(build_tinyvit_graph(c, w, 0).status().message(), "tinyvit graph: batch 0 must be >= 1");
  w.stages[1].blocks.pop_back();
  EXPECT_EQ(TinyVitBf16::create(c, w, 1, kernels::host_isa(), 1).status().message(),
            "tinyvit graph: stage 1 weights do not have its 2 blocks");
  TinyVitWeights narrow = tinyvit_random_weights(c, 5);
  narrow.stages[2].blocks[0].fc2.weight.pop_back();
  EXPECT_EQ(build_tinyvit_graph(c, narrow, 1).status().message(),
            "tinyvit graph: stages.2.blocks.0.mlp.fc2: linear with 4095 weights and 32 biases does not take 128 "
            "inputs");
}

}  // namespace
}  // namespace bfedge::models
