// bfedge mcu as a process: a stop signal during a run ends it promptly with 128 + signal and no
// QEMU left; a SIGKILL of bfedge takes QEMU with it; nothing is written to TMPDIR (the run's files
// are memory files); every environment variable is parsed and range-checked, never seen by a shell.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cli/mcu_cli_support.hpp"
#include "support/test_support.hpp"

extern char** environ;

namespace bfedge::test {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;


// The first child of `parent` whose command name starts with `name`, or 0.
pid_t child_named(pid_t parent, const std::string& name) {
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::ifstream stat(entry.path() / "stat");
    std::string pid, comm, state;
    pid_t ppid = 0;
    if (!(stat >> pid >> comm >> state >> ppid) || ppid != parent) continue;
    if (comm.rfind("(" + name, 0) == 0) return static_cast<pid_t>(std::stol(pid));
  }
  return 0;
}

// bfedge started in the background with stdout and stderr in files and TMPDIR a fresh directory.
class Background {
 public:
  // `tmpdir`: TMPDIR for bfedge (default: a fresh directory this object checks and removes).
  explicit Background(const std::vector<std::string>& args, const std::string& tmpdir = "") {
    fs::create_directories(tmpdir_);
    std::vector<std::string> argv{BFEDGE_CLI_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> raw;
    for (std::string& a : argv) raw.push_back(a.data());
    raw.push_back(nullptr);
    std::vector<std::string> env{"TMPDIR=" + (tmpdir.empty() ? tmpdir_.string() : tmpdir)};
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::string(*e).rfind("TMPDIR=", 0) != 0) env.emplace_back(*e);
    }
    std::vector<char*> raw_env;
    for (std::string& e : env) raw_env.push_back(e.data());
    raw_env.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, (dir_ / "out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, (dir_ / "err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (posix_spawn(&pid_, raw[0], &actions, nullptr, raw.data(), raw_env.data()) != 0) pid_ = 0;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Background() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    fs::remove_all(dir_);
  }
  pid_t pid() const { return pid_; }
  // QEMU's pid once bfedge has started it (0 after `seconds`).
  pid_t wait_for_qemu(double seconds) const {
    const auto until = Clock::now() + std::chrono::duration<double>(seconds);
    while (Clock::now() < until) {
      if (const pid_t q = child_named(pid_, "qemu-system")) return q;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return 0;
  }
  // The exit status (128 + signal when killed); -1 if it has not ended after `seconds`.
  int wait(double seconds) {
    const auto until = Clock::now() + std::chrono::duration<double>(seconds);
    int status = 0;
    while (Clock::now() < until) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }
  std::string err() const { return read_text((dir_ / "err").string()); }
  std::string out() const { return read_text((dir_ / "out").string()); }
  bool tmpdir_is_empty() const { return fs::is_empty(tmpdir_); }

 private:
  fs::path dir_ = fs::temp_directory_path() / ("bfedge-bg-" + std::to_string(getpid()) + "-" +
                                                std::to_string(Clock::now().time_since_epoch().count()));
  fs::path tmpdir_ = dir_ / "tmp";
  pid_t pid_ = 0;
};

// The default MHSA benchmark: ~10 s under QEMU, time enough to be interrupted.
const std::vector<std::string> kLongRun{"mcu", "bench", "mhsa"};

TEST(McuProcess, StopSignalsEndARunWithinASecondWithNoQemuLeft) {
  SKIP_WITHOUT_MCU();
  for (const int signo : {SIGINT, SIGTERM, SIGHUP}) {
    Background bfedge(kLongRun);
    ASSERT_GT(bfedge.pid(), 0);
    const pid_t qemu = bfedge.wait_for_qemu(60);
    ASSERT_GT(qemu, 0) << "QEMU never started: " << bfedge.err();
    kill(bfedge.pid(), signo);
    const int exit_code = bfedge.wait(10);  // a guard against a hang, not a timing assertion
    EXPECT_EQ(exit_code, 128 + signo) << bfedge.err();
    EXPECT_EQ(count_lines(bfedge.err()), 1) << bfedge.err();
    EXPECT_NE(bfedge.err().find("interrupted by SIG"), std::string::npos) << bfedge.err();
    EXPECT_TRUE(bfedge.out().empty());
    EXPECT_TRUE(process_gone(qemu, 3)) << "QEMU outlived bfedge";
    EXPECT_TRUE(bfedge.tmpdir_is_empty());
  }
}

TEST(McuProcess, ASigkilledBfedgeTakesQemuWithIt) {
  SKIP_WITHOUT_MCU();
  Background bfedge(kLongRun);
  const pid_t qemu = bfedge.wait_for_qemu(60);
  ASSERT_GT(qemu, 0) << bfedge.err();
  kill(bfedge.pid(), SIGKILL);
  EXPECT_EQ(bfedge.wait(10), 128 + SIGKILL);
  EXPECT_TRUE(process_gone(qemu, 3)) << "QEMU outlived a SIGKILLed bfedge";
  EXPECT_TRUE(bfedge.tmpdir_is_empty()) << "files left in TMPDIR";
}

// Runs the small MHSA benchmark with one environment variable set.
CommandResult with_env(const char* name, const std::string& value) {
  const char* old = std::getenv(name);
  const std::string saved = old != nullptr ? old : "";
  setenv(name, value.c_str(), 1);
  const CommandResult r = run_cli({"mcu", "bench", "mhsa", "--seq", "8", "--embed", "16", "--heads", "2"});
  if (old != nullptr) {
    setenv(name, saved.c_str(), 1);
  } else {
    unsetenv(name);
  }
  return r;
}

TEST(McuProcess, EnvironmentVariablesAreRangeCheckedAndNeverReachAShell) {
  SKIP_WITHOUT_MCU();
  const fs::path marker = fs::temp_directory_path() / ("bfedge-pwned-" + std::to_string(getpid()));
  const std::string inject = "$(touch " + marker.string() + ")";
  const std::pair<const char*, std::vector<std::string>> cases[] = {
      {"BFEDGE_MCU_TIMEOUT", {"abc", "0", "-1", "1.5", "99999999999", "5; touch " + marker.string(), inject}},
      {"BFEDGE_MCU_PLUGIN_EXTRA", {inject, "pc=a:1:2", ",pc=:1:2", ",pc=a:1", ",pc=a:1:zz", ",mem=L1:0:1", ",out=/x"}},
      {"BFEDGE_MCU_KEEP_DIR", {"/nonexistent-bfedge", inject}},
  };
  for (const auto& [name, values] : cases) {
    for (const std::string& value : values) {
      const CommandResult r = with_env(name, value);
      EXPECT_EQ(r.exit_code, 2) << name << "=" << value << ": " << r.err;
      EXPECT_EQ(count_lines(r.err), 1) << r.err;
      EXPECT_NE(r.err.find(std::string(name) + "='" + value + "'"), std::string::npos) << r.err;
      EXPECT_TRUE(r.out.empty());
    }
  }
  for (const char* name : {"BFEDGE_QEMU_RV32", "BFEDGE_MCU_FIRMWARE", "BFEDGE_MCU_PLUGIN"}) {
    const CommandResult r = with_env(name, "/bin/true; touch " + marker.string());
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("not found (set by " + std::string(name) + ")"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(fs::exists(marker)) << "an environment variable reached a shell";
}

TEST(McuProcess, FailuresNameTheirCause) {
  SKIP_WITHOUT_MCU();
  CommandResult r = with_env("BFEDGE_QEMU_RV32", "/bin/false");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "bfedge: error: /bin/false exited with status 1\n");
  Background no_tmpdir({"mcu", "bench", "mhsa", "--seq", "8", "--embed", "16", "--heads", "2"}, "/nonexistent-bfedge-tmp");
  EXPECT_EQ(no_tmpdir.wait(120), 0) << no_tmpdir.err();  // the run needs no temporary directory
  // A firmware that is no RV32 ELF would run as raw code until the timeout: refused up front.
  for (const char* not_firmware : {"/bin/true", "/etc/hostname"}) {
    r = with_env("BFEDGE_MCU_FIRMWARE", not_firmware);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err, "bfedge: error: " + std::string(not_firmware) + ": not an RV32 ELF executable (the MCU firmware)\n");
  }
  setenv("BFEDGE_MCU_TIMEOUT", "1", 1);
  r = run_cli(kLongRun);
  unsetenv("BFEDGE_MCU_TIMEOUT");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "bfedge: error: the MCU firmware did not finish within 1 s under QEMU (BFEDGE_MCU_TIMEOUT sets the limit)\n");
}

TEST(McuProcess, KeepDirReceivesTheRunsFiles) {
  SKIP_WITHOUT_MCU();
  const fs::path keep = fs::temp_directory_path() / ("bfedge-keep-" + std::to_string(getpid()));
  fs::create_directories(keep);
  const CommandResult r = with_env("BFEDGE_MCU_KEEP_DIR", keep.string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* file : {"image.bin", "uart.txt", "counts.json", "qemu.log"}) EXPECT_TRUE(fs::exists(keep / file)) << file;
  EXPECT_NE(read_text((keep / "uart.txt").string()).find("MEASURE"), std::string::npos);
  fs::remove_all(keep);
}

}  // namespace
}  // namespace bfedge::test
