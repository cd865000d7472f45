// bfedge deploy end to end: the footprint table and plan.json of a model that fits, one line and
// nothing written for one that does not, and usage errors for bad sizes and targets.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "mcu_cli_support.hpp"
#include "support/test_support.hpp"

namespace bfedge::test {
namespace {

namespace fs = std::filesystem;

TEST(CliDeploy, PrintsTheLevelsAndWritesThePlan) {
  BFEDGE_REQUIRE_SHARED(shared);
  TempDir dir;
  const std::string out = (dir.path() / "stories").string();
  const CommandResult r =
      run_cli({"deploy", (shared / "models/stories260K.bin").string(), "--positions", "256", "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("L2        1.50 MiB   1000.9 KiB"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("kv_cache 160 KiB"), std::string::npos) << r.out;
  const nlohmann::json plan = nlohmann::json::parse(read_text(out + "/plan.json"));
  EXPECT_EQ(plan["family"], "llama");
  EXPECT_EQ(plan["positions"], 256);
  EXPECT_EQ(plan["kv_cache_bytes"], 163840);
  EXPECT_EQ(plan["levels"][1]["level"], "L2");
  // firmware 262,144 + KV 163,840 + the emitted constants 598,912 (stories260K's weights as the
  // MCU's kernels read them: matvec rows in 16-row blocks, the shared embedding also packed for the classifier)
  EXPECT_EQ(plan["placed_weight_bytes"], 598912);
  EXPECT_EQ(plan["levels"][1]["used_bytes"], 1024896);
  EXPECT_EQ(plan["activations_level"], "L1");
  EXPECT_EQ(plan["activation_peak"]["node"], "classifier");
  EXPECT_TRUE(fs::exists(out + "/target.json"));
  // The emitted project (built and run against the library in deploy_tests' EmitProject.*).
  for (const char* file : {"CMakeLists.txt", "model.hpp", "model.cpp", "weights.bin", "weights.S", "inputs.hpp", "main_host.cpp"}) {
    EXPECT_TRUE(fs::exists(out + "/" + file)) << file;
  }
  EXPECT_NE(read_text(out + "/inputs.hpp").find("kSteps = 64;"), std::string::npos);
  EXPECT_NE(read_text(out + "/model.cpp").find("bfedge::kernels::matvec__rv32_dma(p, team);"), std::string::npos);
}

TEST(CliDeploy, InputsThatDoNotSuitTheModelAreOneLineErrorsAndWriteNothing) {
  BFEDGE_REQUIRE_SHARED(shared);
  TempDir dir;
  const std::string out = (dir.path() / "p").string();
  const std::string model = (shared / "models/stories260K.bin").string();
  CommandResult r = run_cli({"deploy", model, "--positions", "32", "--steps", "33", "--out", out});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "bfedge: error: --steps 33 is outside 1..32 (the KV cache's positions)\n");
  r = run_cli({"deploy", model, "--prompt-ids", "1,512", "--out", out});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "bfedge: error: --prompt-ids: 512 is outside the vocabulary 0..511\n");
  r = run_cli({"deploy", model, "--prompt-ids", "1,,2", "--out", out});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--prompt-ids '' is not an integer"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(fs::exists(out));
}

TEST(CliDeploy, AModelThatDoesNotFitFailsWithOneLineAndWritesNothing) {
  BFEDGE_REQUIRE_SHARED(shared);
  TempDir dir;
  const std::string out = (dir.path() / "plan").string();
  const std::string model = (shared / "models/stories260K.bin").string();
  const CommandResult r = run_cli({"deploy", model, "--l2", "300KiB", "--out", out});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "bfedge: error: " + model + " on gap9-like: L2 needs 576 KiB > 300 KiB; largest: kv_cache 320 KiB\n");
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(fs::exists(out));
}

// stories260K's w2 has 172 columns (86 pairs): one 16-row block is 5,504 B and x takes 688 B, so
// its smallest tiles, the largest of any matvec, need 688 + 2 x 5,504 = 11,696 B beside the 16 KiB
// of worker stacks: 27.4 KiB.
TEST(CliDeploy, AnL1BelowTheSmallestTileFailsWithOneLine) {
  BFEDGE_REQUIRE_SHARED(shared);
  const std::string model = (shared / "models/stories260K.bin").string();
  const CommandResult r = run_cli({"deploy", model, "--l1", "20KiB"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "bfedge: error: " + model + " on gap9-like: L1 needs 27.4 KiB > 20 KiB; largest: tiles of "
                   "layer0.w2 (matvec: x and two slots of one 16-row block)\n");
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(run_cli({"deploy", model, "--l1", "27KiB"}).exit_code, 1);
  EXPECT_EQ(run_cli({"deploy", model, "--l1", "28KiB"}).exit_code, 0);
}

TEST(CliDeploy, BadSizesAndTargetsAreOneLineErrors) {
  BFEDGE_REQUIRE_SHARED(shared);
  TempDir dir;
  const std::string model = (shared / "models/stories260K.bin").string();
  CommandResult r = run_cli({"deploy", model, "--l1", "lots"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--l1 'lots' is not a size"), std::string::npos) << r.err;
  const std::string target = (dir.path() / "mcu.json").string();
  std::ofstream(target) << R"({"name": "tiny", "l1": {"bytes": "8KiB"}})";
  r = run_cli({"deploy", model, "--target", target});
  EXPECT_EQ(r.exit_code, 1);  // the file is wrong
  EXPECT_EQ(r.err, "bfedge: error: " + target + ": l1.reserved_bytes: 16 KiB leaves nothing of 8 KiB\n");
  std::ofstream(target) << R"({"name": "tiny"})";
  r = run_cli({"deploy", model, "--target", target, "--l2", "256KiB"});
  EXPECT_EQ(r.exit_code, 2);  // the command line is
  EXPECT_EQ(r.err, "bfedge: error: " + target + " with the command line's sizes: l2.reserved_bytes: 256 KiB leaves "
                   "nothing of 256 KiB\n");
}

// The whole loop on the emulated MCU: emitted, built for the host and the firmware, run on both.
TEST(CliMcuRun, AnEmittedDecoderRunsOnTheMcuAndEqualsTheHostBitForBit) {
  SKIP_WITHOUT_MCU();
  BFEDGE_REQUIRE_SHARED(shared);
  TempDir dir;
  const std::string out = (dir.path() / "stories").string();
  CommandResult r = run_cli({"deploy", (shared / "models/stories260K.bin").string(), "--positions", "32", "--steps", "8",
                             "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_cli({"mcu", "run", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("8 decoder steps on the MCU"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("outputs: identical to the host library's (bit for bit)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("modeled cycles per token: "), std::string::npos) << r.out;
}

TEST(CliMcuRun, AFolderWithoutAPlanIsOneLineError) {
  TempDir dir;
  const CommandResult r = run_cli({"mcu", "run", dir.path().string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "bfedge: error: " + dir.path().string() + "/plan.json: cannot open (No such file or directory)\n");
}

// Labels that are not the ones bfedge deploy writes: one line naming the file, before any build.
TEST(CliMcuRun, BadLabelsAreOneLineErrorBeforeAnyBuild) {
  TempDir dir;
  std::ofstream(dir.file("plan.json")) << R"({"family": "tinyvit", "model": "m", "macs": 1})";
  for (const auto& [labels, problem] : std::vector<std::pair<std::string, std::string>>{
           {"[1, 2]", "not the labels bfedge deploy wrote ({\"labels\": [class, ...]})"},
           {R"({"labels": []})", "not the labels bfedge deploy wrote ({\"labels\": [class, ...]})"},
           {R"({"labels": [3, -1]})", "label 1 is not a class number"},
           {R"({"labels": [3, "x"]})", "label 1 is not a class number"}}) {
    std::ofstream(dir.file("labels.json"), std::ios::trunc) << labels;
    const CommandResult r = run_cli({"mcu", "run", dir.path().string()});
    EXPECT_EQ(r.exit_code, 1) << labels;
    EXPECT_EQ(r.err, "bfedge: error: " + dir.file("labels.json") + ": " + problem + "\n") << labels;
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "build")) << labels;
  }
}

}  // namespace
}  // namespace bfedge::test
