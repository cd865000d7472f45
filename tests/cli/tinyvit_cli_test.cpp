// bfedge eval, classify and bench tinyvit on a narrow TinyViT written by the test (config.json and
// model.safetensors in timm's layout, BatchNorm unfolded with random statistics) and images it
// encodes (PNG, JPEG; a CIFAR-10-shaped tree for eval): the CLI's FP32 logits are
// tinyvit_forward_f32's on the same batch, bit for bit; eval's confusion matrix is recomputed here;
// --compare bf16 / torch report every named hidden state; bad input is one line naming the file.
// The libtorch cases skip visibly when bfedge was built without it, the trained-model case also
// without Debian's dataset-fashion-mnist.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "bfedge/deploy/footprint.hpp"
#include "bfedge/io/file.hpp"
#include "bfedge/io/image.hpp"
#include "bfedge/io/image_dataset.hpp"
#include "bfedge/io/image_transform.hpp"
#include "bfedge/io/safetensors.hpp"
#include "bfedge/models/tinyvit.hpp"
#include "cli/mcu_cli_support.hpp"
#include "support/image_encode.hpp"
#include "support/test_support.hpp"

namespace bfedge::test {
namespace {

namespace fs = std::filesystem;

// 32×32 RGB as CIFAR-10; stem strides (1, 2) give maps of 16 then 8, and stage 1's 5×5 windows
// pad 8 to 10.
models::TinyVitConfig narrow_config() {
  models::TinyVitConfig c;
  c.architecture = "tiny_vit_5m_224";
  c.embed_dims = {8, 16};
  c.depths = {1, 1};
  c.num_heads = {1, 2};
  c.window_sizes = {8, 5};
  c.image_height = c.image_width = 32;
  c.stem_strides[0] = 1, c.stem_strides[1] = 2;
  c.num_classes = 10;
  c.mean = {io::kCifar10Stats.mean[0], io::kCifar10Stats.mean[1], io::kCifar10Stats.mean[2]};
  c.std = {io::kCifar10Stats.stddev[0], io::kCifar10Stats.stddev[1], io::kCifar10Stats.stddev[2]};
  for (const std::string_view name : io::kCifar10Classes) c.label_names.emplace_back(name);
  return c;
}

// Every timm tensor, random at a trained model's scale: weights N(0, 1/fan_in), norm and BN
// scales near 1, running variances in [0.5, 1.5), small biases and means.
std::vector<io::SafetensorsTensor> random_tensors(const models::TinyVitConfig& c) {
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> uniform(0.5f, 1.5f);
  std::vector<io::SafetensorsTensor> out;
  for (const models::TinyVitTensorSpec& s : models::tinyvit_tensor_specs(c)) {
    io::SafetensorsTensor t{
        s.name, s.is_i64 ? io::TensorDtype::i64 : io::TensorDtype::f32, s.shape, {}};
    if (s.is_i64) {
      t.data.assign(8, std::byte{0});
      out.push_back(std::move(t));
      continue;
    }
    std::vector<float> v(static_cast<std::size_t>(s.elements()));
    std::int64_t fan_in = 1;
    for (std::size_t d = 1; d < s.shape.size(); ++d) fan_in *= s.shape[d];
    for (float& x : v) {
      if (s.name.ends_with("running_var")) {
        x = uniform(rng);
      } else if (s.shape.size() >= 2 && !s.name.ends_with("attention_biases")) {
        x = normal(rng) / std::sqrt(static_cast<float>(fan_in));
      } else if (s.name.ends_with(".weight")) {
        x = 1.0f + 0.1f * normal(rng);
      } else {
        x = 0.1f * normal(rng);
      }
    }
    t.data.resize(v.size() * 4);
    std::memcpy(t.data.data(), v.data(), t.data.size());
    out.push_back(std::move(t));
  }
  return out;
}

nlohmann::json parse_json(const std::string& text) { return nlohmann::json::parse(text); }

bool torch_module_present() {
  return fs::exists(fs::path(BFEDGE_CLI_PATH).parent_path() / "libbfedge_torch.so");
}

class TinyVitCli : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = narrow_config();
    const std::string json = models::tinyvit_config_json(config_);
    ASSERT_TRUE(
        io::write_file_atomically(dir_.file("config.json"), json.data(), json.size()).is_ok());
    auto bytes = io::encode_safetensors(random_tensors(config_), {{"format", "pt"}});
    ASSERT_TRUE(bytes.is_ok()) << bytes.status().message();
    ASSERT_TRUE(io::write_file_atomically(dir_.file("model.safetensors"), bytes.value().data(),
                                          bytes.value().size())
                    .is_ok());
  }

  // A CIFAR-10-shaped tree <root>/test/<class>/<n>.png: two images per class.
  std::string write_tree() const {
    const fs::path root = data_.path() / "cifar";
    unsigned seed = 1;
    for (const std::string_view name : io::kCifar10Classes) {
      fs::create_directories(root / "test" / name);
      for (int i = 0; i < 2; ++i) {
        write_bytes((root / "test" / name / (std::to_string(i) + ".png")).string(),
                    encode_png(32, 32, 3, test_pixels(32, 32, 3, seed++)));
      }
    }
    return root.string();
  }

  // tinyvit_forward_f32 on these images as one batch, normalized with the config's mean and std.
  std::vector<float> reference_logits(const std::vector<io::Image>& images) const {
    auto model = models::load_tinyvit(dir());
    EXPECT_TRUE(model.is_ok()) << model.status().message();
    const io::ChannelStats stats = {3,
                                    {config_.mean[0], config_.mean[1], config_.mean[2], 0.0},
                                    {config_.std[0], config_.std[1], config_.std[2], 0.0}};
    const std::size_t floats = 32 * 32 * 3;
    std::vector<float> input(images.size() * floats);
    for (std::size_t i = 0; i < images.size(); ++i) {
      EXPECT_TRUE(io::normalize_image(images[i].pixels.data(), 32, 32, 3, stats,
                                      io::TensorLayout::hwc,
                                      std::span(input).subspan(i * floats, floats))
                      .is_ok());
    }
    auto out = models::tinyvit_forward_f32(model.value().config, model.value().weights, input,
                                           static_cast<int>(images.size()));
    EXPECT_TRUE(out.is_ok()) << out.status().message();
    return out.value().logits;
  }

  CommandResult cli(std::vector<std::string> args) const {
    return run_cli(args, {{"BFEDGE_CACHE_DIR=" + data_.file("cache")}, ""});
  }

  std::string dir() const { return dir_.path().string(); }

  TempDir dir_, data_;
  models::TinyVitConfig config_;
};

TEST_F(TinyVitCli, ClassifyJsonIsTheForwardPassOfPngAndJpeg) {
  const std::string png = data_.file("a.png"), jpeg = data_.file("b.jpg");
  write_bytes(png, encode_png(32, 32, 3, test_pixels(32, 32, 3, 5)));
  write_bytes(jpeg, encode_jpeg(32, 32, 3, test_pixels(32, 32, 3, 6)));
  const CommandResult r = cli({"classify", dir(), png, jpeg, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<io::Image> images = {io::read_image(png).value(), io::read_image(jpeg).value()};
  const std::vector<float> expected = reference_logits(images);
  std::istringstream lines(r.out);
  std::string line;
  for (std::size_t i = 0; i < 2; ++i) {
    ASSERT_TRUE(std::getline(lines, line));
    const auto j = parse_json(line);
    EXPECT_EQ(j["path"], i == 0 ? png : jpeg);
    const auto logits = j["logits"].get<std::vector<float>>();
    ASSERT_EQ(logits.size(), 10u);
    for (std::size_t k = 0; k < 10; ++k)
      EXPECT_EQ(logits[k], expected[i * 10 + k]) << "image " << i << " class " << k;
    const auto top =
        static_cast<std::size_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    EXPECT_EQ(j["label"], std::string(io::kCifar10Classes[top]));
    double sum = 0;
    for (const double p : j["probabilities"].get<std::vector<double>>()) sum += p;
    EXPECT_NEAR(sum, 1.0, 1e-9);
  }
  EXPECT_FALSE(std::getline(lines, line));

  // The text line: path, label, the three most likely classes; bf16 gives the same layout.
  const CommandResult text = cli({"classify", dir(), png, "--dtype", "bf16", "--batch", "1"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_TRUE(text.out.starts_with(png + "\t")) << text.out;
  EXPECT_EQ(std::count(text.out.begin(), text.out.end(), '='), 3) << text.out;
}

TEST_F(TinyVitCli, EvalAccuracyAndConfusionAreTheForwardPass) {
  const std::string tree = write_tree();
  const CommandResult r = cli({"eval", dir(), "--data", tree, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = parse_json(r.out);
  io::CacheOptions no_cache;
  no_cache.enabled = false;
  auto data = io::load_cifar10(tree, "test", no_cache);
  ASSERT_TRUE(data.is_ok()) << data.status().message();
  std::vector<io::Image> images;
  for (std::size_t i = 0; i < data.value().size(); ++i) {
    const std::uint8_t* p = data.value().image(i);
    images.push_back({32, 32, 3, std::vector<std::uint8_t>(p, p + 32 * 32 * 3)});
  }
  const std::vector<float> logits = reference_logits(images);
  std::vector<std::vector<std::int64_t>> confusion(10, std::vector<std::int64_t>(10, 0));
  std::int64_t correct = 0;
  for (std::size_t i = 0; i < images.size(); ++i) {
    const auto row = logits.begin() + static_cast<std::ptrdiff_t>(i * 10);
    const auto predicted = static_cast<std::size_t>(std::max_element(row, row + 10) - row);
    const auto truth = static_cast<std::size_t>(data.value().labels[i]);
    correct += predicted == truth;
    ++confusion[truth][predicted];
  }
  EXPECT_EQ(j["examples"], 20);
  EXPECT_EQ(j["correct"], correct);
  EXPECT_EQ(j["confusion"].get<std::vector<std::vector<std::int64_t>>>(), confusion);
  EXPECT_EQ(j["labels"][3], "cat");
  EXPECT_EQ(j["batch"], 64);

  // Text output, a smaller last batch and --limit.
  const CommandResult text =
      cli({"eval", dir(), "--data", tree, "--batch", "7", "--limit", "15", "--dtype", "bf16"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("examples     15\n"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("confusion (rows: true label, columns: predicted)"), std::string::npos);
  EXPECT_NE(text.out.find("automobile"), std::string::npos);
}

// The splits are sorted by class: --limit takes every (size / N)-th image, not the first N.
TEST_F(TinyVitCli, EvalLimitSpreadsOverTheClasses) {
  const CommandResult r = cli({"eval", dir(), "--data", write_tree(), "--limit", "10", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = parse_json(r.out);
  EXPECT_EQ(j["examples"], 10);
  for (const auto& row : j["confusion"]) {
    std::int64_t sum = 0;
    for (const auto& n : row) sum += n.get<std::int64_t>();
    EXPECT_EQ(sum, 1) << r.out;
  }
}

TEST_F(TinyVitCli, EvalCompareBf16ReportsEveryHiddenStateByName) {
  const std::string tree = write_tree();
  const CommandResult r =
      cli({"eval", dir(), "--data", tree, "--compare", "bf16", "--batch", "6", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto cmp = parse_json(r.out)["compare"];
  EXPECT_EQ(cmp["with"], "bfedge bf16");
  const std::vector<std::string> names = {"stem", "stages.0.blocks.0", "stages.1.downsample",
                                          "stages.1.blocks.0"};
  EXPECT_EQ(cmp["hidden_states"].get<std::vector<std::string>>(), names);
  ASSERT_EQ(cmp["hidden_state_nmse"].size(), names.size());
  for (const auto& v : cmp["hidden_state_nmse"]) {
    EXPECT_GT(v.get<double>(), 0.0);
    EXPECT_LE(v.get<double>(), 1e-3);
  }
  EXPECT_LE(cmp["logits_nmse"].get<double>(), 1e-3);

  const CommandResult text =
      cli({"eval", dir(), "--data", tree, "--compare", "f32", "--dtype", "bf16"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("compared with bfedge f32 on the same batches"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("  stages.1.downsample "), std::string::npos) << text.out;
}

// libtorch FP32 on the same folder (train::import_tinyvit, BatchNorm unfolded): bfedge's FP32
// reference within NMSE 1e-10 at every hidden state.
TEST_F(TinyVitCli, EvalCompareTorchMatchesTheReference) {
  if (!torch_module_present())
    GTEST_SKIP() << "libbfedge_torch.so absent (built without libtorch): skipped";
  const std::string tree = write_tree();
  const CommandResult r =
      cli({"eval", dir(), "--data", tree, "--compare", "torch", "--json", "--batch", "8"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto cmp = parse_json(r.out)["compare"];
  EXPECT_EQ(cmp["with"], "libtorch f32");
  EXPECT_EQ(cmp["hidden_states"].size(), 4u);
  for (const auto& v : cmp["hidden_state_nmse"]) EXPECT_LE(v.get<double>(), 1e-10);
  EXPECT_LE(cmp["logits_nmse"].get<double>(), 1e-10);
  EXPECT_EQ(cmp["agreement"].get<double>(), 100.0);
}

// inspect: the config, timm's parameter count per component, and the MCU footprint that
// deploy::GraphFootprintModel computes for the same config.
TEST_F(TinyVitCli, InspectShowsCountsAndTheMcuFootprint) {
  const CommandResult r = cli({"inspect", dir(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["format"], "timm tiny_vit");
  EXPECT_EQ(j["embed_dims"], config_.embed_dims);
  const models::TinyVitParameterCounts n = models::tinyvit_parameter_counts(config_);
  EXPECT_EQ(j["parameters"]["total"]["parameters"], n.total());
  EXPECT_EQ(j["parameters"]["total"]["bytes_bf16"], 2 * n.total());
  EXPECT_EQ(j["parameters"]["stage 1"]["parameters"], n.stages[1]);
  const deploy::Footprint f = deploy::GraphFootprintModel().tinyvit(config_).value();
  EXPECT_EQ(j["mcu_footprint"]["weight_bytes"], f.weight_bytes);
  EXPECT_EQ(j["mcu_footprint"]["activation_peak_bytes"], f.activation_peak_bytes);
  EXPECT_EQ(j["mcu_footprint"]["macs"], f.macs);
  EXPECT_EQ(j["mcu_footprint"]["weights_in"], "L2");
  const CommandResult text = cli({"inspect", dir()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("activation_peak_bytes"), std::string::npos) << text.out;
  // A config.json that does not match model.safetensors: one line naming the file.
  nlohmann::json config = nlohmann::json::parse(read_text(dir_.file("config.json")));
  config["num_classes"] = 11;
  config.erase("label_names");
  const std::string json = config.dump(2);
  write_bytes(dir_.file("config.json"), std::vector<std::uint8_t>(json.begin(), json.end()));
  const CommandResult bad = cli({"inspect", dir()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find(dir_.file("model.safetensors")), std::string::npos) << bad.err;
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
}

TEST_F(TinyVitCli, BadInputIsOneLineNamingTheFile) {
  const auto one_line = [](const CommandResult& r) {
    return std::count(r.err.begin(), r.err.end(), '\n') == 1 && r.out.empty();
  };
  const std::string small = data_.file("small.png");
  write_bytes(small, encode_png(16, 24, 3, test_pixels(16, 24, 3, 1)));
  const CommandResult size = cli({"classify", dir(), small});
  EXPECT_EQ(size.exit_code, 2);
  EXPECT_EQ(size.err, "bfedge: error: " + small +
                          ": 24×16 pixels; the model takes 32×32 (bfedge does not resize)\n");

  const std::string gray = data_.file("gray.png");
  write_bytes(gray, encode_png(32, 32, 1, test_pixels(32, 32, 1, 2)));
  const CommandResult channels = cli({"classify", dir(), gray});
  EXPECT_EQ(channels.exit_code, 2);
  EXPECT_EQ(channels.err,
            "bfedge: error: " + gray + ": 1 channel (gray); the model takes 3 (RGB)\n");

  std::vector<std::uint8_t> bytes = encode_png(32, 32, 3, test_pixels(32, 32, 3, 3));
  bytes.resize(bytes.size() / 2);
  const std::string corrupt = data_.file("corrupt.png");
  write_bytes(corrupt, bytes);
  const std::string good = data_.file("good.png");
  write_bytes(good, encode_png(32, 32, 3, test_pixels(32, 32, 3, 4)));
  const CommandResult broken =
      cli({"classify", dir(), good, corrupt});  // nothing printed for good.png either
  EXPECT_NE(broken.exit_code, 0);
  EXPECT_TRUE(one_line(broken)) << broken.out << broken.err;
  EXPECT_TRUE(broken.err.starts_with("bfedge: error: " + corrupt + ": ")) << broken.err;

  const CommandResult dataset = cli({"eval", dir(), "--data", "imagenet"});
  EXPECT_EQ(dataset.exit_code, 2);
  EXPECT_EQ(
      dataset.err,
      "bfedge: error: --data 'imagenet' is neither cifar10, fashion-mnist nor an existing path\n");

  const CommandResult split = cli({"eval", dir(), "--data", "cifar10", "--split", "val"});
  EXPECT_EQ(split.exit_code, 2);
  EXPECT_EQ(split.err, "bfedge: error: --split 'val' is not test or train\n");

  const CommandResult none = cli({"classify", dir()});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_TRUE(one_line(none)) << none.err;
}

// A model trained by `bfedge train tinyvit` (BatchNorm statistics from training) on a few
// Fashion-MNIST images: eval reads it, and libtorch agrees with bfedge's FP32 on it.
TEST_F(TinyVitCli, EvalOfATrainedModelMatchesLibtorch) {
  if (!torch_module_present())
    GTEST_SKIP() << "libbfedge_torch.so absent (built without libtorch): skipped";
  if (!fs::exists(fs::path(io::kFashionMnistDir) / "t10k-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << io::kFashionMnistDir << " absent (install dataset-fashion-mnist): skipped";
  }
  const std::string out = data_.file("trained");
  const CommandResult train =
      cli({"train", "tinyvit", "--dataset", "fashion-mnist", "--out", out, "--epochs", "1",
           "--limit", "128", "--limit-test", "64", "--batch", "64"});
  ASSERT_EQ(train.exit_code, 0) << train.err;
  const CommandResult r = cli(
      {"eval", out, "--data", "fashion-mnist", "--limit", "32", "--compare", "torch", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = parse_json(r.out);
  EXPECT_EQ(j["examples"], 32);
  EXPECT_EQ(j["labels"][9], "Ankle boot");
  for (const auto& v : j["compare"]["hidden_state_nmse"]) EXPECT_LE(v.get<double>(), 1e-9);
  EXPECT_EQ(j["compare"]["agreement"].get<double>(), 100.0);
}

TEST_F(TinyVitCli, BenchRunsOnTheFolderAndOnRandomWeights) {
  const CommandResult r = cli({"bench", "tinyvit", "--model", dir(), "--repeat", "1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = parse_json(r.out);
  EXPECT_GT(j["macs_per_forward"].get<std::int64_t>(), 0);
  EXPECT_GT(j["bfedge_bf16_images_per_s"].get<double>(), 0.0);
  if (torch_module_present()) {
    EXPECT_GT(j["ratio_bfedge_vs_torch_f32"].get<double>(), 0.0);
  } else {
    EXPECT_TRUE(j.contains("torch"));
  }
  const CommandResult text = cli({"bench", "tinyvit", "--repeat", "1"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("tiny_vit_5m_224 32x32, random weights"), std::string::npos) << text.out;
  const CommandResult bad = cli({"bench", "tinyvit", "--image-size", "64"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err,
            "bfedge: error: --image-size 64 has no plan: 32 (CIFAR-10), 28 (Fashion-MNIST) or 224 "
            "(timm's "
            "tiny_vit_5m_224)\n");
}

// The deploy compiler's vision path end to end: the narrow TinyViT emitted with the first three
// test images of a CIFAR-shaped tree, built for the host and as RV32 firmware, run on the emulated
// 8-core MCU under QEMU, and its logits compared with the host library's.
TEST_F(TinyVitCli, DeployedToTheMcuItsLogitsEqualTheHostLibrarysBitForBit) {
  SKIP_WITHOUT_MCU();
  const std::string out = (data_.path() / "tinyvit").string();
  CommandResult r = cli({"deploy", dir(), "--data", write_tree(), "--examples", "3", "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = cli({"mcu", "run", out});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("outputs: identical to the host library's (bit for bit)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("modeled cycles per inference: "), std::string::npos) << r.out;
  // The images' labels travel with the project: the MCU's and the host's accuracy on them.
  EXPECT_EQ(test::read_text(out + "/labels.json").rfind("{\"labels\": [", 0), 0u);
  EXPECT_NE(r.out.find("accuracy on the 3 labelled inputs: MCU "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3 of 3 get the same class on both"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace bfedge::test
