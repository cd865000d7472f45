// plan_tinyvit_slice against timm's own state_dict list for the student config, an exact copy when
// everything is kept, the FP32 reference forward after making the pruned structures dead (stem,
// MBConv and PatchMerging inner channels, MLP channels, whole blocks), and timm's per-head qkv
// layout for pruned heads and channels (LayerNorm over the stream leaves no exact forward oracle
// for the stream's channels and therefore the heads tied to it).
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>

#include "bfedge/core/nmse.hpp"
#include "bfedge/io/safetensors.hpp"
#include "bfedge/models/tinyvit.hpp"
#include "prune_test_models.hpp"
#include "bfedge/io/file.hpp"
#include "bfedge/deploy/footprint.hpp"
#include "bfedge/prune/prune_model.hpp"
#include "bfedge/prune/search_spaces.hpp"
#include "bfedge/prune/student_checkpoint.hpp"
#include "bfedge/prune/tinyvit_prune.hpp"
#include "support/test_support.hpp"

namespace bfedge::prune {
namespace {

using test_models::complement;
using test_models::without;

using models::TinyVitConfig;
using Named = std::map<std::string, std::vector<float>>;



// Dead-structure pruning: the streams and heads stay, the inner widths shrink, blocks go.
TinyVitKeep inner_keep(const TinyVitConfig& t) {
  TinyVitKeep k = tinyvit_keep_all(t);
  k.mbconv_expand_ratio = ratio_for_width(16, 60);
  k.mlp_ratio = ratio_for_width(24, 90);  // 24 → 90, 32 → 120, 40 → 150
  k.stages[0].mbconv[0].hidden = without(64, {0, 9, 33, 63});
  k.stages[0].mbconv[1].hidden = without(64, {1, 2, 3, 40});
  for (int i = 1; i < 4; ++i) {
    TinyVitStageKeep& s = k.stages[static_cast<std::size_t>(i)];
    const int dim = t.embed_dims[static_cast<std::size_t>(i)];
    s.blocks.erase(s.blocks.begin() + (i == 2 ? 1 : 0));  // stage 2 keeps blocks 0 and 2, others their last
    for (TinyVitBlockKeep& b : s.blocks) {
      std::vector<int> dropped;
      for (int m = 0; m < dim * 4 - static_cast<int>(dim * k.mlp_ratio); ++m) dropped.push_back(3 * m + i);
      b.mlp = without(dim * 4, dropped);
    }
  }
  return k;
}

// Streams and heads pruned too: C = (12, 16, 24, 30), heads (−, 2, 3, 5) of key_dim (−, 8, 8, 6).
TinyVitKeep stream_keep(const TinyVitConfig& t) {
  TinyVitKeep k = inner_keep(t);
  k.stem = without(8, {2, 5});
  k.mbconv_expand_ratio = ratio_for_width(12, 45);
  k.stages[0].channels = without(16, {0, 4, 8, 15});
  for (TinyVitMbConvKeep& b : k.stages[0].mbconv) b.hidden.resize(45);
  k.mlp_ratio = ratio_for_width(16, 60);
  const std::vector<std::vector<int>> dropped = {{}, {8, 9, 10, 11, 12, 13, 14, 15}, {0, 1, 2, 3, 4, 5, 6, 7},
                                                 {0, 9, 18, 27, 36, 39, 1, 10, 19, 28}};
  const std::vector<int> heads = {0, 2, 3, 5};
  for (int i = 1; i < 4; ++i) {
    TinyVitStageKeep& s = k.stages[static_cast<std::size_t>(i)];
    const int dim = t.embed_dims[static_cast<std::size_t>(i)];
    std::vector<int> drop_channels;  // every third channel from 1, as many as the heads drop
    for (std::size_t m = 0; m < dropped[static_cast<std::size_t>(i)].size(); ++m) drop_channels.push_back(3 * static_cast<int>(m) + 1);
    const std::vector<int> keep_channels = without(dim, drop_channels);
    s.channels = s.merge = keep_channels;
    s.heads = heads[static_cast<std::size_t>(i)];
    for (TinyVitBlockKeep& b : s.blocks) {
      b.attention = without(dim, dropped[static_cast<std::size_t>(i)]);
      b.mlp.resize(static_cast<std::size_t>(static_cast<double>(s.channels.size()) * k.mlp_ratio));
    }
  }
  return k;
}

Named random_named(const TinyVitConfig& c, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Named named;
  for (const models::TinyVitTensorSpec& s : models::tinyvit_tensor_specs(c)) {
    if (s.is_i64) continue;
    std::vector<float> v(static_cast<std::size_t>(s.elements()));
    const bool var = s.name.ends_with("running_var"), unit = s.name.ends_with("norm.weight") || s.name.ends_with("bn.weight");
    const float scale = s.shape.size() >= 2 ? 1.0f / std::sqrt(static_cast<float>(s.elements() / s.shape[0])) : 0.1f;
    for (float& x : v) x = var ? 0.5f + std::fabs(normal(rng)) : (unit ? 1.0f : 0.0f) + scale * normal(rng);
    named[s.name] = std::move(v);
  }
  return named;
}

std::vector<io::SafetensorsTensor> tensors_of(const TinyVitConfig& c, const Named& named) {
  std::vector<io::SafetensorsTensor> out;
  for (const models::TinyVitTensorSpec& s : models::tinyvit_tensor_specs(c)) {
    std::vector<std::byte> bytes;
    if (s.is_i64) {
      const std::int64_t tracked = 1234;
      bytes.resize(8);
      std::memcpy(bytes.data(), &tracked, 8);
      out.push_back({s.name, io::TensorDtype::i64, s.shape, std::move(bytes)});
      continue;
    }
    const std::vector<float>& v = named.at(s.name);
    bytes.resize(v.size() * 4);
    std::memcpy(bytes.data(), v.data(), bytes.size());
    out.push_back({s.name, io::TensorDtype::f32, s.shape, std::move(bytes)});
  }
  return out;
}

io::TensorTable table_of(const std::vector<io::SafetensorsTensor>& tensors, std::vector<std::byte>& storage) {
  storage = io::encode_safetensors(tensors).value();
  return io::parse_safetensors(storage, "mem").value();
}


// Output channels `rows` of a ConvNorm become exactly 0 (γ = β = 0), so GELU keeps them 0.
void dead_conv_norm(Named& n, const std::string& p, const std::vector<int>& rows) {
  for (int r : rows) n.at(p + ".bn.weight")[static_cast<std::size_t>(r)] = n.at(p + ".bn.bias")[static_cast<std::size_t>(r)] = 0.0f;
}
// Rows of a linear (and its bias) become 0.
void dead_linear(Named& n, const std::string& p, int cols, const std::vector<int>& rows) {
  for (int r : rows) {
    for (int j = 0; j < cols; ++j) n.at(p + ".weight")[static_cast<std::size_t>(r) * cols + j] = 0.0f;
    n.at(p + ".bias")[static_cast<std::size_t>(r)] = 0.0f;
  }
}
// A TinyViT block becomes the identity: attention and MLP add 0, the local conv passes x through.
void identity_block(Named& n, const std::string& p, int dim, int kernel) {
  for (const char* linear : {".attn.proj", ".mlp.fc2"}) {
    std::fill(n.at(p + linear + ".weight").begin(), n.at(p + linear + ".weight").end(), 0.0f);
    std::fill(n.at(p + linear + ".bias").begin(), n.at(p + linear + ".bias").end(), 0.0f);
  }
  std::vector<float>& w = n.at(p + ".local_conv.conv.weight");
  std::fill(w.begin(), w.end(), 0.0f);
  for (int c = 0; c < dim; ++c) w[static_cast<std::size_t>(c) * kernel * kernel + kernel * kernel / 2] = 1.0f;
  std::fill(n.at(p + ".local_conv.bn.weight").begin(), n.at(p + ".local_conv.bn.weight").end(), 1.0f);
  std::fill(n.at(p + ".local_conv.bn.bias").begin(), n.at(p + ".local_conv.bn.bias").end(), 0.0f);
  std::fill(n.at(p + ".local_conv.bn.running_mean").begin(), n.at(p + ".local_conv.bn.running_mean").end(), 0.0f);
  std::fill(n.at(p + ".local_conv.bn.running_var").begin(), n.at(p + ".local_conv.bn.running_var").end(),
            static_cast<float>(1.0 - models::kTinyVitNormEps));
}

void make_inner_structures_dead(const TinyVitConfig& t, const TinyVitKeep& k, Named& n) {
  for (std::size_t j = 0; j < k.stages[0].mbconv.size(); ++j) {
    const std::string p = "stages.0.blocks." + std::to_string(k.stages[0].mbconv[j].teacher_block);
    const std::vector<int> dead = complement(t.mbconv_channels(), k.stages[0].mbconv[j].hidden);
    dead_conv_norm(n, p + ".conv1", dead);
    dead_conv_norm(n, p + ".conv2", dead);
  }
  for (int i = 1; i < t.stages(); ++i) {
    const TinyVitStageKeep& s = k.stages[static_cast<std::size_t>(i)];
    const int dim = t.embed_dims[static_cast<std::size_t>(i)];
    for (int j = 0; j < t.depths[static_cast<std::size_t>(i)]; ++j) {
      const std::string p = "stages." + std::to_string(i) + ".blocks." + std::to_string(j);
      const auto kept = std::find_if(s.blocks.begin(), s.blocks.end(), [j](const TinyVitBlockKeep& b) { return b.teacher_block == j; });
      if (kept == s.blocks.end()) {
        identity_block(n, p, dim, t.local_conv_size);
      } else {
        dead_linear(n, p + ".mlp.fc1", dim, complement(t.mlp_hidden(i), kept->mlp));
      }
    }
  }
}

TEST(TinyVitPrune, StudentTensorsAreTimmsListForTheStudentConfig) {
  const TinyVitConfig t = test_models::tinyvit_teacher();
  ASSERT_TRUE(models::validate_tinyvit_config(t, "teacher").is_ok());
  for (const TinyVitKeep& keep : {tinyvit_keep_all(t), inner_keep(t), stream_keep(t)}) {
    const Result<TinyVitSlicePlan> plan = plan_tinyvit_slice(t, keep);
    ASSERT_TRUE(plan.is_ok()) << plan.status().message();
    const TinyVitConfig& s = plan.value().student;
    ASSERT_TRUE(models::validate_tinyvit_config(s, "student").is_ok());
    const Result<TinyVitConfig> again = models::parse_tinyvit_config(models::tinyvit_config_json(s), "json");
    ASSERT_TRUE(again.is_ok());
    const auto specs = models::tinyvit_tensor_specs(again.value());  // the widths survive config.json
    ASSERT_EQ(plan.value().tensors.size(), specs.size());
    for (std::size_t i = 0; i < specs.size(); ++i) {
      EXPECT_EQ(plan.value().tensors[i].student_name, specs[i].name);
      EXPECT_EQ(plan.value().tensors[i].student_shape(), specs[i].shape) << specs[i].name;
    }
  }
  const TinyVitConfig s = plan_tinyvit_slice(t, stream_keep(t)).value().student;
  EXPECT_EQ(s.embed_dims, (std::vector<int>{12, 16, 24, 30}));
  EXPECT_EQ(s.num_heads, (std::vector<int>{2, 2, 3, 5}));
  EXPECT_EQ(s.depths, (std::vector<int>{2, 1, 2, 1}));
  EXPECT_EQ(s.mbconv_channels(), 45);
  EXPECT_EQ(s.mlp_hidden(1), 60);
}

TEST(TinyVitPrune, KeepAllCopiesTheTeacherExactly) {
  const TinyVitConfig t = test_models::tinyvit_teacher();
  std::vector<std::byte> storage;
  const io::TensorTable teacher = table_of(tensors_of(t, random_named(t, 1)), storage);
  const auto student = slice_table(teacher, plan_tinyvit_slice(t, tinyvit_keep_all(t)).value().tensors, "t").value();
  ASSERT_EQ(student.size(), teacher.entries().size());
  for (const io::SafetensorsTensor& s : student) {
    const io::TensorEntry* e = teacher.find(s.name);
    ASSERT_NE(e, nullptr) << s.name;
    EXPECT_EQ(s.dtype, e->dtype) << s.name;
    ASSERT_EQ(s.data.size(), e->bytes) << s.name;
    EXPECT_EQ(std::memcmp(s.data.data(), teacher.bytes(*e).data(), s.data.size()), 0) << s.name;
  }
}

TEST(TinyVitPrune, RemovingDeadInnerStructuresKeepsTheLogits) {
  const TinyVitConfig t = test_models::tinyvit_teacher();
  const TinyVitKeep keep = inner_keep(t);
  const TinyVitSlicePlan plan = plan_tinyvit_slice(t, keep).value();
  const auto run = [&](const TinyVitConfig& c, const Named& named, const std::vector<TensorSlice>* slices) {
    std::vector<std::byte> bytes, sliced;
    io::TensorTable table = table_of(tensors_of(t, named), bytes);
    if (slices != nullptr) table = table_of(slice_table(table, *slices, "teacher").value(), sliced);
    const auto w = models::tinyvit_weights_from_table(c, table, "mem");
    EXPECT_TRUE(w.is_ok()) << w.status().message();
    std::mt19937 rng(5);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> images(2 * 32 * 32 * 3);
    for (float& x : images) x = normal(rng);
    return models::tinyvit_forward_f32(c, w.value(), images, 2).value().logits;
  };
  Named named = random_named(t, 2);
  const std::vector<float> live_teacher = run(t, named, nullptr), live_student = run(plan.student, named, &plan.tensors);
  make_inner_structures_dead(t, keep, named);
  const std::vector<float> want = run(t, named, nullptr), got = run(plan.student, named, &plan.tensors);
  EXPECT_LT(nmse(got, want), 1e-12);
  EXPECT_GT(nmse(live_student, live_teacher), 1e-4);  // the oracle can fail
}

TEST(TinyVitPrune, StudentFolderLoadsAndKeepsTheLogits) {
  const TinyVitConfig t = test_models::tinyvit_teacher();
  const TinyVitKeep keep = inner_keep(t);
  Named named = random_named(t, 4);
  make_inner_structures_dead(t, keep, named);
  test::TempDir teacher_dir, student_dir;
  const auto bytes = io::encode_safetensors(tensors_of(t, named)).value();
  ASSERT_TRUE(io::write_file_atomically(teacher_dir.file("model.safetensors"), bytes.data(), bytes.size()).is_ok());
  const std::string config = models::tinyvit_config_json(t);
  ASSERT_TRUE(io::write_file_atomically(teacher_dir.file("config.json"), config.data(), config.size()).is_ok());
  const auto plan = write_tinyvit_student(teacher_dir.path().string(), keep, student_dir.path().string());
  ASSERT_TRUE(plan.is_ok()) << plan.status().message();
  const auto teacher = models::load_tinyvit(teacher_dir.path().string()).value();
  const auto student = models::load_tinyvit(student_dir.path().string());
  ASSERT_TRUE(student.is_ok()) << student.status().message();
  EXPECT_EQ(student.value().config.depths, (std::vector<int>{2, 1, 2, 1}));
  std::vector<float> images(32 * 32 * 3);
  for (std::size_t i = 0; i < images.size(); ++i) images[i] = static_cast<float>(i % 17) / 8.0f - 1.0f;
  const auto logits = [&](const models::TinyVitModel& m) {
    return models::tinyvit_forward_f32(m.config, m.weights, images, 1).value().logits;
  };
  EXPECT_LT(nmse(logits(student.value()), logits(teacher)), 1e-12);
}

TEST(TinyVitPrune, PrunedHeadsKeepTimmsPerHeadQkvLayout) {
  const TinyVitConfig t = test_models::tinyvit_teacher();
  const TinyVitKeep keep = stream_keep(t);
  const TinyVitSlicePlan plan = plan_tinyvit_slice(t, keep).value();
  const TensorSlice* qkv = nullptr;
  const TensorSlice* bias = nullptr;
  for (const TensorSlice& s : plan.tensors) {
    if (s.student_name == "stages.3.blocks.0.attn.qkv.weight") qkv = &s;
    if (s.student_name == "stages.3.blocks.0.attn.attention_biases") bias = &s;
  }
  ASSERT_NE(qkv, nullptr);
  ASSERT_NE(bias, nullptr);
  EXPECT_EQ(qkv->teacher_name, "stages.3.blocks.1.attn.qkv.weight");
  // Each teacher head of stage 3 keeps 6 of its 8 dimensions; timm's qkv rows of head h are
  // q (h·24 + d), k (h·24 + 8 + d), v (h·24 + 16 + d).
  const std::vector<std::vector<int>> dims = {
      {2, 3, 4, 5, 6, 7}, {0, 3, 4, 5, 6, 7}, {0, 1, 4, 5, 6, 7}, {0, 1, 2, 5, 6, 7}, {0, 1, 2, 3, 5, 6}};
  std::vector<int> want_rows;
  for (int head = 0; head < 5; ++head) {
    for (int part = 0; part < 3; ++part) {
      for (int d : dims[static_cast<std::size_t>(head)]) want_rows.push_back(head * 24 + part * 8 + d);
    }
  }
  EXPECT_EQ(qkv->keep[0], want_rows);
  EXPECT_EQ(qkv->keep[1], keep.stages[3].channels);
  EXPECT_EQ(bias->keep[0], (std::vector<int>{0, 1, 2, 3, 4}));
  // Stage 1 drops teacher head 1 whole: its bias row goes, heads 0 and 2 stay.
  for (const TensorSlice& s : plan.tensors) {
    if (s.student_name == "stages.1.blocks.0.attn.attention_biases") {
      EXPECT_EQ(s.keep[0], (std::vector<int>{0, 2}));
    }
  }
}

TEST(TinyVitPrune, KeepsThatTimmCannotExpressAreErrors) {
  const TinyVitConfig t = test_models::tinyvit_teacher();
  const auto error = [&](const std::function<void(TinyVitKeep&)>& change) {
    TinyVitKeep k = stream_keep(t);
    change(k);
    const Result<TinyVitSlicePlan> plan = plan_tinyvit_slice(t, k);
    return plan.is_ok() ? std::string("accepted") : plan.status().message();
  };
  EXPECT_NE(error([](TinyVitKeep& k) { k.stem.pop_back(); }).find("stem keeps 5, but C_0 / 2 makes it 6"), std::string::npos);
  EXPECT_NE(error([](TinyVitKeep& k) { k.stages[1].merge.pop_back(); }).find("stage 1 merge keeps 15"), std::string::npos);
  EXPECT_NE(error([](TinyVitKeep& k) { k.stages[2].heads = 5; }).find("5 heads do not divide"), std::string::npos);
  EXPECT_NE(error([](TinyVitKeep& k) { k.stages[2].blocks[0].attention = without(32, {0, 1, 2, 3, 4, 5, 6, 31}); })
                .find("spans teacher heads"),
            std::string::npos);
  EXPECT_NE(error([](TinyVitKeep& k) { k.mlp_ratio = 2.0; }).find("mlp_ratio makes it 32"), std::string::npos);
  EXPECT_NE(error([](TinyVitKeep& k) { k.stages[3].blocks.clear(); }).find("stage 3 keeps no block"), std::string::npos);
  EXPECT_NE(error([](TinyVitKeep& k) { k.stages.pop_back(); }).find("3 stages for a teacher with 4"), std::string::npos);
}

// The search's TinyViT PruneModel slices a greedy step from its parent's folder (progressive
// pruning): two steps, the second from the first's student, give a folder that loads with the
// space's config at that point and the footprint the model predicted; a source smaller than the
// point asked for is refused.
TEST(TinyVitPruneModel, SlicesAStepFromItsParentsFolder) {
  const TinyVitConfig t = test_models::tinyvit_teacher();
  test::TempDir teacher_dir, first_dir, second_dir, bad_dir;
  const auto bytes = io::encode_safetensors(tensors_of(t, random_named(t, 6))).value();
  ASSERT_TRUE(io::write_file_atomically(teacher_dir.file("model.safetensors"), bytes.data(), bytes.size()).is_ok());
  const std::string config = models::tinyvit_config_json(t);
  ASSERT_TRUE(io::write_file_atomically(teacher_dir.file("config.json"), config.data(), config.size()).is_ok());
  const deploy::GraphFootprintModel footprints;
  auto model = open_tinyvit_prune_model(teacher_dir.path().string(), footprints);
  ASSERT_TRUE(model.is_ok()) << model.status().message();
  const SearchSpace& space = model.value()->space();
  const auto axis = [&](const std::string& name) {
    for (std::size_t a = 0; a < space.size(); ++a) {
      if (space[a].name == name) return a;
    }
    ADD_FAILURE() << "no axis " << name;
    return std::size_t{0};
  };
  Point first(space.size(), 0);
  first[axis("depth.2")] = 1;
  Point second = first;
  second[axis("mlp_ratio")] = 1;
  ASSERT_TRUE(model.value()->write_student(first, teacher_dir.path().string(), first_dir.path().string()).is_ok());
  const Status s = model.value()->write_student(second, first_dir.path().string(), second_dir.path().string());
  ASSERT_TRUE(s.is_ok()) << s.message();
  const auto loaded = models::load_tinyvit(second_dir.path().string());
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().message();
  const TinyVitConfig want = tinyvit_candidate_config(t, tinyvit_shape_at(t, space, second)).value();
  EXPECT_EQ(loaded.value().config.depths, want.depths);
  EXPECT_EQ(loaded.value().config.embed_dims, want.embed_dims);
  EXPECT_EQ(loaded.value().config.mlp_ratio, want.mlp_ratio);
  EXPECT_EQ(footprints.tinyvit(loaded.value().config).value().total_bytes(),
            model.value()->footprint(second).value().total_bytes());
  EXPECT_FALSE(model.value()->write_student(Point(space.size(), 0), second_dir.path().string(), bad_dir.path().string())
                   .is_ok());
}

}  // namespace
}  // namespace bfedge::prune
