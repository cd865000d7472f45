// The CLI end to end on stories260K: generate's stdout is run.c's stdout byte for byte, the
// stats line goes to stderr, inspect and perplexity report what the library computes.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "bfedge/deploy/footprint.hpp"
#include "bfedge/io/file.hpp"
#include "bfedge/io/safetensors.hpp"
#include "bfedge/models/mobilebert_config.hpp"
#include "support/test_support.hpp"

namespace bfedge::test {
namespace {

struct StoriesPaths {
  std::string model, tokenizer, golden;
};

StoriesPaths paths(const std::filesystem::path& shared) {
  return {(shared / "models/stories260K.bin").string(), (shared / "models/tok512.bin").string(),
          (shared / "golden").string()};
}

TEST(CliGenerate, F32GreedyStdoutIsRunCsStdout) {
  BFEDGE_REQUIRE_SHARED(shared);
  const StoriesPaths p = paths(shared);
  const CommandResult r =
      run_cli({"generate", "--model", p.model, "--tokenizer", p.tokenizer, "--dtype", "f32",
               "--temperature", "0", "-n", "256", "--prompt", "Once upon a time"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, read_text(p.golden + "/greedy_once_upon_a_time_n256.txt"));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("5 prompt tokens, 252 generated tokens"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("tok/s"), std::string::npos);
}

TEST(CliGenerate, F32SeededTopPStdoutIsRunCsStdout) {
  BFEDGE_REQUIRE_SHARED(shared);
  const StoriesPaths p = paths(shared);
  const CommandResult r =
      run_cli({"generate", "-m", p.model, "-z", p.tokenizer, "--dtype", "f32", "-t", "1.0", "-p",
               "0.9", "-s", "42", "-n", "256", "-i", "Once upon a time", "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, read_text(p.golden + "/sampled_t1_p0.9_seed42_n256.txt"));
}

TEST(CliGenerate, TinyTemperatureIsRunCsGreedyOutput) {
  // -t 1e-38 once printed <unk><unk>...: logits / T overflowed and softmax gave NaN.
  BFEDGE_REQUIRE_SHARED(shared);
  const StoriesPaths p = paths(shared);
  const CommandResult r =
      run_cli({"generate", "--model", p.model, "--tokenizer", p.tokenizer, "--dtype", "f32",
               "--temperature", "1e-38", "-s", "42", "-n", "256", "--prompt", "Once upon a time"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, read_text(p.golden + "/greedy_once_upon_a_time_n256.txt"));
}

TEST(CliInspect, ReportsConfigAndFootprint) {
  BFEDGE_REQUIRE_SHARED(shared);
  const CommandResult r = run_cli({"inspect", paths(shared).model, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["parameters"], 260032);
  EXPECT_EQ(j["weight_bytes_bf16"], 520064);
  EXPECT_EQ(j["weight_bytes_f32"], 1040128);
  EXPECT_EQ(j["n_kv_heads"], 4);
  const CommandResult text = run_cli({"inspect", paths(shared).model});
  EXPECT_NE(text.out.find("parameters           260032"), std::string::npos) << text.out;
}

// stories260K: dim 64, hidden 172, 5 layers, 8 heads (size 8), 4 KV heads, vocab 512, seq_len 512.
TEST(CliInspect, GraphTotalsMatchAHandCount) {
  BFEDGE_REQUIRE_SHARED(shared);
  const CommandResult r = run_cli({"inspect", paths(shared).model, "--graph", "--json", "--position", "9"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const std::int64_t per_layer_matvec = (64 + 2 * 32) * 64 + 64 * 64 + 2 * 172 * 64 + 64 * 172;  // wq|wk|wv, wo, w1|w3, w2
  const std::int64_t attention = 2 * 8 * 8 * 10;                                         // q·k and p·v, 10 positions
  EXPECT_EQ(j["totals"]["macs"], 5 * (per_layer_matvec + attention) + 512 * 64);
  EXPECT_EQ(j["totals"]["weight_bytes"], 520064 + 2 * 512 * 4 * 4);  // BF16 parameters + RoPE cos/sin (f32)
  EXPECT_EQ(j["totals"]["state_bytes"], 5 * 2 * 32 * 512 * 2);       // keys and values, BF16
  EXPECT_EQ(j["totals"]["nodes"], 1 + 5 * 12 + 2);
  EXPECT_EQ(j["nodes"][5]["name"], "layer0.attention");
  EXPECT_EQ(j["nodes"][5]["macs"], attention);
  const CommandResult text = run_cli({"inspect", paths(shared).model, "--graph"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("total MACs                                   587,008"), std::string::npos) << text.out;
  const CommandResult outside = run_cli({"inspect", paths(shared).model, "--graph", "--position", "512"});
  EXPECT_EQ(outside.exit_code, 2);
  EXPECT_EQ(outside.err, "bfedge: error: --position 512 is outside 0..511\n");
}

// A safetensors file written by bfedge's encoder, without the .safetensors suffix: found by its bytes.
TEST(CliInspect, ListsASafetensorsFilesTensors) {
  TempDir dir;
  std::vector<std::byte> four(16, std::byte{0}), two(4, std::byte{0});
  auto file = io::encode_safetensors({{"bert.embeddings.word_embeddings.weight", io::TensorDtype::f32, {2, 2}, four},
                                      {"bert.pooler.dense.bias", io::TensorDtype::bf16, {2}, two}},
                                     {{"format", "pt"}});
  ASSERT_TRUE(file.is_ok());
  const std::string path = dir.file("model");
  ASSERT_TRUE(io::write_file_atomically(path, file.value().data(), file.value().size()).is_ok());
  const CommandResult r = run_cli({"inspect", path, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["format"], "safetensors");
  EXPECT_EQ(j["tensors"], 2);
  EXPECT_EQ(j["parameters"], 6);
  EXPECT_EQ(j["bytes"], 20);
  EXPECT_EQ(j["metadata"]["format"], "pt");
  EXPECT_EQ(j["tensor_list"][1]["name"], "bert.pooler.dense.bias");
  EXPECT_EQ(j["tensor_list"][1]["dtype"], "BF16");
  EXPECT_EQ(j["tensor_list"][0]["shape"], nlohmann::json::array({2, 2}));
  const CommandResult text = run_cli({"inspect", path});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("bert.pooler.dense.bias                 BF16  [2]"), std::string::npos) << text.out;

  auto bad = file.value();
  bad[0] = std::byte{0xff};  // the header length now runs past the end
  const std::string bad_path = dir.file("bad.safetensors");
  ASSERT_TRUE(io::write_file_atomically(bad_path, bad.data(), bad.size()).is_ok());
  const CommandResult broken = run_cli({"inspect", bad_path});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_TRUE(broken.out.empty());
  EXPECT_EQ(broken.err.rfind("bfedge: error: " + bad_path + ": header length ", 0), 0u) << broken.err;
  EXPECT_NE(broken.err.find("runs past the end of the file"), std::string::npos) << broken.err;
}

TEST(CliInspect, MobileBertDirectory) {
  test::TempDir dir;
  {
    std::ofstream config(dir.file("config.json"));
    config << R"({"model_type": "mobilebert", "id2label": {"0": "NEG", "1": "POS"}})";
  }
  const CommandResult r = run_cli({"inspect", dir.path().string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["head"], "MobileBertForSequenceClassification");
  EXPECT_EQ(j["true_hidden_size"], 128);
  EXPECT_EQ(j["parameters"]["total"]["parameters"], 24'845'570);
  EXPECT_EQ(j["parameters"]["total"]["bytes_bf16"], 2 * 24'845'570);
  EXPECT_EQ(j["parameters"]["classifier"]["parameters"], 1026);
  models::MobileBertConfig hf_default;
  hf_default.id2label = {"NEG", "POS"};
  const deploy::Footprint f = deploy::GraphFootprintModel().mobilebert(hf_default, 128).value();
  EXPECT_EQ(j["mcu_footprint"]["seq"], 128);
  EXPECT_EQ(j["mcu_footprint"]["weight_bytes"], f.weight_bytes);
  EXPECT_EQ(j["mcu_footprint"]["activation_peak_bytes"], f.activation_peak_bytes);
  EXPECT_EQ(j["mcu_footprint"]["weights_in"], "L3");

  // A small model's weights are checked against config.json: one tensor left out is named.
  {
    std::ofstream config(dir.file("config.json"));
    config << R"({"vocab_size": 10, "hidden_size": 16, "intra_bottleneck_size": 8,
                  "embedding_size": 4, "intermediate_size": 12, "num_hidden_layers": 1,
                  "num_attention_heads": 2, "max_position_embeddings": 6})";
  }
  models::MobileBertConfig small;
  small.vocab_size = 10, small.hidden_size = 16, small.intra_bottleneck_size = 8;
  small.embedding_size = 4, small.intermediate_size = 12, small.num_hidden_layers = 1;
  small.num_attention_heads = 2, small.max_position_embeddings = 6;
  std::vector<io::SafetensorsTensor> tensors;
  for (const auto& s : models::mobilebert_tensor_specs(small, models::MobileBertHead::pooler)) {
    tensors.push_back({s.name, io::TensorDtype::f32, s.shape,
                       std::vector<std::byte>(static_cast<std::size_t>(s.elements()) * 4)});
  }
  const std::string weights = dir.file("model.safetensors");
  auto file = io::encode_safetensors(tensors);
  ASSERT_TRUE(file.is_ok());
  ASSERT_TRUE(io::write_file_atomically(weights, file.value().data(), file.value().size()).is_ok());
  const CommandResult ok = run_cli({"inspect", dir.path().string()});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("head                         MobileBertModel\n"), std::string::npos) << ok.out;

  const std::string left_out = tensors.back().name;
  tensors.pop_back();
  file = io::encode_safetensors(tensors);
  ASSERT_TRUE(file.is_ok());
  ASSERT_TRUE(io::write_file_atomically(weights, file.value().data(), file.value().size()).is_ok());
  const CommandResult missing = run_cli({"inspect", dir.path().string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "bfedge: error: " + weights + ": missing tensor \"" + left_out + "\"\n");
}

TEST(CliPerplexity, ComparesBf16WithF32) {
  BFEDGE_REQUIRE_SHARED(shared);
  const StoriesPaths p = paths(shared);
  const CommandResult r =
      run_cli({"perplexity", "--model", p.model, "--tokenizer", p.tokenizer, "--ids",
               p.golden + "/greedy_once_upon_a_time_n256.ids", "--compare", "f32", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["scored_tokens"], 256);
  EXPECT_EQ(j["result"]["dtype"], "bf16");
  EXPECT_EQ(j["compare"]["dtype"], "f32");
  EXPECT_GE(j["top1_agreement"].get<double>(), 0.98);
  EXPECT_GT(j["compare"]["perplexity"].get<double>(), 1.0);
}

TEST(CliBench, MhsaRunsUnderEveryIsaCap) {
  // BFEDGE_ISA=reference once dereferenced a missing tiled variant (there is none below portable).
  for (const char* isa : {"reference", "portable", "avx2", "avx512bf16"}) {
    const CommandResult r = run_cli({"bench", "mhsa", "--seq", "4", "--embed", "8", "--heads", "2",
                                     "--repeat", "1", "--threads", "2"},
                                    {{std::string("BFEDGE_ISA=") + isa}, ""});
    if (r.exit_code == 2 && r.err.find("BFEDGE_ISA") != std::string::npos) continue;  // not here
    EXPECT_EQ(r.exit_code, 0) << isa << ": " << r.err;
    EXPECT_NE(r.out.find(std::string("ISA cap ") + isa), std::string::npos) << r.out;
  }
  const CommandResult ref = run_cli({"bench", "mhsa", "--seq", "4", "--embed", "8", "--heads", "2",
                                     "--repeat", "1"},
                                    {{"BFEDGE_ISA=reference"}, ""});
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  EXPECT_NE(ref.out.find("mhsa__ref"), std::string::npos) << ref.out;
}

}  // namespace
}  // namespace bfedge::test
