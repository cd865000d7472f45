// The QEMU counting plugin against a kernel whose counts are known: count_probe.elf makes hart h
// run bfedge_count_loop 1000·(h+1) times (4n + 2 instructions, n loads, n stores each), so every
// per-hart number the plugin reports can be checked exactly.
#include <cstdio>
#include <map>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "bfedge/process/subprocess.hpp"
#include "support/test_support.hpp"

namespace bfedge::test {
namespace {

std::map<std::string, unsigned long> symbols(const std::string& elf) {
  std::map<std::string, unsigned long> out;
  process::SubprocessOptions nm;
  nm.argv = {BFEDGE_RV32_NM, elf};
  nm.capture_stdout_bytes = 16 << 20;
  auto listed = process::run_subprocess(nm);
  if (!listed.is_ok() || !listed.value().succeeded()) return out;
  std::istringstream lines(listed.value().stdout_text);
  std::string line;
  while (std::getline(lines, line)) {
    unsigned long addr = 0;
    char type = 0;
    char name[256];
    if (std::sscanf(line.c_str(), "%lx %c %255s", &addr, &type, name) == 3) out[name] = addr;
  }
  return out;
}

std::string hex(unsigned long v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lx", v);
  return buf;
}

TEST(Rv32CountingPlugin, PerHartCountsOfAKnownLoopAreExact) {
  auto sym = symbols(BFEDGE_COUNT_PROBE_ELF);
  ASSERT_TRUE(sym.count("bfedge_count_loop") && sym.count("bfedge_count_loop_end") &&
              sym.count("bfedge_count_buffer"));
  TempDir dir;
  const std::string out = dir.file("counts.json");
  const unsigned long buffer = sym["bfedge_count_buffer"];
  const std::string plugin = std::string(BFEDGE_COUNTERS_PLUGIN) + ",pc=count_loop:" +
                             hex(sym["bfedge_count_loop"]) + ":" + hex(sym["bfedge_count_loop_end"]) +
                             ",mem=count_buffer:" + hex(buffer) + ":" + hex(buffer + 64) +
                             ",mark=fork:" + hex(sym["bfedge_rv32_mark_fork"]) +
                             ",mark=join:" + hex(sym["bfedge_rv32_mark_join"]) + ",idle=" +
                             hex(sym["__idle_start"]) + ":" + hex(sym["__idle_end"]) + ",out=" + out;
  process::SubprocessOptions qemu;
  qemu.argv = {BFEDGE_QEMU_RV32, "-machine", "virt", "-smp", "9", "-m", "256M", "-bios", "none", "-nographic",
               "-kernel", BFEDGE_COUNT_PROBE_ELF, "-plugin", plugin};
  qemu.timeout_seconds = 120;
  auto ran = process::run_subprocess(qemu);
  ASSERT_TRUE(ran.is_ok()) << ran.status().message();
  ASSERT_TRUE(ran.value().succeeded()) << ran.value().how_it_ended() << ": " << ran.value().output_tail;
  const auto j = nlohmann::json::parse(read_text(out));
  ASSERT_EQ(j["harts"].size(), 9u);  // 8 workers and the DMA engine
  for (unsigned h = 0; h < 8; ++h) {
    const auto& hart = j["harts"][h];
    const unsigned long n = 1000ul * (h + 1);
    EXPECT_EQ(hart["ranges"]["count_loop"].get<unsigned long>(), 4 * n + 2) << "hart " << h;
    EXPECT_EQ(hart["regions"]["count_buffer"]["loads"].get<unsigned long>(), n) << "hart " << h;
    // Hart 0 also zeroes .bss at start-up: 16 word stores into the 64-byte buffer.
    EXPECT_EQ(hart["regions"]["count_buffer"]["stores"].get<unsigned long>(), n + (h == 0 ? 16 : 0))
        << "hart " << h;
    EXPECT_GT(hart["insns"].get<unsigned long>(), 4 * n + 2) << "hart " << h;
    // One fork: a snapshot when the job starts (mark 0) and one when it ends (mark 1). Between them
    // the hart ran the loop: its instructions, one load per iteration, a taken back-edge per
    // iteration but the last (plus the calls and returns around it).
    const auto& phases = hart["phases"];
    ASSERT_EQ(phases.size(), 2u) << "hart " << h;
    EXPECT_EQ(phases[0][0].get<int>(), 0);
    EXPECT_EQ(phases[1][0].get<int>(), 1);
    const auto delta = [&](int word) { return phases[1][word].get<unsigned long>() - phases[0][word].get<unsigned long>(); };
    const unsigned long work = delta(1) - delta(2);  // instructions outside the idle range
    EXPECT_GE(work, 4 * n + 2) << "hart " << h;
    EXPECT_LE(work, 4 * n + 2 + 40) << "hart " << h;
    EXPECT_EQ(delta(4), n) << "hart " << h;  // loads from count_buffer
    EXPECT_GE(delta(3), n - 1) << "hart " << h;
    EXPECT_LE(delta(3), n - 1 + 8) << "hart " << h;
  }
}

}  // namespace
}  // namespace bfedge::test
