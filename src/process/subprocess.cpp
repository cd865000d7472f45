#include "bfedge/process/subprocess.hpp"

#include "descriptors.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <optional>

namespace bfedge::process {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP};
constexpr int kPollMilliseconds = 20;

volatile std::sig_atomic_t g_caught = 0;  // the stop signal caught during the current run
volatile int g_wake_fd = -1;              // write end of the current run's self-pipe
int g_last_stop = 0;

extern "C" void on_stop_signal(int signo) {
  g_caught = signo;
  const int saved = errno;
  const int fd = g_wake_fd;
  if (fd >= 0) {
    const char byte = 0;
    [[maybe_unused]] const ssize_t ignored = write(fd, &byte, 1);
  }
  errno = saved;
}

std::string errno_text(int error) { return std::strerror(error); }

// A descriptor closed on every path.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) close(fd);
    fd = -1;
  }
};

struct Pipe {
  Fd read, write;
  Status open(int flags) {
    int fds[2];
    if (pipe2(fds, flags) != 0) return io_error(std::string("cannot create a pipe (") + errno_text(errno) + ")");
    read.fd = above_standard_streams(fds[0]), write.fd = above_standard_streams(fds[1]);
    if (read.fd < 0 || write.fd < 0) return io_error(std::string("cannot create a pipe (") + errno_text(errno) + ")");
    return Status::ok();
  }
};

// Catches the stop signals for the run's duration (a signal bfedge was told to ignore, as under
// nohup, is not caught), and puts the previous handlers back afterwards. Process-wide: one run at
// a time (bfedge never runs two subprocesses at once).
class StopSignalScope {
 public:
  explicit StopSignalScope(int wake_fd) {
    g_caught = 0;
    g_wake_fd = wake_fd;
    // A SIGCHLD bfedge inherited as ignored would reap the child before waitpid can see it.
    struct sigaction child_default {};
    child_default.sa_handler = SIG_DFL;
    sigemptyset(&child_default.sa_mask);
    sigaction(SIGCHLD, &child_default, &previous_child_);
    for (std::size_t i = 0; i < std::size(kStopSignals); ++i) {
      struct sigaction previous {};
      sigaction(kStopSignals[i], nullptr, &previous);
      installed_[i] = previous.sa_handler != SIG_IGN;
      if (!installed_[i]) continue;
      struct sigaction action {};
      action.sa_handler = on_stop_signal;
      action.sa_flags = SA_RESTART;  // other threads' reads and writes are not cut short
      sigemptyset(&action.sa_mask);
      sigaction(kStopSignals[i], &action, &previous_[i]);
    }
  }
  ~StopSignalScope() {
    for (std::size_t i = 0; i < std::size(kStopSignals); ++i) {
      if (installed_[i]) sigaction(kStopSignals[i], &previous_[i], nullptr);
    }
    sigaction(SIGCHLD, &previous_child_, nullptr);
    g_wake_fd = -1;
  }
  StopSignalScope(const StopSignalScope&) = delete;
  StopSignalScope& operator=(const StopSignalScope&) = delete;

 private:
  struct sigaction previous_[std::size(kStopSignals)] {};
  struct sigaction previous_child_ {};
  bool installed_[std::size(kStopSignals)] = {};
};

// argv[0] as a path: itself when it has a '/', else the first executable match in PATH.
Result<std::string> resolve_program(const std::string& program) {
  if (program.empty()) return invalid_argument("cannot start a program with an empty name");
  if (program.find('/') != std::string::npos) return program;
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  std::size_t begin = 0;
  while (begin <= dirs.size()) {
    std::size_t end = dirs.find(':', begin);
    if (end == std::string::npos) end = dirs.size();
    const std::string dir = end > begin ? dirs.substr(begin, end - begin) : ".";
    const std::string candidate = dir + "/" + program;
    struct stat st {};
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    begin = end + 1;
  }
  return io_error("cannot start " + program + ": not found in PATH");
}

// In the forked child: only async-signal-safe calls until execv.
[[noreturn]] void exec_child(const char* path, char* const* argv, pid_t parent, int stdout_fd, int stderr_fd,
                             int error_fd, const std::vector<int>& inherit_fds, std::uint64_t max_file_bytes) {
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);  // bfedge died before the line above took effect
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  // bfedge's handler must not run here once the mask is lifted below; signals bfedge was told to
  // ignore (nohup) stay ignored.
  for (int signo : kStopSignals) {
    struct sigaction current {};
    sigaction(signo, nullptr, &current);
    if (current.sa_handler == on_stop_signal) sigaction(signo, &default_action, nullptr);
  }
  sigaction(SIGPIPE, &default_action, nullptr);
  sigaction(SIGCHLD, &default_action, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  const int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(stdout_fd, 1) < 0 || dup2(stderr_fd, 2) < 0) {
    const int error = errno;
    [[maybe_unused]] const ssize_t ignored = write(error_fd, &error, sizeof error);
    _exit(127);
  }
#ifdef CLOSE_RANGE_CLOEXEC
  close_range(3, ~0u, CLOSE_RANGE_CLOEXEC);  // bfedge's other descriptors stay out of the child
#endif
  for (int fd : inherit_fds) fcntl(fd, F_SETFD, 0);
  if (max_file_bytes > 0) {
    const rlimit limit{static_cast<rlim_t>(max_file_bytes), static_cast<rlim_t>(max_file_bytes)};
    setrlimit(RLIMIT_FSIZE, &limit);
  }
  execv(path, argv);
  const int error = errno;
  [[maybe_unused]] const ssize_t ignored = write(error_fd, &error, sizeof error);
  _exit(127);
}

void keep_tail(std::string& tail, const char* bytes, std::size_t count, std::size_t limit) {
  tail.append(bytes, count);
  if (tail.size() > 2 * limit + 4096) tail.erase(0, tail.size() - limit);
}

// Reads what the child wrote so far; false at end of file. `whole`: keep everything (up to
// limit; `overflow` is set beyond it), else only the tail.
bool drain(int fd, std::string& text, std::size_t limit, bool whole = false, bool* overflow = nullptr) {
  char buffer[4096];
  for (;;) {
    const ssize_t got = read(fd, buffer, sizeof buffer);
    if (got > 0) {
      if (!whole) {
        keep_tail(text, buffer, static_cast<std::size_t>(got), limit);
      } else if (text.size() + static_cast<std::size_t>(got) <= limit) {
        text.append(buffer, static_cast<std::size_t>(got));
      } else {
        *overflow = true;
      }
      continue;
    }
    if (got == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
}

}  // namespace

std::string SubprocessResult::how_it_ended() const {
  if (timed_out) return "did not finish in time";
  if (signal != 0) return "was killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  return "exited with status " + std::to_string(exit_code);
}

int stop_signal() { return g_last_stop; }
int interrupted_exit_code() { return 128 + (g_last_stop != 0 ? g_last_stop : SIGINT); }

Result<SubprocessResult> run_subprocess(const SubprocessOptions& options) {
  if (options.argv.empty()) return invalid_argument("cannot start a program: no argv");
  Result<std::string> path = resolve_program(options.argv[0]);
  if (!path.is_ok()) return path.status();
  std::vector<char*> argv;
  for (const std::string& arg : options.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const std::string& name = options.argv[0];

  Pipe output, standard_out, exec_error, wake;
  const bool separate = options.capture_stdout_bytes > 0;
  BFEDGE_RETURN_IF_ERROR(output.open(O_CLOEXEC));
  if (separate) {
    BFEDGE_RETURN_IF_ERROR(standard_out.open(O_CLOEXEC));
    fcntl(standard_out.read.fd, F_SETFL, O_NONBLOCK);
  }
  BFEDGE_RETURN_IF_ERROR(exec_error.open(O_CLOEXEC));
  BFEDGE_RETURN_IF_ERROR(wake.open(O_CLOEXEC | O_NONBLOCK));
  fcntl(output.read.fd, F_SETFL, O_NONBLOCK);

  std::optional<StopSignalScope> signals;
  signals.emplace(wake.write.fd);
  // Block the stop signals across fork so the child never runs bfedge's handler.
  sigset_t stop_set, previous_mask;
  sigemptyset(&stop_set);
  for (int signo : kStopSignals) sigaddset(&stop_set, signo);
  pthread_sigmask(SIG_BLOCK, &stop_set, &previous_mask);
  const pid_t parent = getpid();
  const auto start = Clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    exec_child(path.value().c_str(), argv.data(), parent, separate ? standard_out.write.fd : output.write.fd,
               output.write.fd, exec_error.write.fd, options.inherit_fds, options.max_file_bytes);
  }
  const int fork_error = errno;
  if (pid > 0) setpgid(pid, pid);  // also in the parent: the group exists before any kill below
  pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);
  if (pid < 0) return io_error("cannot start " + name + ": fork failed (" + errno_text(fork_error) + ")");
  output.write.reset();
  standard_out.write.reset();
  exec_error.write.reset();

  int exec_errno = 0;
  ssize_t got;
  do {
    got = read(exec_error.read.fd, &exec_errno, sizeof exec_errno);
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof exec_errno)) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return io_error("cannot start " + name + " (" + errno_text(exec_errno) + ")");
  }

  SubprocessResult result;
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                                    options.timeout_seconds > 0 ? options.timeout_seconds : 1e9));
  bool output_open = true, stdout_open = separate, stdout_overflow = false, stopping = false;
  Clock::time_point kill_at{};
  int status = 0;
  bool wait_failed = false;
  for (;;) {
    // Seen but not reaped: the group keeps its id until the kill below has reached any stragglers.
    siginfo_t info{};
    if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0) {
      if (info.si_pid == pid) break;
    } else if (errno != EINTR) {
      wait_failed = true;
      break;
    }
    pollfd fds[3] = {{output_open ? output.read.fd : -1, POLLIN, 0}, {wake.read.fd, POLLIN, 0},
                     {stdout_open ? standard_out.read.fd : -1, POLLIN, 0}};
    poll(fds, 3, kPollMilliseconds);
    if (output_open && (fds[0].revents & (POLLIN | POLLHUP)) != 0) {
      output_open = drain(output.read.fd, result.output_tail, options.output_tail_bytes);
    }
    if (stdout_open && (fds[2].revents & (POLLIN | POLLHUP)) != 0) {
      stdout_open = drain(standard_out.read.fd, result.stdout_text, options.capture_stdout_bytes, true, &stdout_overflow);
    }
    if ((fds[1].revents & POLLIN) != 0) {
      char bytes[64];
      while (read(wake.read.fd, bytes, sizeof bytes) > 0) {
      }
    }
    const auto now = Clock::now();
    if (!stopping && (g_caught != 0 || now >= deadline)) {
      stopping = true;
      result.timed_out = g_caught == 0;
      kill(-pid, SIGTERM);
      kill_at = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.grace_seconds));
    } else if (stopping && now >= kill_at) {
      kill(-pid, SIGKILL);
      kill_at = Clock::time_point::max();
    }
  }
  kill(-pid, SIGKILL);  // anything the child left in its group
  while (!wait_failed && waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) wait_failed = true;
  }
  if (wait_failed) return io_error("lost track of " + name + " (" + errno_text(errno) + ")");
  if (output_open) drain(output.read.fd, result.output_tail, options.output_tail_bytes);
  if (stdout_open) drain(standard_out.read.fd, result.stdout_text, options.capture_stdout_bytes, true, &stdout_overflow);
  if (result.output_tail.size() > options.output_tail_bytes) {
    result.output_tail.erase(0, result.output_tail.size() - options.output_tail_bytes);
  }
  result.wall_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  signals.reset();  // from here a stop signal has its usual effect; one caught until now is reported
  if (g_caught != 0) {
    g_last_stop = g_caught;
    const char* abbrev = sigabbrev_np(g_last_stop);
    const std::string signal_name = abbrev != nullptr ? std::string("SIG") + abbrev : "signal " + std::to_string(g_last_stop);
    return Status(ErrorCode::interrupted, "interrupted by " + signal_name + ": " + name + " was stopped");
  }
  if (stdout_overflow) {
    return format_error(name + " wrote more than " + std::to_string(options.capture_stdout_bytes) + " bytes on stdout");
  }
  return result;
}

}  // namespace bfedge::process
