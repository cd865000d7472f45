// bfedge classify and eval on a tiny random MobileBERT written by the test (config.json,
// vocab.txt, model.safetensors in HF layout): the CLI's logits are mobilebert_forward_f32's on
// the same padded batch, bit for bit; eval's accuracy and confusion matrix are recomputed here
// from that forward pass; bad input of every kind is one line naming the file and the problem.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "bfedge/io/file.hpp"
#include "bfedge/io/safetensors.hpp"
#include "bfedge/io/wordpiece.hpp"
#include "bfedge/models/mobilebert.hpp"
#include "cli/mcu_cli_support.hpp"
#include "support/test_support.hpp"

namespace bfedge::test {
namespace {

constexpr const char* kConfig = R"({"model_type": "mobilebert", "vocab_size": 40, "embedding_size": 8,
  "hidden_size": 32, "intra_bottleneck_size": 16, "intermediate_size": 24, "num_hidden_layers": 2,
  "num_attention_heads": 2, "num_feedforward_networks": 2, "max_position_embeddings": 16,
  "id2label": {"0": "NEG", "1": "MID", "2": "POS"}})";

constexpr const char* kVocab[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the",  "a",
                                  "film",  "movie", "is",    "not",   "good",   "bad",  "great",
                                  "dull",  "fine",  "very",  "plot",  ".",      "!",    ",",
                                  "##s",   "##ly",  "act",   "##ing", "slow",   "fun"};

std::vector<std::byte> f32_bytes(const std::vector<float>& v) {
  std::vector<std::byte> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// Every tensor of the sequence-classification head, random: norm weights near 1, linear weights
// ~ N(0, 1/in), biases small, embeddings ~ N(0, 0.5^2).
std::vector<io::SafetensorsTensor> random_tensors(const models::MobileBertConfig& c) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<io::SafetensorsTensor> out;
  for (const auto& s : models::mobilebert_tensor_specs(c, models::MobileBertHead::sequence_classification)) {
    std::vector<float> v(static_cast<std::size_t>(s.elements()));
    const bool norm = s.name.find("LayerNorm") != std::string::npos, weight = s.name.ends_with(".weight");
    const float scale = s.name.find("_embeddings.") != std::string::npos ? 0.5f
                        : (weight && !norm) ? 1.0f / std::sqrt(static_cast<float>(s.shape[1]))
                                            : 0.1f;
    for (float& x : v) x = (norm && weight ? 1.0f : 0.0f) + scale * normal(rng);
    out.push_back({s.name, io::TensorDtype::f32, s.shape, f32_bytes(v)});
  }
  return out;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// A safetensors file from a raw header text and `data_bytes` zero bytes of data.
std::string raw_safetensors(const std::string& header, std::size_t data_bytes, std::uint64_t length_field = 0) {
  const std::uint64_t length = length_field != 0 ? length_field : header.size();
  std::string out(8, '\0');
  std::memcpy(out.data(), &length, 8);
  return out + header + std::string(data_bytes, '\0');
}

class MobileBertCli : public ::testing::Test {
 public:  // the bad-input cases below break the directory through these
  void SetUp() override {
    auto config = models::parse_mobilebert_config(kConfig, "config.json");
    ASSERT_TRUE(config.is_ok()) << config.status().message();
    config_ = config.value();
    write_text(dir_.file("config.json"), kConfig);
    std::string vocab;
    for (const char* token : kVocab) vocab += std::string(token) + "\n";
    write_text(dir_.file("vocab.txt"), vocab);
    write_tensors(random_tensors(config_));
  }

  void write_tensors(const std::vector<io::SafetensorsTensor>& tensors) const {
    auto file = io::encode_safetensors(tensors);
    ASSERT_TRUE(file.is_ok()) << file.status().message();
    ASSERT_TRUE(io::write_file_atomically(weights_, file.value().data(), file.value().size()).is_ok());
  }

  // mobilebert_forward_f32 on the texts, batch by batch as the CLI pads them.
  std::vector<std::vector<float>> forward(const std::vector<std::string>& texts, std::size_t batch = 32,
                                          int max_length = 16) const {
    auto model = models::load_mobilebert(dir());
    auto tokenizer = io::WordPieceTokenizer::load(dir_.file("vocab.txt"));
    EXPECT_TRUE(model.is_ok() && tokenizer.is_ok());
    std::vector<std::vector<float>> logits;
    for (std::size_t first = 0; first < texts.size(); first += batch) {
      const auto part = std::span(texts).subspan(first, std::min(batch, texts.size() - first));
      auto b = tokenizer.value().encode_batch(part, max_length);
      EXPECT_TRUE(b.is_ok());
      auto out = models::mobilebert_forward_f32(model.value().config, model.value().weights,
                                                {b.value().ids, b.value().attention_mask, {}, b.value().rows, b.value().length});
      EXPECT_TRUE(out.is_ok()) << out.status().message();
      for (int r = 0; r < b.value().rows; ++r) {
        const auto row = out.value().logits.begin() + r * config_.num_labels;
        logits.emplace_back(row, row + config_.num_labels);
      }
    }
    return logits;
  }

  static int argmax(const std::vector<float>& v) {
    return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
  }

  std::string dir() const { return dir_.path().string(); }

  TempDir dir_;
  models::MobileBertConfig config_;
  std::string weights_ = dir_.file("model.safetensors");
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

const std::vector<std::string> kTexts = {"a good film", "", "The movie is NOT great!",
                                         "very very slow acting , dull plot . the film is bad , not fun at all"};

TEST_F(MobileBertCli, ClassifyJsonIsTheForwardPass) {
  std::vector<std::string> args = {"classify", dir(), "--json", "--max-length", "12"};
  args.insert(args.end(), kTexts.begin(), kTexts.end());
  const CommandResult r = run_cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), kTexts.size()) << r.out;
  const auto expected = forward(kTexts, 32, 12);
  const char* names[] = {"NEG", "MID", "POS"};
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto j = nlohmann::json::parse(lines[i]);
    EXPECT_EQ(j["text"], kTexts[i]);
    ASSERT_EQ(j["logits"].size(), 3u);
    double sum = 0.0;
    for (std::size_t k = 0; k < 3; ++k) {
      EXPECT_EQ(j["logits"][k].get<float>(), expected[i][k]) << "text " << i << " label " << k;
      sum += j["probabilities"][k].get<double>();
    }
    EXPECT_NEAR(sum, 1.0, 1e-12);
    EXPECT_EQ(j["label_id"], argmax(expected[i]));
    EXPECT_EQ(j["label"], names[argmax(expected[i])]);
  }
  EXPECT_EQ(nlohmann::json::parse(lines[1])["tokens"], 2) << "an empty text is [CLS] [SEP]";
  EXPECT_EQ(nlohmann::json::parse(lines[0])["truncated"], false);
  EXPECT_EQ(nlohmann::json::parse(lines[3])["truncated"], true);
  EXPECT_EQ(nlohmann::json::parse(lines[3])["tokens"], 12);
}

TEST_F(MobileBertCli, ClassifyTextLinesAndThreadsAndStdin) {
  std::vector<std::string> args = {"classify", dir()};
  args.insert(args.end(), kTexts.begin(), kTexts.end());
  const CommandResult r = run_cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), kTexts.size()) << r.out;
  const auto expected = forward(kTexts);
  const char* names[] = {"NEG", "MID", "POS"};
  for (std::size_t i = 0; i < lines.size(); ++i) {
    // "POS<TAB>NEG=0.1 MID=0.2 POS=0.7"
    std::istringstream in(lines[i]);
    std::string label, field;
    std::getline(in, label, '\t');
    EXPECT_EQ(label, names[argmax(expected[i])]) << lines[i];
    double sum = 0.0;
    for (int k = 0; in >> field && field != "truncated"; ++k) {
      ASSERT_LT(k, 3) << lines[i];
      ASSERT_EQ(field.rfind(std::string(names[k]) + "=", 0), 0u) << lines[i];
      sum += std::stod(field.substr(field.find('=') + 1));
    }
    EXPECT_NEAR(sum, 1.0, 5e-6) << lines[i];
  }
  // Rows are independent: the thread count changes nothing; a batch of 4 is the same batch.
  args.insert(args.end(), {"--threads", "3", "--batch", "4"});
  const CommandResult threaded = run_cli(args);
  ASSERT_EQ(threaded.exit_code, 0) << threaded.err;
  EXPECT_EQ(threaded.out, r.out);
  // No texts: each line of stdin ("\r\n" ends a line too, the last may lack its "\n").
  std::string input;
  for (const std::string& t : kTexts) input += t + (t.empty() ? "\r\n" : "\n");
  input.pop_back();
  const CommandResult piped = run_cli_with_stdin({"classify", dir()}, input);
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_EQ(piped.out, r.out);
}

TEST_F(MobileBertCli, EvalAccuracyAndConfusionAreTheForwardPasss) {
  const std::vector<std::string> texts = {"a good film",  "bad",      "the plot is dull", "fun fun fun",
                                          "not great !",  "fine",     "slow movie",       "very good acting",
                                          "the film , the movie", "! ! !"};
  const int labels[] = {2, 0, 0, 2, 1, 1, 0, 2, 1, 0};
  std::string tsv = "sentence\tlabel\n";
  for (std::size_t i = 0; i < texts.size(); ++i) tsv += texts[i] + "\t" + std::to_string(labels[i]) + "\n";
  const std::string data = dir_.file("dev.tsv");
  write_text(data, tsv);
  for (const std::size_t limit : {texts.size(), std::size_t{7}}) {
    SCOPED_TRACE(limit);
    const CommandResult r = run_cli({"eval", dir(), "--data", data, "--batch", "4", "--json", "--limit",
                                     std::to_string(limit)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    const auto expected = forward(std::vector<std::string>(texts.begin(), texts.begin() + static_cast<std::ptrdiff_t>(limit)), 4);
    std::vector<std::vector<int>> confusion(3, std::vector<int>(3, 0));
    int correct = 0;
    for (std::size_t i = 0; i < limit; ++i) {
      correct += argmax(expected[i]) == labels[i];
      ++confusion[static_cast<std::size_t>(labels[i])][static_cast<std::size_t>(argmax(expected[i]))];
    }
    EXPECT_EQ(j["examples"], limit);
    EXPECT_EQ(j["correct"], correct);
    EXPECT_DOUBLE_EQ(j["accuracy"].get<double>(), 100.0 * correct / static_cast<double>(limit));
    EXPECT_EQ(j["confusion"], nlohmann::json(confusion));
    EXPECT_EQ(j["labels"], nlohmann::json({"NEG", "MID", "POS"}));
    EXPECT_EQ(j["dtype"], "f32");
  }
  const CommandResult text = run_cli({"eval", dir(), "--data", data});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("accuracy"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("confusion (rows: true label, columns: predicted)"), std::string::npos) << text.out;
  EXPECT_EQ(text.err, "") << "no progress line when stderr is not a terminal";
}

// ---- BF16 and comparisons ----

// classify --dtype bf16 against the FP32 forward on the same batch: close logits, same labels.
// With a zero [PAD] embedding (as HF's padding_idx keeps it) the BF16 classifier pads lengths up
// to a multiple of 16, which must change nothing.
void expect_bf16_close_to_f32(const MobileBertCli& t, const std::string& threads) {
  std::vector<std::string> args = {"classify", t.dir(), "--json", "--max-length", "12", "--dtype", "bf16",
                                   "--threads", threads};
  args.insert(args.end(), kTexts.begin(), kTexts.end());
  const CommandResult r = run_cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), kTexts.size()) << r.out;
  const auto expected = t.forward(kTexts, 32, 12);
  double error = 0, reference = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto j = nlohmann::json::parse(lines[i]);
    for (std::size_t k = 0; k < 3; ++k) {
      const double d = j["logits"][k].get<double>() - expected[i][k];
      error += d * d;
      reference += static_cast<double>(expected[i][k]) * expected[i][k];
    }
    EXPECT_EQ(j["label_id"], MobileBertCli::argmax(expected[i])) << "text " << i;
  }
  EXPECT_GT(error, 0.0) << "bf16 gave exactly the f32 logits: was the BF16 graph run?";
  EXPECT_LE(error / reference, 1e-3);
}

TEST_F(MobileBertCli, ClassifyBf16IsCloseToF32) {
  expect_bf16_close_to_f32(*this, "1");
  expect_bf16_close_to_f32(*this, "2");
  auto tensors = random_tensors(config_);
  for (auto& t : tensors) {
    if (t.name == "mobilebert.embeddings.word_embeddings.weight") std::fill_n(t.data.begin(), 4 * 8, std::byte{0});
  }
  write_tensors(tensors);
  expect_bf16_close_to_f32(*this, "1");
}

TEST_F(MobileBertCli, EvalCompareReportsAgreementAndLayerNmse) {
  std::string tsv = "sentence\tlabel\n";
  for (std::size_t i = 0; i < kTexts.size(); ++i) tsv += (kTexts[i].empty() ? "." : kTexts[i]) + "\t" + std::to_string(i % 3) + "\n";
  const std::string data = dir_.file("dev.tsv");
  write_text(data, tsv);
  const CommandResult r = run_cli({"eval", dir(), "--data", data, "--dtype", "bf16", "--compare", "f32", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto& cmp = j["compare"];
  EXPECT_EQ(cmp["with"], "bfedge f32");
  ASSERT_EQ(cmp["hidden_state_nmse"].size(), static_cast<std::size_t>(config_.num_hidden_layers + 1));
  // This fixture's weights are larger than HF's init (linears ~ N(0, 1/in)), so BF16's error is a
  // little above the 1e-4 the HF-shaped weights of tests/models/mobilebert_bf16_test.cpp meet.
  for (const auto& v : cmp["hidden_state_nmse"]) {
    EXPECT_GT(v.get<double>(), 0.0);
    EXPECT_LE(v.get<double>(), 1e-3);
  }
  EXPECT_EQ(cmp["agreement"].get<double>(), 100.0);
  EXPECT_EQ(cmp["accuracy"].get<double>(), j["accuracy"].get<double>());

  const CommandResult text = run_cli({"eval", dir(), "--data", data, "--compare", "bf16"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("compared with bfedge bf16 on the same batches"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("worst layer"), std::string::npos) << text.out;

  const CommandResult bad = run_cli({"eval", dir(), "--data", data, "--compare", "f16"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err, "bfedge: error: --compare 'f16' is not f32, bf16, torch or torch-bf16\n");
}

// libtorch FP32 on the same weights: bfedge's FP32 reference within NMSE 1e-10 at every layer.
TEST_F(MobileBertCli, EvalCompareTorchMatchesTheReference) {
  const std::filesystem::path module = std::filesystem::path(BFEDGE_CLI_PATH).parent_path() / "libbfedge_torch.so";
  if (!std::filesystem::exists(module)) GTEST_SKIP() << module << " absent (built without libtorch): skipped";
  std::string tsv = "sentence\tlabel\n";
  for (std::size_t i = 0; i < kTexts.size(); ++i) tsv += (kTexts[i].empty() ? "." : kTexts[i]) + "\t" + std::to_string(i % 3) + "\n";
  const std::string data = dir_.file("dev.tsv");
  write_text(data, tsv);
  const CommandResult r = run_cli({"eval", dir(), "--data", data, "--compare", "torch", "--json", "--batch", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto cmp = nlohmann::json::parse(r.out)["compare"];
  EXPECT_EQ(cmp["with"], "libtorch f32");
  for (const auto& v : cmp["hidden_state_nmse"]) EXPECT_LE(v.get<double>(), 1e-10);
  EXPECT_LE(cmp["logits_nmse"].get<double>(), 1e-10);
  EXPECT_EQ(cmp["agreement"].get<double>(), 100.0);

  const CommandResult bf16 = run_cli({"eval", dir(), "--data", data, "--compare", "torch-bf16", "--json"});
  ASSERT_EQ(bf16.exit_code, 0) << bf16.err;
  const auto against_bf16 = nlohmann::json::parse(bf16.out)["compare"];
  EXPECT_EQ(against_bf16["with"], "libtorch bf16");
  for (const auto& v : against_bf16["hidden_state_nmse"]) {
    EXPECT_GT(v.get<double>(), 1e-10) << "libtorch's BF16 path gave FP32's numbers";
    EXPECT_LE(v.get<double>(), 1e-2);
  }
}

// train: a bad dataset line is one error line naming file and line, and nothing is written.
TEST_F(MobileBertCli, TrainRefusesABadDatasetLineAndWritesNothing) {
  const std::filesystem::path module = std::filesystem::path(BFEDGE_CLI_PATH).parent_path() / "libbfedge_torch.so";
  if (!std::filesystem::exists(module)) GTEST_SKIP() << module << " absent (built without libtorch): skipped";
  const std::string data = dir_.file("train.tsv"), out = dir_.file("trained");
  write_text(data, "sentence\tlabel\na good film\t1\nbad\tx\n");
  const CommandResult r = run_cli({"train", "mobilebert", "--data", data, "--out", out, "--vocab", dir_.file("vocab.txt"),
                                   "--set", "vocab_size=27"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "bfedge: error: " + data + ":3: label 'x' is not an integer\n");
  EXPECT_FALSE(std::filesystem::exists(out));
  const CommandResult bad_set = run_cli({"train", "mobilebert", "--data", data, "--out", out, "--set", "hidden_size=0"});
  EXPECT_EQ(bad_set.exit_code, 2);
  EXPECT_NE(bad_set.err.find("--set hidden_size=0: hidden_size"), std::string::npos) << bad_set.err;
  EXPECT_FALSE(std::filesystem::exists(out));
}

// train then classify: a two-epoch run on a tiny task writes a folder classify and eval read.
TEST_F(MobileBertCli, TrainWritesAFolderClassifyReads) {
  const std::filesystem::path module = std::filesystem::path(BFEDGE_CLI_PATH).parent_path() / "libbfedge_torch.so";
  if (!std::filesystem::exists(module)) GTEST_SKIP() << module << " absent (built without libtorch): skipped";
  std::string tsv = "sentence\tlabel\n";
  for (int i = 0; i < 16; ++i) tsv += std::string(i % 2 ? "a good film" : "a bad film") + "\t" + (i % 2 ? "1" : "0") + "\n";
  const std::string data = dir_.file("train.tsv"), out = dir_.file("trained");
  write_text(data, tsv);
  const CommandResult r = run_cli({"train", "mobilebert", "--data", data, "--dev", data, "--out", out, "--vocab",
                                   dir_.file("vocab.txt"), "--epochs", "2", "--batch", "8", "--labels", "neg", "pos",
                                   "--set", "vocab_size=27", "--set", "num_hidden_layers=1", "--set", "hidden_size=16",
                                   "--set", "intra_bottleneck_size=8", "--set", "embedding_size=8",
                                   "--set", "intermediate_size=16", "--set", "max_position_embeddings=16"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("epoch 2: dev accuracy"), std::string::npos) << r.err;
  for (const char* f : {"config.json", "model.safetensors", "vocab.txt", "train.jsonl", "checkpoint/state.json"}) {
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(out) / f)) << f;
  }
  const CommandResult c = run_cli({"classify", out, "a good film", "--dtype", "bf16"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_TRUE(c.out.starts_with("neg\t") || c.out.starts_with("pos\t")) << c.out;
  const CommandResult again = run_cli({"train", "mobilebert", "--data", data, "--out", out, "--vocab", dir_.file("vocab.txt"),
                                       "--set", "vocab_size=27"});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("holds a training checkpoint; pass --resume"), std::string::npos) << again.err;
}

// ---- bad input ----

struct BadCase {
  const char* what;
  std::function<void(MobileBertCli&)> breaks;  // breaks the model directory or writes a file
  std::vector<std::string> args;               // after "classify DIR" / "eval DIR --data D"
  std::vector<std::string> fragments;          // "{dir}" and "{data}" are replaced
  bool classify = true, eval = true;
};

class MobileBertCliBadInput : public MobileBertCli {
 protected:
  std::string expand(std::string s) const {
    for (const auto& [key, value] : {std::pair<std::string, std::string>{"{dir}", dir()}, {"{data}", data_}}) {
      for (std::size_t at; (at = s.find(key)) != std::string::npos;) s.replace(at, key.size(), value);
    }
    return s;
  }

  void expect_clean_failure(const std::vector<std::string>& args, const std::vector<std::string>& fragments) const {
    SCOPED_TRACE(::testing::PrintToString(args));
    const CommandResult r = run_cli(args);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_LT(r.exit_code, 128) << "killed by a signal";
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
    EXPECT_EQ(r.err.rfind("bfedge: error: ", 0), 0u) << r.err;
    for (const std::string& f : fragments) {
      EXPECT_NE(r.err.find(expand(f)), std::string::npos) << "stderr: " << r.err << "expected: " << expand(f);
    }
  }

  std::string data_ = dir_.file("dev.tsv");
};

TEST_F(MobileBertCliBadInput, EachIsOneLineNamingTheFileAndTheProblem) {
  const std::string t = R"("dtype":"F32","shape":[2,3],"data_offsets":)";
  const auto weights = [](std::string bytes) {
    return [bytes](MobileBertCli& m) { write_text(m.dir_.file("model.safetensors"), bytes); };
  };
  const auto config = [](std::string text) {
    return [text](MobileBertCli& m) { write_text(m.dir_.file("config.json"), text); };
  };
  const auto data = [](std::string text) {
    return [text](MobileBertCli& m) { write_text(m.dir_.file("dev.tsv"), text); };
  };
  const auto edit_tensors = [](std::function<void(std::vector<io::SafetensorsTensor>&)> edit) {
    return [edit](MobileBertCli& m) {
      auto tensors = random_tensors(m.config_);
      edit(tensors);
      m.write_tensors(tensors);
    };
  };
  const auto remove = [](std::string name) {
    return [name](MobileBertCli& m) { std::filesystem::remove(m.dir_.file(name)); };
  };
  const auto none = [](MobileBertCli&) {};
  const std::string bad_json_config = std::string(kConfig).substr(0, 40);
  std::string extra_field = kConfig;
  extra_field.insert(1, R"("is_decoder": true, )");
  std::string tanh = kConfig;
  tanh.insert(1, R"("hidden_act": "tanh", )");

  const std::vector<BadCase> cases = {
      {"missing vocab.txt", remove("vocab.txt"), {}, {"{dir}/vocab.txt", "cannot open"}},
      {"vocab without [CLS]", [](MobileBertCli& m) { write_text(m.dir_.file("vocab.txt"), "[PAD]\n[UNK]\n[SEP]\nthe\n"); },
       {}, {"{dir}/vocab.txt", "[CLS]"}},
      {"vocab with a repeated token", [](MobileBertCli& m) { write_text(m.dir_.file("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\nthe\nthe\n"); },
       {}, {"{dir}/vocab.txt", "the"}},
      {"vocab larger than the model's", [](MobileBertCli& m) {
         std::string v;
         for (int i = 0; i < 50; ++i) v += (i < 4 ? std::string(kVocab[i]) : "w" + std::to_string(i)) + "\n";
         write_text(m.dir_.file("vocab.txt"), v);
       }, {}, {"{dir}/vocab.txt", "vocabulary mismatch", "vocab_size 40"}},
      {"missing config.json", remove("config.json"), {}, {"{dir}/config.json", "cannot open"}},
      {"missing model.safetensors", remove("model.safetensors"), {}, {"{dir}/model.safetensors", "cannot open"}},
      {"config not JSON", config(bad_json_config), {}, {"{dir}/config.json", "JSON"}},
      {"unsupported config field", config(extra_field), {}, {"{dir}/config.json: is_decoder: true is not supported"}},
      {"unsupported activation", config(tanh), {}, {"{dir}/config.json: hidden_act: \"tanh\" is not supported"}},
      {"truncated safetensors", weights(raw_safetensors("{}", 0, 1000)), {},
       {"{dir}/model.safetensors: header length 1000 runs past the end of the file"}},
      {"safetensors header not JSON", weights(raw_safetensors(R"({"a":)", 0)), {},
       {"{dir}/model.safetensors", "the header is not valid JSON"}},
      {"overlapping data_offsets", weights(raw_safetensors(R"({"a":{)" + t + R"([0,24]},"b":{)" + t + "[8,32]}}", 32)), {},
       {"{dir}/model.safetensors", "tensors \"a\" and \"b\" overlap"}},
      {"data_offsets past the data", weights(raw_safetensors(R"({"a":{)" + t + "[0,100]}}", 24)), {},
       {"{dir}/model.safetensors", "data_offsets [0, 100] run past the data (24 bytes)"}},
      {"unknown dtype", weights(raw_safetensors(R"({"a":{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}})", 4)), {},
       {"{dir}/model.safetensors", "unknown dtype \"Q7\""}},
      {"missing tensor", edit_tensors([](auto& ts) { ts.pop_back(); }), {},
       {"{dir}/model.safetensors: missing tensor \"classifier.bias\""}},
      {"mis-shaped tensor", edit_tensors([](auto& ts) {
         for (auto& x : ts) {
           if (x.name == "classifier.weight") x.shape = {2, 48}, x.data.resize(2 * 48 * 4);
         }
       }), {}, {"{dir}/model.safetensors", "classifier.weight", "[2, 48]"}},
      {"unknown dtype option", none, {"--dtype", "f16"}, {"--dtype", "unknown dtype 'f16'"}},
      {"max length below [CLS] [SEP]", none, {"--max-length", "1"}, {"--max-length 1 is outside 2.."}},
      {"batch of zero", none, {"--batch", "0"}, {"--batch 0 is outside 1..4096"}},
      {"text not UTF-8", none, {"fine", "caf\xc3"}, {"text 2: not valid UTF-8 (byte 3)"}, true, false},
      {"dataset label not an integer", data("sentence\tlabel\na good film\t1\nbad\tx\n"), {},
       {"{data}:3: label 'x' is not an integer"}, false, true},
      {"dataset line with too few fields", data("sentence\tlabel\na good film\t1\nbad\n"), {},
       {"{data}:3: 1 tab-separated fields, the header has 2"}, false, true},
      {"dataset label beyond the model's", data("sentence\tlabel\na good film\t1\nbad\t0\nfun\t7\n"), {},
       {"{data}:4: label 7 is outside the model's labels 0..2"}, false, true},
      {"missing dataset", remove("dev.tsv"), {}, {"{data}", "cannot open"}, false, true},
      {"limit of zero", none, {"--limit", "0"}, {"--limit 0 is outside 1.."}, false, true},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.what);
    SetUp();  // a fresh, valid directory and dataset for each case
    write_text(data_, "sentence\tlabel\na good film\t1\nbad\t0\n");
    c.breaks(*this);
    if (c.classify) {
      std::vector<std::string> args = {"classify", dir()};
      args.insert(args.end(), c.args.begin(), c.args.end());
      if (c.args.empty()) args.push_back("a good film");
      expect_clean_failure(args, c.fragments);
    }
    if (c.eval) {
      std::vector<std::string> args = {"eval", dir(), "--data", data_};
      args.insert(args.end(), c.args.begin(), c.args.end());
      expect_clean_failure(args, c.fragments);
    }
  }
  expect_clean_failure({"classify", dir_.file("config.json"), "x"}, {"{dir}/config.json: not a directory"});
  expect_clean_failure({"eval", dir(), "--data", ""}, {"--data: empty file name"});
}

// The deploy compiler's encoder path end to end: the tiny MobileBERT emitted with two embedded
// texts, built for the host and as RV32 firmware, run on the emulated 8-core MCU under QEMU, and its
// logits compared with the host library's.
TEST_F(MobileBertCli, DeployedToTheMcuItsLogitsEqualTheHostLibrarysBitForBit) {
  SKIP_WITHOUT_MCU();
  TempDir out_dir;
  const std::string out = (out_dir.path() / "mobilebert").string();
  CommandResult r = run_cli({"deploy", dir(), "--seq-len", "12", "--text", "a good film", "--text",
                             "The movie is NOT great!", "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_cli({"mcu", "run", out});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("outputs: identical to the host library's (bit for bit)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("modeled cycles per inference: "), std::string::npos) << r.out;
}

}  // namespace
}  // namespace bfedge::test
