// train_tinyvit on Fashion-MNIST (Debian's dataset-fashion-mnist; skipped visibly without it) with a
// narrow config: it learns, exports what models::load_tinyvit reads (and what the FP32 reference
// runs to the module's logits), and a stopped and resumed run ends with the same weights.
#include "bfedge/train/tinyvit_trainer.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "bfedge/io/file.hpp"
#include "train_log.hpp"
#include "bfedge/io/image_dataset.hpp"
#include "bfedge/models/tinyvit.hpp"

namespace bfedge::train {
namespace {

namespace fs = std::filesystem;

TinyVitTrainOptions tiny_options(const fs::path& out) {
  TinyVitTrainOptions o;
  o.dataset = ImageDatasetName::fashion_mnist;
  o.config = models::tinyvit_config_for_dataset("tiny_vit_5m_224", o.dataset).value();
  o.config.embed_dims = {8, 16, 16, 16};
  o.config.depths = {1, 1, 1, 1};
  o.config.num_heads = {1, 2, 2, 2};
  o.out_dir = out.string();
  o.epochs = 2;
  o.batch_size = 32;
  o.learning_rate = 3e-3;
  o.limit_train = 320;
  o.limit_test = 200;
  o.log_every = 2;
  return o;
}

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("bfedge_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

bool have_fashion_mnist() { return fs::exists(std::string(io::kFashionMnistDir) + "/train-images-idx3-ubyte.gz"); }

std::vector<std::byte> bytes_of(const fs::path& path) {
  auto r = io::read_file(path.string());
  EXPECT_TRUE(r.is_ok()) << path;
  return r.is_ok() ? r.value() : std::vector<std::byte>{};
}

TEST(TinyVitTrainer, LearnsAndExportsWhatBfedgeLoads) {
  if (!have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const fs::path root = fresh_dir("tinyvit-train");
  TinyVitTrainOptions o = tiny_options(root / "out");
  o.epochs = 4, o.limit_train = 960;
  const Status s = train_tinyvit(o);
  ASSERT_TRUE(s.is_ok()) << s.message();
  auto model = models::load_tinyvit(o.out_dir);
  ASSERT_TRUE(model.is_ok()) << model.status().message();
  EXPECT_EQ(model.value().config.label_names.size(), 10u);
  std::ifstream log(o.out_dir + "/train.jsonl");
  std::string line, last_eval;
  while (std::getline(log, line)) {
    if (line.find("\"event\":\"eval\"") != std::string::npos) last_eval = line;
  }
  ASSERT_NE(last_eval.find("test_accuracy"), std::string::npos) << last_eval;
  const double accuracy = std::stod(last_eval.substr(last_eval.find("\"test_accuracy\":") + 16));
  EXPECT_GT(accuracy, 30.0) << "10 classes: chance is 10 %";
}

TEST(TinyVitTrainer, ResumedRunEndsWithTheSameWeights) {
  if (!have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const fs::path root = fresh_dir("tinyvit-resume");
  TinyVitTrainOptions straight = tiny_options(root / "straight");
  ASSERT_TRUE(train_tinyvit(straight).is_ok());
  TinyVitTrainOptions stopped = tiny_options(root / "stopped");
  stopped.stop_after_steps = 7;  // inside the first epoch (10 steps)
  ASSERT_EQ(train_tinyvit(stopped).code(), ErrorCode::interrupted);
  stopped.resume = true;
  stopped.stop_after_steps = 0;
  const Status last = train_tinyvit(stopped);
  ASSERT_TRUE(last.is_ok()) << last.message();
  EXPECT_EQ(bytes_of(fs::path(stopped.out_dir) / "model.safetensors"),
            bytes_of(fs::path(straight.out_dir) / "model.safetensors"));
}

TEST(TinyVitTrainer, RefusesImagesTheConfigDoesNotTake) {
  if (!have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const fs::path root = fresh_dir("tinyvit-bad");
  TinyVitTrainOptions o = tiny_options(root / "out");
  o.config = models::tinyvit_config_for_dataset("tiny_vit_5m_224", ImageDatasetName::cifar10).value();
  const Status s = train_tinyvit(o);
  EXPECT_EQ(s.message(), "fashion-mnist: images are 28x28x1, the config takes 32x32x3");
}

// Distillation: a student that starts as the teacher is nearly its copy (only BatchNorm's batch vs
// running statistics differ) and starts with a far smaller distillation loss than a fresh model;
// a teacher for other images or classes is refused in one line naming it.
TEST(TinyVitTrainer, DistillsFromATeacherAndStartsFromAFolder) {
  if (!have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const fs::path root = fresh_dir("tinyvit-distill");
  TinyVitTrainOptions teacher = tiny_options(root / "teacher");
  teacher.epochs = 2, teacher.limit_train = 960;  // past chance: logits far from uniform
  ASSERT_TRUE(train_tinyvit(teacher).is_ok());
  const auto distill = [&](const std::string& name, const std::string& init_from) {
    TinyVitTrainOptions o = tiny_options(root / name);
    o.teacher_dir = teacher.out_dir, o.init_from = init_from;
    o.distill_weight = 1.0, o.distill_temperature = 1.0, o.log_every = 1, o.stop_after_steps = 1, o.learning_rate = 1e-9;
    EXPECT_EQ(train_tinyvit(o).code(), ErrorCode::interrupted);
    return first_logged_loss(o.out_dir);
  };
  const double copy = distill("copy", teacher.out_dir), fresh = distill("fresh", "");
  std::printf("distillation loss at step 1: student = teacher %.4f, fresh student %.4f\n", copy, fresh);
  EXPECT_LT(copy, 0.03);       // measured 0.009 (BatchNorm: batch vs running statistics)
  EXPECT_GT(fresh, 5 * copy);  // measured 0.081

  TinyVitTrainOptions other = tiny_options(root / "other");
  other.config.num_classes = 5;
  other.config.label_names.resize(5);
  other.epochs = 1;
  other.teacher_dir = teacher.out_dir;
  EXPECT_EQ(train_tinyvit(other).message(), "--teacher " + teacher.out_dir +
                                                ": its model takes 28x28x1 images and 10 classes, the data 28x28x1 and 5");
}

}  // namespace
}  // namespace bfedge::train
