// The firmware's UART protocol and the plugin's counts: what they accept, and one clear error for
// each malformed input (these parsers are also fuzzed: tests/fuzz).
#include "bfedge/emulator/firmware_output.hpp"

#include <gtest/gtest.h>

namespace bfedge::emulator {
namespace {

// Two harts, three snapshots: fork, barrier, join. Hart 1 idles through the barrier phase.
constexpr const char* kCounts =
    R"({"regions":["L1","L2","L3"],"marks":["fork","barrier","join"],"harts":[)"
    R"({"phases":[[0,10,1,2,3,0,0,0,0,0],[1,30,2,4,5,1,0,0,0,0],[2,35,3,5,6,1,0,0,0,0]]},)"
    R"({"phases":[[0,7,0,0,1,0,0,0,0,0],[2,9,0,1,1,0,0,0,0,0]]}]})";

FirmwareResult parsed_counts() {
  FirmwareResult result;
  EXPECT_TRUE(parse_plugin_counts(kCounts, "counts.json", 2, result).is_ok());
  return result;
}

TEST(PluginCounts, PhasesAreDifferencesOfSnapshotsAndMissingMarksAreIdle) {
  const FirmwareResult r = parsed_counts();
  ASSERT_EQ(r.phases.size(), 3u);
  EXPECT_EQ(r.phases[1].end, PhaseEnd::barrier);
  EXPECT_EQ(r.phases[1].cores[0].instructions, 20u);
  EXPECT_EQ(r.phases[1].cores[0].loads[0], 2u);
  EXPECT_EQ(r.phases[1].cores[1].instructions, 0u);  // hart 1 marks no barrier
  EXPECT_EQ(r.phases[2].cores[1].instructions, 2u);
}

TEST(PluginCounts, MalformedCountsGetOneClearError) {
  const std::pair<const char*, const char*> cases[] = {
      {"not json", "not JSON"},
      {R"({"harts":5})", "no \"harts\" array"},
      {R"({"harts":[{"phases":[]}]})", "fewer than the 2 workers"},
      {R"({"regions":["L1"],"marks":["fork","barrier","join"],"harts":[{},{}]})", "regions L1, L2, L3"},
      {R"({"regions":["L1","L2","L3"],"marks":["fork","barrier","join"],"harts":[{"phases":[["x"]]},{}]})",
       "expected layout"},
      // Found by tests/fuzz (fuzz_plugin_counts): a float mark or counter was cast to int unchecked.
      {R"({"regions":["L1","L2","L3"],"marks":["fork","barrier","join"],"harts":[{"phases":[[1e300]]},{}]})",
       "expected layout"},
      {R"({"regions":["L1","L2","L3"],"marks":["fork","barrier","join"],"harts":[{"phases":[[0,-1]]},)"
       R"({"phases":[]}]})",
       "expected layout"},
      {R"({"regions":["L1","L2","L3"],"marks":["fork","barrier","join"],"harts":[{"phases":[[7]]},{"phases":[]}]})",
       "unknown mark"},
      {R"({"regions":["L1","L2","L3"],"marks":["fork","barrier","join"],"harts":[{"phases":[[0,5],[2,3]]},)"
       R"({"phases":[]}]})",
       "counters decrease"},
      {R"({"regions":["L1","L2","L3"],"marks":["fork","barrier","join"],"harts":[{"phases":[[0,5]]},)"
       R"({"phases":[[1,5]]}]})",
       "do not follow worker 0"},
  };
  for (const auto& [json, expected] : cases) {
    FirmwareResult result;
    const Status s = parse_plugin_counts(json, "counts.json", 2, result);
    ASSERT_FALSE(s.is_ok()) << json;
    EXPECT_NE(s.message().find("counts.json: "), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(expected), std::string::npos) << s.message();
  }
}

TEST(UartText, RecordsAreParsedAndTheDmaLogIsAddedToItsPhase) {
  FirmwareResult r = parsed_counts();
  const Status s = parse_uart_text(
      "hello\r\nMEASURE 0 2\nDMA 1 100 2\nDMA 1 28 1\nOUT 3\n0000000a ffffffff\n7\nFAIL the reason\n", r);
  ASSERT_TRUE(s.is_ok()) << s.message();
  ASSERT_EQ(r.windows.size(), 1u);
  EXPECT_EQ(r.windows[0].last, 2u);
  EXPECT_EQ(r.phases[1].dma_bytes, 128u);
  EXPECT_EQ(r.phases[1].dma_rows, 3u);
  EXPECT_EQ(r.out, (std::vector<std::uint32_t>{10, 0xffffffffu, 7}));
  EXPECT_EQ(r.lines, (std::vector<std::string>{"hello", "FAIL the reason"}));
  EXPECT_EQ(firmware_failure(r), "the reason");
}

TEST(UartText, OutBlocksFollowOneAnother) {
  FirmwareResult r = parsed_counts();
  const Status s = parse_uart_text("MEASURE 0 1\nOUT 1\n5\nMEASURE 1 2\nOUT 2\n6 7\n", r);
  ASSERT_TRUE(s.is_ok()) << s.message();
  EXPECT_EQ(r.out, (std::vector<std::uint32_t>{5, 6, 7}));
  EXPECT_EQ(r.windows.size(), 2u);
}

TEST(UartText, MalformedRecordsGetOneClearError) {
  const std::pair<const char*, const char*> cases[] = {
      {"OUT\n", "OUT needs one word count"},
      {"OUT 99999999999999999999\n", "OUT needs one word count"},
      {"OUT 999999999999\n", "more than"},
      {"OUT 2\n1 2 3\n", "more result words than announced"},
      {"OUT 3\n1 2\n", "printed 2 result words, announced 3"},
      {"OUT 1\nxyz\n", "not 32-bit hex"},
      {"OUT 1\n100000000\n", "not 32-bit hex"},
      {"MEASURE 1\n", "MEASURE needs two snapshot indices"},
      {"MEASURE 2 1\n", "first <= last"},
      {"MEASURE -1 2\n", "MEASURE needs"},
      {"DMA 9 1 1\n", "after the last phase mark"},
      {"DMA 1 1\n", "DMA needs"},
      {"DMA 1 99999999999 1\n", "DMA needs"},
      {"MEASURE 0 3\n", "MEASURE ends at snapshot 3, after the last phase mark"},
      {"MEASURE 4294967295 4294967295\n", "after the last phase mark"},
  };
  for (const auto& [text, expected] : cases) {
    FirmwareResult r = parsed_counts();
    const Status s = parse_uart_text(text, r);
    ASSERT_FALSE(s.is_ok()) << text;
    EXPECT_NE(s.message().find(expected), std::string::npos) << text << " -> " << s.message();
  }
}

TEST(UartText, AFailLineIsFoundWhateverPrecedesIt) {
  // A DMA line before the FAIL is not parseable without the plugin's phases: the failure is
  // still what the run reports.
  EXPECT_EQ(firmware_failure_in("DMA 0 64 1\nFAIL DMA log overflow\r\n"), "DMA log overflow");
  EXPECT_EQ(firmware_failure_in("OUT 1\n1\nFAIL\n"), "(no reason given)");
  EXPECT_EQ(firmware_failure_in("MEASURE 0 1\nOUT 1\n1\n"), "");
}

}  // namespace
}  // namespace bfedge::emulator
