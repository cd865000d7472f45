// The subprocess helper: argv without a shell, exit status and output tail, clear start errors,
// timeouts and stop signals that take the child's whole process group down, no orphan after a
// SIGKILL of the parent, memory files shared with the child, temporary directories removed.
#include "bfedge/process/subprocess.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "bfedge/process/memory_file.hpp"
#include "bfedge/process/temp_dir.hpp"
#include "support/test_support.hpp"

namespace bfedge::process {
namespace {

namespace fs = std::filesystem;

using test::process_gone;
using test::read_pid;

TEST(Subprocess, ReportsTheExitStatusAndTheTailOfItsOutput) {
  SubprocessOptions o;
  o.argv = {"/bin/sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 3"};
  auto r = run_subprocess(o);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r.value().exit_code, 3);
  EXPECT_EQ(r.value().how_it_ended(), "exited with status 3");
  EXPECT_NE(r.value().output_tail.find("to-stdout"), std::string::npos);
  EXPECT_NE(r.value().output_tail.find("to-stderr"), std::string::npos);

  o.argv = {"/bin/sh", "-c", "head -c 100000 /dev/zero | tr '\\0' a; echo THE-END"};
  o.output_tail_bytes = 64;
  r = run_subprocess(o);
  ASSERT_TRUE(r.is_ok());
  EXPECT_TRUE(r.value().succeeded());
  EXPECT_EQ(r.value().output_tail.size(), 64u);
  EXPECT_NE(r.value().output_tail.find("THE-END"), std::string::npos);
}

TEST(Subprocess, StdoutCanBeKeptWholeAndApartFromStderr) {
  SubprocessOptions o;
  o.argv = {"/bin/sh", "-c", "head -c 50000 /dev/zero | tr '\\0' x; echo; echo warn >&2"};
  o.capture_stdout_bytes = 1 << 20;
  auto r = run_subprocess(o);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r.value().stdout_text, std::string(50000, 'x') + "\n");
  EXPECT_EQ(r.value().output_tail, "warn\n");
  o.capture_stdout_bytes = 1000;
  r = run_subprocess(o);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message(), "/bin/sh wrote more than 1000 bytes on stdout");
}

TEST(Subprocess, ArgumentsAreNeverInterpretedByAShell) {
  const fs::path marker = fs::temp_directory_path() / ("bfedge-no-shell-" + std::to_string(getpid()));
  fs::remove(marker);
  const std::string hostile = "$(touch " + marker.string() + "); `touch " + marker.string() + "`; | > ' \"";
  SubprocessOptions o;
  o.argv = {"echo", hostile};  // found in PATH, run without a shell
  auto r = run_subprocess(o);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r.value().output_tail, hostile + "\n");
  EXPECT_FALSE(fs::exists(marker));
}

TEST(Subprocess, AProgramThatCannotStartIsAClearError) {
  SubprocessOptions o;
  o.argv = {"/nonexistent/qemu-system-riscv32"};
  auto r = run_subprocess(o);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message(), "cannot start /nonexistent/qemu-system-riscv32 (No such file or directory)");
  o.argv = {"bfedge-no-such-program"};
  r = run_subprocess(o);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message(), "cannot start bfedge-no-such-program: not found in PATH");
  o.argv = {"/etc/hostname"};  // not a program
  r = run_subprocess(o);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message().rfind("cannot start /etc/hostname (", 0), 0u) << r.status().message();
  o.argv = {};
  EXPECT_FALSE(run_subprocess(o).is_ok());
}

TEST(Subprocess, ATimeoutKillsTheWholeProcessGroup) {
  TempDir dir = std::move(TempDir::create("a test")).value();
  const std::string pid_file = dir.path() + "/grandchild.pid";
  SubprocessOptions o;
  o.argv = {"/bin/sh", "-c", "sleep 30 & echo $! > " + pid_file + "; wait"};
  o.timeout_seconds = 0.3;
  auto r = run_subprocess(o);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_TRUE(r.value().timed_out);
  EXPECT_FALSE(r.value().succeeded());
  EXPECT_LT(r.value().wall_seconds, 5.0);
  const pid_t grandchild = read_pid(pid_file);
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(process_gone(grandchild));
}

TEST(Subprocess, AStopSignalIsForwardedAndTheRunReportsIt) {
  for (int signo : {SIGTERM, SIGINT}) {
    TempDir dir = std::move(TempDir::create("a test")).value();
    const std::string pid_file = dir.path() + "/child.pid";
    std::thread sender([&] {
      if (read_pid(pid_file) > 0) kill(getpid(), signo);
    });
    SubprocessOptions o;
    o.argv = {"/bin/sh", "-c", "echo $$ > " + pid_file + "; exec sleep 30"};
    const auto start = std::chrono::steady_clock::now();
    auto r = run_subprocess(o);
    sender.join();
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), ErrorCode::interrupted);
    EXPECT_EQ(stop_signal(), signo);
    EXPECT_EQ(interrupted_exit_code(), 128 + signo);
    EXPECT_NE(r.status().message().find(signo == SIGINT ? "SIGINT" : "SIGTERM"), std::string::npos);
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 5.0);
    EXPECT_TRUE(process_gone(read_pid(pid_file)));
    struct sigaction now {};
    sigaction(signo, nullptr, &now);
    EXPECT_EQ(now.sa_handler, SIG_DFL) << "the previous handler is put back";
  }
}

TEST(Subprocess, AChildDiesWithItsParentEvenAfterSigkill) {
  TempDir dir = std::move(TempDir::create("a test")).value();
  const std::string pid_file = dir.path() + "/child.pid";
  const pid_t parent = fork();
  ASSERT_GE(parent, 0);
  if (parent == 0) {
    SubprocessOptions o;
    o.argv = {"/bin/sh", "-c", "echo $$ > " + pid_file + "; exec sleep 30"};
    (void)run_subprocess(o);
    _exit(0);
  }
  const pid_t child = read_pid(pid_file);
  kill(parent, SIGKILL);
  int status = 0;
  waitpid(parent, &status, 0);
  ASSERT_GT(child, 0);
  EXPECT_TRUE(process_gone(child)) << "the child outlived a SIGKILLed parent";
}

TEST(Subprocess, MemoryFilesAreSharedWithTheChildByName) {
  auto input = MemoryFile::create("input");
  auto output = MemoryFile::create("output");
  ASSERT_TRUE(input.is_ok() && output.is_ok());
  ASSERT_TRUE(input.value().write_all("abc\n", 4).is_ok());
  SubprocessOptions o;
  o.argv = {"/bin/sh", "-c", "cat " + input.value().child_path() + " > " + output.value().child_path()};
  o.inherit_fds = {input.value().fd(), output.value().fd()};
  auto r = run_subprocess(o);
  ASSERT_TRUE(r.is_ok());
  EXPECT_TRUE(r.value().succeeded()) << r.value().output_tail;
  auto text = output.value().read_all(100);
  ASSERT_TRUE(text.is_ok());
  EXPECT_EQ(text.value(), "abc\n");
  EXPECT_FALSE(output.value().read_all(2).is_ok());

  o.inherit_fds = {};  // not inherited: the child cannot open it
  o.argv = {"/bin/sh", "-c", "cat " + input.value().child_path()};
  r = run_subprocess(o);
  ASSERT_TRUE(r.is_ok());
  EXPECT_FALSE(r.value().succeeded());
}

// Runs `body` in a forked copy of this test process and returns its exit status (0: passed).
template <class Body>
int in_child_process(Body body) {
  const pid_t child = fork();
  if (child == 0) _exit(body() ? 0 : 1);
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(Subprocess, WorksWhenBfedgeStartedWithItsStandardStreamsClosed) {
  EXPECT_EQ(in_child_process([] {
              close(0), close(1), close(2);
              SubprocessOptions o;
              o.argv = {"/bin/sh", "-c", "echo out; echo err >&2; cat /dev/fd/0"};
              auto r = run_subprocess(o);
              return r.is_ok() && r.value().succeeded() && r.value().output_tail == "out\nerr\n";
            }),
            0);
}

TEST(Subprocess, AnIgnoredSigchldDoesNotTurnAFailureIntoSuccess) {
  EXPECT_EQ(in_child_process([] {
              signal(SIGCHLD, SIG_IGN);
              SubprocessOptions o;
              o.argv = {"/bin/sh", "-c", "exit 3"};
              auto r = run_subprocess(o);
              return r.is_ok() && r.value().exit_code == 3;
            }),
            0);
}

TEST(Subprocess, MaxFileBytesStopsAChildFillingAMemoryFile) {
  auto sink = MemoryFile::create("sink");
  ASSERT_TRUE(sink.is_ok());
  SubprocessOptions o;
  o.argv = {"/bin/sh", "-c", "exec head -c 1000000 /dev/zero > " + sink.value().child_path()};
  o.inherit_fds = {sink.value().fd()};
  o.max_file_bytes = 4096;
  auto r = run_subprocess(o);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r.value().signal, SIGXFSZ) << r.value().how_it_ended();
  auto text = sink.value().read_all(1 << 20);
  ASSERT_TRUE(text.is_ok());
  EXPECT_LE(text.value().size(), 4096u);
}

TEST(TempDirectory, IsRemovedWithItsContentsAndNamesABadTmpdir) {
  std::string path;
  {
    auto dir = TempDir::create("a test");
    ASSERT_TRUE(dir.is_ok());
    path = dir.value().path();
    std::ofstream(path + "/file") << "x";
    fs::create_directory(path + "/sub");
    EXPECT_TRUE(fs::is_directory(path));
  }
  EXPECT_FALSE(fs::exists(path));
  const char* old = std::getenv("TMPDIR");
  const std::string saved = old != nullptr ? old : "";
  setenv("TMPDIR", "/nonexistent-bfedge-tmp", 1);
  auto dir = TempDir::create("the MCU run");
  if (old != nullptr) setenv("TMPDIR", saved.c_str(), 1); else unsetenv("TMPDIR");
  ASSERT_FALSE(dir.is_ok());
  EXPECT_EQ(dir.status().message(),
            "cannot create a temporary directory for the MCU run: TMPDIR=/nonexistent-bfedge-tmp is not a directory");
}

}  // namespace
}  // namespace bfedge::process
