// Target descriptions: the shipped file is the default, the default is the MCU `bfedge mcu`
// emulates, a description round-trips, and every bad file fails with one line naming the key.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "bfedge/deploy/target.hpp"
#include "bfedge/emulator/cycle_model.hpp"
#include "bfedge/rv32/memory_map.h"

namespace bfedge::deploy {
namespace {

void expect_same(const McuTarget& a, const McuTarget& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.cores, b.cores);
  EXPECT_EQ(a.clock_hz, b.clock_hz);
  EXPECT_EQ(a.isa, b.isa);
  for (const auto& [x, y] : {std::pair{a.l1, b.l1}, std::pair{a.l2, b.l2}, std::pair{a.l3, b.l3}}) {
    EXPECT_EQ(x.bytes, y.bytes);
    EXPECT_EQ(x.reserved_bytes, y.reserved_bytes);
    EXPECT_EQ(x.access_cycles, y.access_cycles);
  }
  EXPECT_EQ(a.dma_bytes_per_cycle, b.dma_bytes_per_cycle);
  EXPECT_EQ(a.dma_cycles_per_transfer, b.dma_cycles_per_transfer);
  EXPECT_EQ(a.barrier_cycles, b.barrier_cycles);
  EXPECT_EQ(a.fork_join_cycles, b.fork_join_cycles);
  EXPECT_EQ(a.taken_branch_cycles, b.taken_branch_cycles);
}

std::string parse_error(const std::string& text) {
  const Result<McuTarget> t = parse_target_json(text, "t.json");
  return t.is_ok() ? "(parsed)" : t.status().message();
}

TEST(Target, TheShippedFileIsTheDefault) {
  const Result<McuTarget> shipped = load_target(BFEDGE_SOURCE_DIR "/targets/gap9-like.json");
  ASSERT_TRUE(shipped.is_ok()) << shipped.status().message();
  expect_same(shipped.value(), gap9_like_target());
}

TEST(Target, TheDefaultIsTheEmulatedMcuAndItsCycleModel) {
  const McuTarget t = gap9_like_target();
  EXPECT_EQ(t.cores, BFEDGE_MCU_WORKERS);
  EXPECT_EQ(t.l1.bytes, BFEDGE_MCU_L1_BYTES);
  EXPECT_EQ(t.l1.reserved_bytes, BFEDGE_MCU_STACK_BYTES * BFEDGE_MCU_WORKERS);
  EXPECT_EQ(t.l2.bytes, BFEDGE_MCU_L2_BYTES);
  EXPECT_EQ(t.l3.bytes, BFEDGE_MCU_L3_BYTES);
  const emulator::CycleModelParams p;
  EXPECT_EQ(t.clock_hz, p.clock_hz);
  EXPECT_EQ(t.l1.access_cycles, p.l1_load_stall);
  EXPECT_EQ(t.l2.access_cycles, p.l2_access_extra);
  EXPECT_EQ(t.l3.access_cycles, p.l3_access_extra);
  EXPECT_EQ(t.dma_bytes_per_cycle, p.dma_bytes_per_cycle);
  EXPECT_EQ(t.dma_cycles_per_transfer, p.dma_cycles_per_transfer);
  EXPECT_EQ(t.barrier_cycles, p.barrier_cycles);
  EXPECT_EQ(t.fork_join_cycles, p.fork_join_cycles);
  EXPECT_EQ(t.taken_branch_cycles, p.taken_branch_extra);
}

TEST(Target, ADescriptionRoundTripsAndKeysLeftOutKeepTheDefault) {
  McuTarget t;
  t.name = "small";
  t.cores = 4;
  t.l1 = {64 * 1024, 8 * 1024, 2.0};
  t.l2 = {512 * 1024, 32 * 1024, 20.0};
  t.dma_bytes_per_cycle = 4;
  const Result<McuTarget> back = parse_target_json(target_json(t), "t.json");
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  expect_same(back.value(), t);

  const Result<McuTarget> partial = parse_target_json(R"({"name": "gap9-512k", "l2": {"bytes": "512KiB"}})", "t.json");
  ASSERT_TRUE(partial.is_ok()) << partial.status().message();
  EXPECT_EQ(partial.value().l2.bytes, 512 * 1024);
  EXPECT_EQ(partial.value().l2.reserved_bytes, gap9_like_target().l2.reserved_bytes);
  EXPECT_EQ(partial.value().l1.bytes, gap9_like_target().l1.bytes);
}

TEST(Target, BadDescriptionsFailWithOneLineNamingTheKey) {
  EXPECT_EQ(parse_error("{"), "t.json: not valid JSON");
  EXPECT_EQ(parse_error("[1]"), "t.json: expected a JSON object");
  EXPECT_EQ(parse_error(R"({"l2": {"byts": 5}})"),
            "t.json: l2.byts: unknown key (expected bytes, reserved_bytes, access_cycles)");
  EXPECT_EQ(parse_error(R"({"cache": 5})"),
            "t.json: cache: unknown key (expected name, description, cores, clock_hz, isa, l1, l2, l3, dma, sync)");
  EXPECT_EQ(parse_error(R"({"l1": {"bytes": "lots"}})"),
            "t.json: l1.bytes: expected a size (bytes, or a string such as \"128KiB\" or \"1.5MiB\")");
  EXPECT_EQ(parse_error(R"({"l1": {"bytes": -5}})"),
            "t.json: l1.bytes: expected a size (bytes, or a string such as \"128KiB\" or \"1.5MiB\")");
  EXPECT_EQ(parse_error(R"({"cores": 0})"), "t.json: cores: expected an integer in 1..64");
  EXPECT_EQ(parse_error(R"({"dma": {"bytes_per_cycle": 0}})"), "t.json: dma.bytes_per_cycle: must be positive");
  EXPECT_EQ(parse_error(R"({"sync": {"barrier": 3}})"),
            "t.json: sync.barrier: unknown key (expected barrier_cycles, fork_join_cycles, taken_branch_cycles)");
  EXPECT_EQ(parse_error(R"({"isa": "x86_64"})"), "t.json: isa: 'x86_64' is not supported (supported: rv32imafc)");
  EXPECT_EQ(parse_error(R"({"l1": {"bytes": "16KiB"}})"),
            "t.json: l1.reserved_bytes: 16 KiB leaves nothing of 16 KiB");
  EXPECT_EQ(parse_error(R"({"l1": {"bytes": "2MiB", "reserved_bytes": 0}})"), "t.json: l1.bytes: larger than l2.bytes");
  EXPECT_EQ(parse_error(R"({"clock_hz": "fast"})"), "t.json: clock_hz: expected a non-negative number");
}

TEST(Target, AMissingFileIsNamed) {
  const Result<McuTarget> t = load_target("/nonexistent/mcu.json");
  ASSERT_FALSE(t.is_ok());
  EXPECT_NE(t.status().message().find("/nonexistent/mcu.json"), std::string::npos) << t.status().message();
}

}  // namespace
}  // namespace bfedge::deploy
