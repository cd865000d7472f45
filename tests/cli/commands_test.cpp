// The CLI end to end on stories260K: generate's stdout is run.c's stdout byte for byte, the
// stats line goes to stderr, inspect and perplexity report what the library computes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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
