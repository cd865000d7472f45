// The one way bfedge starts another program (QEMU today; firmware builds and mpirun later).
//
// - argv, never a shell: no argument is ever interpreted, whatever characters it holds.
// - The child runs in its own process group, with its stdin from /dev/null, and dies with bfedge
//   (PR_SET_PDEATHSIG), so not even a SIGKILL of bfedge leaves it running.
// - SIGINT, SIGTERM and SIGHUP sent to bfedge while the child runs are forwarded to the child's
//   group (SIGTERM, then SIGKILL after a grace period); the run then returns ErrorCode::interrupted
//   and the caller unwinds (temp files go with it) and exits 128 + stop_signal().
// - An optional timeout kills the group the same way.
// - The child's stdout and stderr are collected; their last bytes go into error messages.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bfedge/core/status.hpp"

namespace bfedge::process {

struct SubprocessOptions {
  std::vector<std::string> argv;  // argv[0]: the program; a path, or a name searched in PATH
  double timeout_seconds = 0;     // 0: no timeout
  std::vector<int> inherit_fds;   // descriptors the child keeps (e.g. memfds named /dev/fd/N)
  std::size_t output_tail_bytes = 2048;
  double grace_seconds = 0.5;     // between the forwarded SIGTERM and SIGKILL
  // When set: stdout is kept whole in SubprocessResult::stdout_text (up to this many bytes, an
  // error beyond) and output_tail holds stderr alone.
  std::size_t capture_stdout_bytes = 0;
  // When set: the largest file the child may write (RLIMIT_FSIZE; memory files included). A
  // child writing past it is killed by SIGXFSZ.
  std::uint64_t max_file_bytes = 0;
};

struct SubprocessResult {
  int exit_code = -1;       // the child's exit status when it exited, else -1
  int signal = 0;           // the signal that ended it, else 0
  bool timed_out = false;   // killed by the timeout
  std::string output_tail;  // the last output_tail_bytes of its stdout and stderr, together
  std::string stdout_text;  // with capture_stdout_bytes: all of stdout
  double wall_seconds = 0;

  bool succeeded() const { return exit_code == 0; }
  // "exited with status 3", "was killed by signal 9 (Killed)", "did not finish within 5 s".
  std::string how_it_ended() const;
};

// Runs the program to its end. Fails (io) when it cannot be started, naming it and the reason;
// fails (interrupted) when bfedge was asked to stop while it ran. A child that exits non-zero is
// not a failure here: the caller reads the result.
Result<SubprocessResult> run_subprocess(const SubprocessOptions& options);

// The signal that interrupted the last run (SIGINT, SIGTERM or SIGHUP), or 0.
int stop_signal();

// The exit code a command should end with after an interruption: 128 + the signal.
int interrupted_exit_code();

}  // namespace bfedge::process
