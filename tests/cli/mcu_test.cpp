// bfedge mcu on the emulated MCU (QEMU + plugin): a small MHSA benchmark verified against the host
// reference, stories260K greedy with ids equal to the host BF16 path, and configurations that
// cannot fit failing before anything runs with one line naming the reason.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/mcu_cli_support.hpp"
#include "support/test_support.hpp"

namespace bfedge::test {
namespace {


TEST(McuCli, BenchMhsaIsVerifiedAndReportsEveryCore) {
  SKIP_WITHOUT_MCU();
  const CommandResult r = run_cli({"mcu", "bench", "mhsa", "--seq", "12", "--embed", "48", "--heads", "2", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["verified"].get<bool>());
  EXPECT_TRUE(j["naive"]["verified"].get<bool>() && j["tiled"]["verified"].get<bool>() && j["fused"]["verified"].get<bool>());
  EXPECT_GT(j["speedup_modeled_fused_vs_naive"].get<double>(), 1.0);
  EXPECT_GT(j["speedup_instructions_fused_vs_naive"].get<double>(), 1.0);
  ASSERT_EQ(j["per_core"].size(), 8u);
  for (const auto& core : j["per_core"]) EXPECT_GT(core["instructions"].get<long>(), 0);
  EXPECT_GT(j["fused"]["dma_bytes"].get<long>(), 0);
}

TEST(McuCli, MhsaThatCannotFitL1FailsBeforeRunning) {
  SKIP_WITHOUT_MCU();
  const CommandResult r = run_cli({"mcu", "bench", "mhsa", "--seq", "64", "--embed", "8192", "--heads", "4"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("does not fit"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("L1"), std::string::npos) << r.err;
}

TEST(McuCli, MhsaWithMorePhasesThanTheDmaLogFailsBeforeRunning) {
  SKIP_WITHOUT_MCU();
  const CommandResult r = run_cli({"mcu", "bench", "mhsa", "--seq", "4", "--embed", "2048", "--heads", "4", "--l1-kib", "32"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(r.err, "bfedge: error: MHSA L=4 E=2048 does not fit: its 21927 phases exceed the firmware's DMA log (16384 phases a run)\n");
}

TEST(McuCli, AnL1BudgetJustOverTheArenaDoesNotPrintAsTheArena) {
  SKIP_WITHOUT_MCU();
  const CommandResult r = run_cli({"mcu", "bench", "mhsa", "--l1-kib", "111"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.find("(111 KiB)"), std::string::npos) << r.err;
  // The arena is L1 less the firmware's static L1 data, so its size moves with the firmware:
  // whole KiB ("109") or one decimal ("109.2"), below 111.
  const std::string lead = "--l1-kib 111 exceeds the firmware's L1 arena (";
  const std::size_t at = r.err.find(lead);
  ASSERT_NE(at, std::string::npos) << r.err;
  const std::string arena = r.err.substr(at + lead.size(), r.err.find(" KiB)", at) - at - lead.size());
  ASSERT_TRUE(arena.size() == 3 || (arena.size() == 5 && arena[3] == '.')) << r.err;
  EXPECT_LT(std::stod(arena), 111.0) << r.err;
}

TEST(McuCli, BadBenchOptionsGetOneUsageLine) {
  for (const std::vector<std::string>& extra : std::vector<std::vector<std::string>>{
           {"--l1-kib", "-3"}, {"--embed", "2000000000", "--heads", "1"}, {"--seq", "0"}, {"--cores", "9"},
           {"--seq", ""}, {"--cores", ""}, {"--seed", "-1"}, {"--seq", "0x10"}, {"--l1-kib", "0"},
           {"--embed", "10", "--heads", "3"}}) {
    std::vector<std::string> args{"mcu", "bench", "mhsa"};
    args.insert(args.end(), extra.begin(), extra.end());
    const CommandResult r = run_cli(args);
    EXPECT_EQ(r.exit_code, 2) << extra[0];
    EXPECT_TRUE(r.out.empty()) << extra[0];
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(extra[1] == "10" ? "--heads 3 does not divide --embed 10" : extra[0]),
              std::string::npos)
        << r.err;
  }
}

TEST(McuCli, GenerateOptionsAreCheckedBeforeAnyWork) {
  BFEDGE_REQUIRE_SHARED(shared);
  const std::string model = (shared / "models/stories260K.bin").string(), tok = (shared / "models/tok512.bin").string();
  const std::pair<std::vector<std::string>, std::string> cases[] = {
      {{"-n", ""}, "-n '' is not an integer in 1..1024"},
      {{"-n", "600"}, "-n 600 is outside 1..512 (the model's seq_len)"},
      {{"--cores", "0"}, "--cores 0 is outside 1..8"},
      {{"--threads", "2"}, "--threads"},  // the MCU has its own cores: not an option here
      {{"--dtype", "f32"}, "--dtype"},
      {{"--prompt", std::string(100000, 'x')}, "prompt of 100000 bytes is at least"},
  };
  for (const auto& [extra, expected] : cases) {
    std::vector<std::string> args{"mcu", "generate", "--model", model, "--tokenizer", tok};
    args.insert(args.end(), extra.begin(), extra.end());
    const CommandResult r = run_cli(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_TRUE(r.out.empty());
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(expected), std::string::npos) << r.err;
  }
}

TEST(McuCli, GenerateStories260KMatchesTheHostBf16Path) {
  SKIP_WITHOUT_MCU();
  BFEDGE_REQUIRE_SHARED(shared);
  const CommandResult r = run_cli({"mcu", "generate", "--model", (shared / "models/stories260K.bin").string(), "--tokenizer",
                                   (shared / "models/tok512.bin").string(), "--prompt", "Once upon a time", "-n", "24"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("Once upon a time", 0), 0u) << r.out;
  EXPECT_NE(r.err.find("ids identical to the host bf16 path"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cycles/token"), std::string::npos) << r.err;
}

TEST(McuCli, GenerateRunsTheReferencesLengthOf256Steps) {
  // 238..511 steps used to pass the plan and overflow the firmware's DMA log after the run.
  SKIP_WITHOUT_MCU();
  BFEDGE_REQUIRE_SHARED(shared);
  const CommandResult r = run_cli({"mcu", "generate", "--model", (shared / "models/stories260K.bin").string(), "--tokenizer",
                                   (shared / "models/tok512.bin").string(), "--prompt", "Once upon a time", "-n", "256"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("252 generated tokens"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ids identical to the host bf16 path"), std::string::npos) << r.err;
}

TEST(McuCli, GenerateThatCannotFitL1FailsBeforeRunning) {
  SKIP_WITHOUT_MCU();
  BFEDGE_REQUIRE_SHARED(shared);
  const CommandResult r = run_cli({"mcu", "generate", "--model", (shared / "models/stories260K.bin").string(), "--tokenizer",
                                   (shared / "models/tok512.bin").string(), "-n", "512"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("does not fit: L1 needs"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace bfedge::test
