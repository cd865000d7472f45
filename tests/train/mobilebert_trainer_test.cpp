#include "bfedge/train/mobilebert_trainer.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "bfedge/io/file.hpp"
#include "train_log.hpp"
#include "bfedge/models/mobilebert.hpp"
#include "bfedge/io/safetensors.hpp"
#include "bfedge/prune/importance.hpp"
#include "bfedge/prune/student_checkpoint.hpp"

namespace bfedge::train {
namespace {

namespace fs = std::filesystem;

// A task a tiny model learns in a few steps: "good …" is 1, "bad …" is 0.
struct TinyTask {
  fs::path dir;
  MobileBertTrainOptions options;
};

TinyTask tiny_task(const std::string& name) {
  TinyTask t;
  t.dir = fs::path(::testing::TempDir()) / ("bfedge_train_" + name);
  fs::remove_all(t.dir);
  fs::create_directories(t.dir);
  const std::vector<std::string> vocab = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "good", "bad", "film", "plot", "very", "the"};
  std::ofstream(t.dir / "vocab.txt") << [&] {
    std::string s;
    for (const auto& v : vocab) s += v + "\n";
    return s;
  }();
  std::ofstream train(t.dir / "train.tsv"), dev(t.dir / "dev.tsv");
  train << "sentence\tlabel\n";
  dev << "sentence\tlabel\n";
  const char* tails[] = {"film", "plot", "very film", "the plot", "the very film", "plot film the"};
  for (int i = 0; i < 48; ++i) {
    const bool positive = i % 2 == 0;
    std::string text = std::string(positive ? "good " : "bad ") + tails[i % 6];
    if (i % 3 == 0) text = std::string(tails[(i + 1) % 6]) + " " + (positive ? "good" : "bad");
    (i < 40 ? train : dev) << text << "\t" << (positive ? 1 : 0) << "\n";
  }
  MobileBertTrainOptions& o = t.options;
  o.train_path = (t.dir / "train.tsv").string();
  o.dev_path = (t.dir / "dev.tsv").string();
  o.vocab_path = (t.dir / "vocab.txt").string();
  o.out_dir = (t.dir / "out").string();
  o.config.vocab_size = static_cast<int>(vocab.size());
  o.config.hidden_size = 32;
  o.config.num_hidden_layers = 2;
  o.config.num_attention_heads = 2;
  o.config.intermediate_size = 32;
  o.config.max_position_embeddings = 16;
  o.config.embedding_size = 8;
  o.config.intra_bottleneck_size = 16;
  o.config.num_feedforward_networks = 2;
  o.epochs = 4;
  o.batch_size = 8;
  o.learning_rate = 3e-3;
  o.max_length = 16;
  o.threads = 1;
  o.log_every = 5;
  return t;
}

std::vector<std::byte> bytes_of(const fs::path& path) {
  auto r = io::read_file(path.string());
  EXPECT_TRUE(r.is_ok()) << path;
  return r.is_ok() ? r.value() : std::vector<std::byte>{};
}

TEST(MobileBertTrainer, LearnsATinyTaskAndExportsWhatBfedgeLoads) {
  TinyTask t = tiny_task("learns");
  t.options.epochs = 30;  // from scratch there is a plateau at ln 2 for the first few epochs
  const Status s = train_mobilebert(t.options);
  ASSERT_TRUE(s.is_ok()) << s.message();
  auto model = models::load_mobilebert(t.options.out_dir);
  ASSERT_TRUE(model.is_ok()) << model.status().message();
  EXPECT_TRUE(fs::exists(fs::path(t.options.out_dir) / "vocab.txt"));
  // The log's last eval: the dev sentences are new combinations of the same words.
  std::ifstream log(fs::path(t.options.out_dir) / "train.jsonl");
  std::string line, last_eval;
  int train_records = 0;
  while (std::getline(log, line)) {
    if (line.find("\"event\":\"eval\"") != std::string::npos) last_eval = line;
    train_records += line.find("\"event\":\"train\"") != std::string::npos;
  }
  EXPECT_GE(train_records, 3);
  EXPECT_NE(last_eval.find("\"dev_accuracy\":100.0"), std::string::npos) << last_eval;
}

// steps_per_epoch as the run's start record says.
int steps_per_epoch(const std::string& out_dir) {
  std::ifstream log(fs::path(out_dir) / "train.jsonl");
  std::string line;
  std::getline(log, line);
  const std::size_t at = line.find("\"steps_per_epoch\":");
  return at == std::string::npos ? -1 : std::stoi(line.substr(at + 18));
}

// A limit below the set takes its first sentences; above it, the set repeated up to the limit
// (40 training sentences, batches of 8).
TEST(MobileBertTrainer, ALimitAboveTheSetRepeatsIt) {
  for (const auto& [limit, steps] : {std::pair<int, int>{16, 2}, {0, 5}, {100, 13}}) {
    TinyTask t = tiny_task("limit" + std::to_string(limit));
    t.options.epochs = 1, t.options.limit_train = limit;
    const Status s = train_mobilebert(t.options);
    ASSERT_TRUE(s.is_ok()) << s.message();
    EXPECT_EQ(steps_per_epoch(t.options.out_dir), steps) << "limit " << limit;
  }
}

TEST(MobileBertTrainer, ResumedRunEndsWithTheSameWeights) {
  TinyTask straight = tiny_task("straight");
  straight.options.epochs = 2;
  ASSERT_TRUE(train_mobilebert(straight.options).is_ok());

  TinyTask stopped = tiny_task("stopped");
  stopped.options.epochs = 2;
  stopped.options.stop_after_steps = 3;  // mid-epoch (5 steps per epoch)
  const Status first = train_mobilebert(stopped.options);
  ASSERT_EQ(first.code(), ErrorCode::interrupted) << first.message();
  EXPECT_NE(first.message().find("continue with --resume"), std::string::npos) << first.message();

  const Status again = train_mobilebert(stopped.options);  // without --resume: refused
  EXPECT_EQ(again.code(), ErrorCode::invalid_argument);
  EXPECT_NE(again.message().find("pass --resume"), std::string::npos) << again.message();

  stopped.options.resume = true;
  stopped.options.stop_after_steps = 4;  // stops again, inside the second epoch
  EXPECT_EQ(train_mobilebert(stopped.options).code(), ErrorCode::interrupted);
  stopped.options.stop_after_steps = 0;
  const Status last = train_mobilebert(stopped.options);
  ASSERT_TRUE(last.is_ok()) << last.message();
  EXPECT_EQ(bytes_of(fs::path(stopped.options.out_dir) / "model.safetensors"),
            bytes_of(fs::path(straight.options.out_dir) / "model.safetensors"));

  MobileBertTrainOptions changed = stopped.options;
  changed.learning_rate = 1e-3;
  const Status mismatch = train_mobilebert(changed);
  EXPECT_EQ(mismatch.code(), ErrorCode::invalid_argument);
  EXPECT_NE(mismatch.message().find("different learning_rate"), std::string::npos) << mismatch.message();
}

TEST(MobileBertTrainer, BadInputIsOneLineNamingTheFile) {
  TinyTask t = tiny_task("bad");
  std::ofstream(t.dir / "train.tsv", std::ios::app) << "2x\tbroken line\n";
  Status s = train_mobilebert(t.options);
  EXPECT_NE(s.message().find("train.tsv:42: label"), std::string::npos) << s.message();
  EXPECT_FALSE(fs::exists(t.options.out_dir));  // nothing written

  TinyTask labels = tiny_task("labels");
  labels.options.config.num_labels = 1;
  s = train_mobilebert(labels.options);
  EXPECT_NE(s.message().find("has label 1, the model has 1 labels"), std::string::npos) << s.message();

  TinyTask vocab = tiny_task("vocab");
  vocab.options.config.vocab_size = 11;
  s = train_mobilebert(vocab.options);
  EXPECT_NE(s.message().find("vocab.txt: 10 tokens, the config's vocab_size is 11"), std::string::npos) << s.message();

  TinyTask resume = tiny_task("resume");
  resume.options.resume = true;
  s = train_mobilebert(resume.options);
  EXPECT_NE(s.message().find("no checkpoint to resume"), std::string::npos) << s.message();
}

// Distillation into pruned students. A student that is the teacher (every index kept, no
// dropout) has a distillation loss of 0 at step 1, which also checks the teacher-to-student id
// map; a student with one layer and a vocabulary without "the" and "very" (mapped to its [UNK])
// learns the task from the teacher and exports its smaller vocab.txt.
TEST(MobileBertTrainer, DistillsIntoPrunedStudents) {
  TinyTask t = tiny_task("distill");
  t.options.epochs = 30;
  t.options.config.attention_probs_dropout_prob = 0.0;
  ASSERT_TRUE(train_mobilebert(t.options).is_ok());
  const std::string teacher = t.options.out_dir;
  const models::MobileBertConfig config = models::load_mobilebert(teacher).value().config;
  const auto student_run = [&](const std::string& name, const prune::MobileBertKeep& keep) {
    const std::string student = (t.dir / (name + "-start")).string();
    const auto plan = prune::write_mobilebert_student(teacher, keep, student);
    EXPECT_TRUE(plan.is_ok()) << plan.status().message();
    MobileBertTrainOptions o = t.options;
    o.out_dir = (t.dir / name).string();
    o.init_from = student, o.teacher_dir = teacher;
    return o;
  };
  MobileBertTrainOptions copy = student_run("copy", prune::mobilebert_keep_all(config));
  copy.distill_weight = 1.0, copy.log_every = 1, copy.stop_after_steps = 1;
  EXPECT_EQ(train_mobilebert(copy).code(), ErrorCode::interrupted);
  EXPECT_LT(first_logged_loss(copy.out_dir), 1e-6);

  prune::MobileBertShape shape;
  shape.layers = 1, shape.heads = 2, shape.head_size = 8, shape.intermediate = 16, shape.ffns = 1;
  shape.hidden = 16, shape.embedding = 8, shape.positions = 16, shape.vocab = {0, 1, 2, 3, 4, 5, 6, 7};  // no "very", "the"
  const auto importance = prune::magnitude_importance(
      prune::mobilebert_spaces(config), io::load_safetensors(teacher + "/model.safetensors").value(), "teacher");
  ASSERT_TRUE(importance.is_ok()) << importance.status().message();
  MobileBertTrainOptions small = student_run("small", prune::select_mobilebert_keep(config, importance.value(), shape).value());
  small.epochs = 10;
  const Status s = train_mobilebert(small);
  ASSERT_TRUE(s.is_ok()) << s.message();
  const auto model = models::load_mobilebert(small.out_dir);
  ASSERT_TRUE(model.is_ok()) << model.status().message();
  EXPECT_EQ(model.value().config.num_hidden_layers, 1);
  EXPECT_EQ(model.value().config.vocab_size, 8);
  std::ifstream log(small.out_dir + "/train.jsonl");
  std::string line, last_eval;
  while (std::getline(log, line)) {
    if (line.find("\"event\":\"eval\"") != std::string::npos) last_eval = line;
  }
  ASSERT_NE(last_eval.find("dev_accuracy"), std::string::npos);
  EXPECT_GE(std::stod(last_eval.substr(last_eval.find("\"dev_accuracy\":") + 15)), 75.0) << last_eval;
}

}  // namespace
}  // namespace bfedge::train
