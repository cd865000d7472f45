// plan_mobilebert_slice against two oracles: HF's own tensor list for the student config (names,
// shapes, order), and the FP32 reference forward. For the second, the teacher's pruned structures
// are first made dead (a dropped channel produced as exactly 0 everywhere, a dropped layer or
// stacked FFN an exact identity, a dropped head with zero q, k and v), so removing them must not
// change the logits.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>

#include "bfedge/core/nmse.hpp"
#include "bfedge/io/safetensors.hpp"
#include "bfedge/models/mobilebert.hpp"
#include "prune_test_models.hpp"
#include "bfedge/io/file.hpp"
#include "bfedge/io/wordpiece.hpp"
#include "bfedge/deploy/footprint.hpp"
#include "bfedge/prune/mobilebert_prune.hpp"
#include "bfedge/prune/prune_model.hpp"
#include "bfedge/prune/student_checkpoint.hpp"
#include "support/test_support.hpp"

namespace bfedge::prune {
namespace {

using test_models::complement;
using test_models::without;

using models::MobileBertConfig;
using Named = std::map<std::string, std::vector<float>>;



// Teacher layers 0 and 2 (1 dropped); heads 0, 2, 3 of 4 (head size 4); stacked FFN 1 of {0, 1};
// a few channels of every space; the first 12 positions.
MobileBertKeep pruned_keep(const MobileBertConfig& t) {
  MobileBertKeep k;
  k.vocab = without(t.vocab_size, {7, 8, 30, 49});
  k.embedding = without(t.embedding_size, {1, 6});
  k.hidden = without(t.hidden_size, {0, 5, 6, 11, 17, 23});
  k.pooled = without(t.hidden_size, {2, 3, 4, 9, 10, 20});
  k.positions = 12;
  k.heads = 3;
  for (int layer : {0, 2}) {
    MobileBertLayerKeep l;
    l.teacher_layer = layer;
    l.stream = without(16, {layer, 3, 9, 15});
    l.shared_qk = without(16, {1, 2, 12, 13 - layer});
    l.attention = without(16, {4, 5, 6, 7});
    l.ffns = {1};
    l.intermediate = {without(12, {0, 5, 11}), without(12, {2, 3, 4 + layer})};
    k.layers.push_back(std::move(l));
  }
  return k;
}

Named random_named(const MobileBertConfig& c, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Named named;
  for (const models::MobileBertTensorSpec& s :
       models::mobilebert_tensor_specs(c, models::MobileBertHead::sequence_classification)) {
    std::vector<float> v(static_cast<std::size_t>(s.elements()));
    const bool norm_weight = s.name.find("LayerNorm.weight") != std::string::npos;
    const float scale = s.shape.size() == 2 ? 1.0f / std::sqrt(static_cast<float>(s.shape[1])) : 0.1f;
    for (float& x : v) x = (norm_weight ? 1.0f : 0.0f) + scale * normal(rng);
    named[s.name] = std::move(v);
  }
  return named;
}

io::TensorTable table_of(const std::vector<io::SafetensorsTensor>& tensors, std::vector<std::byte>& storage) {
  storage = io::encode_safetensors(tensors).value();
  return io::parse_safetensors(storage, "mem").value();
}

std::vector<io::SafetensorsTensor> tensors_of(const MobileBertConfig& c, const Named& named) {
  std::vector<io::SafetensorsTensor> out;
  for (const models::MobileBertTensorSpec& s :
       models::mobilebert_tensor_specs(c, models::MobileBertHead::sequence_classification)) {
    const std::vector<float>& v = named.at(s.name);
    std::vector<std::byte> bytes(v.size() * 4);
    std::memcpy(bytes.data(), v.data(), bytes.size());
    out.push_back({s.name, io::TensorDtype::f32, s.shape, std::move(bytes)});
  }
  return out;
}

// Zeroes rows `rows` of a (rows, cols) matrix or entries of a vector.
void zero_rows(Named& n, const std::string& name, int cols, const std::vector<int>& rows) {
  for (int r : rows) {
    for (int j = 0; j < cols; ++j) n.at(name)[static_cast<std::size_t>(r) * cols + j] = 0.0f;
  }
}
void zero_cols(Named& n, const std::string& name, int cols, const std::vector<int>& dropped) {
  std::vector<float>& v = n.at(name);
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (std::find(dropped.begin(), dropped.end(), static_cast<int>(i % cols)) != dropped.end()) v[i] = 0.0f;
  }
}
// A linear whose output rows are exactly 0, and the NoNorm after it adds 0 there.
void dead_rows(Named& n, const std::string& linear, const std::string& norm, int cols, const std::vector<int>& rows) {
  zero_rows(n, linear + ".weight", cols, rows);
  zero_rows(n, linear + ".bias", 1, rows);
  if (!norm.empty()) zero_rows(n, norm + ".bias", 1, rows);
}
// x ↦ NoNorm(linear(·) + x) becomes the identity.
void identity_block(Named& n, const std::string& linear, const std::string& norm) {
  std::fill(n.at(linear + ".weight").begin(), n.at(linear + ".weight").end(), 0.0f);
  std::fill(n.at(linear + ".bias").begin(), n.at(linear + ".bias").end(), 0.0f);
  std::fill(n.at(norm + ".weight").begin(), n.at(norm + ".weight").end(), 1.0f);
  std::fill(n.at(norm + ".bias").begin(), n.at(norm + ".bias").end(), 0.0f);
}

void make_pruned_structures_dead(const MobileBertConfig& t, const MobileBertKeep& k, Named& n) {
  const std::string m = "mobilebert.";
  const std::vector<int> hidden = complement(t.hidden_size, k.hidden);
  zero_cols(n, m + "embeddings.word_embeddings.weight", t.embedding_size, complement(t.embedding_size, k.embedding));
  zero_cols(n, m + "embeddings.position_embeddings.weight", t.hidden_size, hidden);
  zero_cols(n, m + "embeddings.token_type_embeddings.weight", t.hidden_size, hidden);
  dead_rows(n, m + "embeddings.embedding_transformation", m + "embeddings.LayerNorm", 3 * t.embedding_size, hidden);
  dead_rows(n, m + "pooler.dense", "", t.hidden_size, complement(t.hidden_size, k.pooled));
  for (int layer = 0; layer < t.num_hidden_layers; ++layer) {
    const std::string p = m + "encoder.layer." + std::to_string(layer) + ".";
    const auto kept = std::find_if(k.layers.begin(), k.layers.end(),
                                   [layer](const MobileBertLayerKeep& l) { return l.teacher_layer == layer; });
    if (kept == k.layers.end()) {
      identity_block(n, p + "output.bottleneck.dense", p + "output.bottleneck.LayerNorm");
      continue;
    }
    const int intra = t.intra_bottleneck_size, inter = t.intermediate_size;
    dead_rows(n, p + "output.bottleneck.dense", p + "output.bottleneck.LayerNorm", intra, hidden);
    const std::vector<int> stream = complement(intra, kept->stream);
    dead_rows(n, p + "bottleneck.input.dense", p + "bottleneck.input.LayerNorm", t.hidden_size, stream);
    dead_rows(n, p + "attention.output.dense", p + "attention.output.LayerNorm", intra, stream);
    dead_rows(n, p + "output.dense", p + "output.LayerNorm", inter, stream);
    dead_rows(n, p + "bottleneck.attention.dense", p + "bottleneck.attention.LayerNorm", t.hidden_size,
              complement(intra, kept->shared_qk));
    const std::vector<int> heads = complement(intra, kept->attention);
    for (const char* qkv : {"attention.self.query", "attention.self.key"}) dead_rows(n, p + qkv, "", intra, heads);
    dead_rows(n, p + "attention.self.value", "", t.hidden_size, heads);
    dead_rows(n, p + "intermediate.dense", "", intra, complement(inter, kept->intermediate.back()));
    for (int f = 0; f + 1 < t.num_feedforward_networks; ++f) {
      const std::string ffn = p + "ffn." + std::to_string(f) + ".";
      const auto at = std::find(kept->ffns.begin(), kept->ffns.end(), f);
      if (at == kept->ffns.end()) {
        identity_block(n, ffn + "output.dense", ffn + "output.LayerNorm");
        continue;
      }
      dead_rows(n, ffn + "output.dense", ffn + "output.LayerNorm", inter, stream);
      dead_rows(n, ffn + "intermediate.dense", "", intra,
                complement(inter, kept->intermediate[static_cast<std::size_t>(at - kept->ffns.begin())]));
    }
  }
}

TEST(MobileBertPrune, StudentTensorsAreHfsListForTheStudentConfig) {
  const MobileBertConfig t = test_models::mobilebert_teacher();
  for (const MobileBertKeep& keep : {mobilebert_keep_all(t), pruned_keep(t)}) {
    const Result<MobileBertSlicePlan> plan = plan_mobilebert_slice(t, keep);
    ASSERT_TRUE(plan.is_ok()) << plan.status().message();
    ASSERT_TRUE(models::validate_mobilebert_config(plan.value().student, "student").is_ok());
    const auto specs =
        models::mobilebert_tensor_specs(plan.value().student, models::MobileBertHead::sequence_classification);
    ASSERT_EQ(plan.value().tensors.size(), specs.size());
    for (std::size_t i = 0; i < specs.size(); ++i) {
      EXPECT_EQ(plan.value().tensors[i].student_name, specs[i].name);
      EXPECT_EQ(plan.value().tensors[i].student_shape(), specs[i].shape) << specs[i].name;
    }
  }
  const MobileBertSlicePlan plan = plan_mobilebert_slice(t, pruned_keep(t)).value();
  EXPECT_EQ(plan.student.num_hidden_layers, 2);
  EXPECT_EQ(plan.student.num_attention_heads, 3);
  EXPECT_EQ(plan.student.intra_bottleneck_size, 12);
  EXPECT_EQ(plan.student.num_feedforward_networks, 2);
  EXPECT_EQ(plan.student.hidden_size, 18);
  EXPECT_EQ(plan.student.vocab_size, 46);
  EXPECT_EQ(plan.student.max_position_embeddings, 12);
}

TEST(MobileBertPrune, KeepAllCopiesTheTeacherExactly) {
  const MobileBertConfig t = test_models::mobilebert_teacher();
  std::vector<std::byte> storage;
  const io::TensorTable teacher = table_of(tensors_of(t, random_named(t, 1)), storage);
  const MobileBertSlicePlan plan = plan_mobilebert_slice(t, mobilebert_keep_all(t)).value();
  const auto student = slice_table(teacher, plan.tensors, "teacher").value();
  for (const io::SafetensorsTensor& s : student) {
    const io::TensorEntry* e = teacher.find(s.name);
    ASSERT_NE(e, nullptr) << s.name;
    ASSERT_EQ(s.data.size(), e->bytes) << s.name;
    EXPECT_EQ(std::memcmp(s.data.data(), teacher.bytes(*e).data(), s.data.size()), 0) << s.name;
  }
}

TEST(MobileBertPrune, RemovingDeadStructuresKeepsTheLogits) {
  const MobileBertConfig t = test_models::mobilebert_teacher();
  const MobileBertKeep keep = pruned_keep(t);
  Named named = random_named(t, 2);
  make_pruned_structures_dead(t, keep, named);
  std::vector<std::byte> teacher_bytes, student_bytes;
  const io::TensorTable teacher = table_of(tensors_of(t, named), teacher_bytes);
  const MobileBertSlicePlan plan = plan_mobilebert_slice(t, keep).value();
  const io::TensorTable student = table_of(slice_table(teacher, plan.tensors, "teacher").value(), student_bytes);

  const std::vector<int> ids = {0, 1, 2, 9, 10, 29, 31, 48, 3, 4, 5, 6};  // none dropped
  std::vector<int> student_ids;
  for (int id : ids) {
    student_ids.push_back(static_cast<int>(std::lower_bound(keep.vocab.begin(), keep.vocab.end(), id) - keep.vocab.begin()));
  }
  const std::vector<int> mask = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
  const auto run = [&](const MobileBertConfig& c, const io::TensorTable& table, const std::vector<int>& tokens) {
    const auto w = models::mobilebert_weights_from_table(c, table, "mem");
    EXPECT_TRUE(w.is_ok()) << w.status().message();
    models::MobileBertInputs in;
    in.input_ids = tokens, in.attention_mask = mask, in.batch = 1, in.seq = static_cast<int>(tokens.size());
    return models::mobilebert_forward_f32(c, w.value(), in).value().logits;
  };
  const std::vector<float> want = run(t, teacher, ids);
  const std::vector<float> got = run(plan.student, student, student_ids);
  ASSERT_EQ(got.size(), want.size());
  EXPECT_LT(nmse(got, want), 1e-12) << got[0] << " vs " << want[0];
  // The oracle can fail: the same slices of the teacher before the structures were made dead differ.
  std::vector<std::byte> live_bytes, live_student_bytes;
  const io::TensorTable live = table_of(tensors_of(t, random_named(t, 2)), live_bytes);
  const io::TensorTable live_student =
      table_of(slice_table(live, plan.tensors, "teacher").value(), live_student_bytes);
  EXPECT_GT(nmse(run(plan.student, live_student, student_ids), run(t, live, ids)), 1e-6);
}

// A teacher folder: config.json, model.safetensors and a vocab.txt of the specials, then word5, word6, ….
void write_teacher_folder(const MobileBertConfig& t, const Named& named, const test::TempDir& dir) {
  const auto bytes = io::encode_safetensors(tensors_of(t, named)).value();
  ASSERT_TRUE(io::write_file_atomically(dir.file("model.safetensors"), bytes.data(), bytes.size()).is_ok());
  const std::string config = models::mobilebert_config_json(t);
  ASSERT_TRUE(io::write_file_atomically(dir.file("config.json"), config.data(), config.size()).is_ok());
  std::string vocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";
  for (int i = 5; i < t.vocab_size; ++i) vocab += "word" + std::to_string(i) + "\n";
  ASSERT_TRUE(io::write_file_atomically(dir.file("vocab.txt"), vocab.data(), vocab.size()).is_ok());
}

// The same through folders: the teacher's config.json, model.safetensors and vocab.txt in, the
// student's out, read back by load_mobilebert and the WordPiece loader.
TEST(MobileBertPrune, StudentFolderLoadsAndKeepsTheLogits) {
  const MobileBertConfig t = test_models::mobilebert_teacher();
  const MobileBertKeep keep = pruned_keep(t);
  Named named = random_named(t, 3);
  make_pruned_structures_dead(t, keep, named);
  test::TempDir teacher_dir, student_dir;
  write_teacher_folder(t, named, teacher_dir);

  const auto plan = write_mobilebert_student(teacher_dir.path().string(), keep, student_dir.path().string());
  ASSERT_TRUE(plan.is_ok()) << plan.status().message();
  const auto teacher = models::load_mobilebert(teacher_dir.path().string()).value();
  const auto student = models::load_mobilebert(student_dir.path().string());
  ASSERT_TRUE(student.is_ok()) << student.status().message();
  const auto student_vocab = io::WordPieceTokenizer::load(student_dir.file("vocab.txt")).value();
  EXPECT_EQ(student_vocab.vocab_size(), student.value().config.vocab_size);
  EXPECT_EQ(student_vocab.find("word29"), 27);  // ids 7 and 8 (word7, word8) are dropped before it

  const std::vector<int> ids = {2, 10, 29, 31, 48, 3};
  const std::vector<int> student_ids = {student_vocab.cls_id(), student_vocab.find("word10"), student_vocab.find("word29"),
                                       student_vocab.find("word31"), student_vocab.find("word48"), student_vocab.sep_id()};
  const auto run = [](const models::MobileBertModel& m, const std::vector<int>& tokens) {
    models::MobileBertInputs in;
    in.input_ids = tokens, in.batch = 1, in.seq = static_cast<int>(tokens.size());
    return models::mobilebert_forward_f32(m.config, m.weights, in).value().logits;
  };
  EXPECT_LT(nmse(run(student.value(), student_ids), run(teacher, ids)), 1e-12);

  const auto missing = write_mobilebert_student(student_dir.file("nowhere"), keep, student_dir.file("x"));
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find("nowhere/config.json"), std::string::npos) << missing.status().message();
}

TEST(MobileBertPrune, KeepsThatHfCannotExpressAreErrors) {
  const MobileBertConfig t = test_models::mobilebert_teacher();
  const auto error = [&](const std::function<void(MobileBertKeep&)>& change) {
    MobileBertKeep k = pruned_keep(t);
    change(k);
    const Result<MobileBertSlicePlan> plan = plan_mobilebert_slice(t, k);
    return plan.is_ok() ? std::string("accepted") : plan.status().message();
  };
  EXPECT_NE(error([](MobileBertKeep& k) { k.layers[1].stream.pop_back(); }).find("layer 1 attention keeps 12, but its stream keeps 11"), std::string::npos)
      << error([](MobileBertKeep& k) { k.layers[1].stream.pop_back(); });
  EXPECT_NE(error([](MobileBertKeep& k) { k.layers[0].attention = without(16, {0, 5, 10, 15}); }).find("spans teacher heads"),
            std::string::npos);
  EXPECT_NE(error([](MobileBertKeep& k) { k.heads = 5; }).find("5 heads do not divide"), std::string::npos);
  EXPECT_NE(error([](MobileBertKeep& k) { k.vocab.erase(k.vocab.begin()); }).find("pad token 0"), std::string::npos);
  EXPECT_NE(error([](MobileBertKeep& k) { k.hidden.push_back(3); }).find("not strictly increasing"), std::string::npos);
  EXPECT_NE(error([](MobileBertKeep& k) { k.positions = 21; }).find("positions 21"), std::string::npos);
  EXPECT_NE(error([](MobileBertKeep& k) { k.layers[1].teacher_layer = 0; }).find("out of order"), std::string::npos);
  EXPECT_NE(error([](MobileBertKeep& k) { k.layers[0].intermediate.pop_back(); }).find("intermediate lists"),
            std::string::npos);
  EXPECT_NE(error([](MobileBertKeep& k) { k.pooled.pop_back(); }).find("pooled keeps 17"), std::string::npos);
  EXPECT_NE(error([](MobileBertKeep& k) { k.layers[0].ffns = {2}; }).find("ffns index 2 is outside 0..1"),
            std::string::npos);
}

// The search's MobileBERT PruneModel: every candidate keeps only the task's pieces and max_length
// positions; a greedy step sliced from its parent (a student) keeps the parent's vocabulary; the
// footprint it predicts is that of the folder it writes, at max_length tokens.
TEST(MobileBertPruneModel, PrunesTheTaskVocabularyAndSlicesAStepFromItsParent) {
  const MobileBertConfig t = test_models::mobilebert_teacher();
  test::TempDir teacher_dir, first_dir, second_dir;
  write_teacher_folder(t, random_named(t, 7), teacher_dir);
  const std::vector<std::string> texts = {"word10 word29", "word31 word10 word48"};
  const deploy::GraphFootprintModel footprints;
  auto model = open_mobilebert_prune_model(teacher_dir.path().string(), texts, 12, footprints);
  ASSERT_TRUE(model.is_ok()) << model.status().message();
  const SearchSpace& space = model.value()->space();
  std::size_t layers = space.size(), heads = space.size();
  for (std::size_t a = 0; a < space.size(); ++a) {
    if (space[a].name == "layers") layers = a;
    if (space[a].name == "heads") heads = a;
  }
  ASSERT_LT(layers, space.size());
  ASSERT_LT(heads, space.size());
  Point first(space.size(), 0), second(space.size(), 0);
  first[layers] = 1;
  second = first;
  second[heads] = 1;
  ASSERT_TRUE(model.value()->write_student(first, teacher_dir.path().string(), first_dir.path().string()).is_ok());
  const Status s = model.value()->write_student(second, first_dir.path().string(), second_dir.path().string());
  ASSERT_TRUE(s.is_ok()) << s.message();
  for (const test::TempDir* dir : {&first_dir, &second_dir}) {
    const auto student = models::load_mobilebert(dir->path().string());
    ASSERT_TRUE(student.is_ok()) << student.status().message();
    const auto pieces = io::WordPieceTokenizer::load(dir->file("vocab.txt")).value();
    EXPECT_EQ(pieces.vocab_size(), 9);  // the 5 specials and the task's 4 words
    EXPECT_GE(pieces.find("word29"), 0);
    EXPECT_EQ(student.value().config.max_position_embeddings, 12);
  }
  const auto second_model = models::load_mobilebert(second_dir.path().string()).value();
  EXPECT_EQ(second_model.config.num_hidden_layers, static_cast<int>(space[layers].values[1]));
  EXPECT_EQ(second_model.config.num_attention_heads, static_cast<int>(space[heads].values[1]));
  EXPECT_EQ(footprints.mobilebert(second_model.config, 12).value().total_bytes(),
            model.value()->footprint(second).value().total_bytes());
}

}  // namespace
}  // namespace bfedge::prune
