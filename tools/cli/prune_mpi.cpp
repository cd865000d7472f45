// MPI roles of bfedge prune (prune_mpi.hpp). Every MPI call is made under one lock
// (MPI_THREAD_SERIALIZED): rank 0's training threads send a job to their worker, then poll for its
// reply with MPI_Iprobe, so that no thread blocks the others inside MPI. Each worker sends a
// heartbeat every kBeatSeconds from a thread of its own; rank 0 counts a worker silent for the
// worker timeout as lost (its process died, or its node) and stops giving it work.
#include "prune_mpi.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#ifdef BFEDGE_HAVE_MPI
#include <mpi.h>
#endif

namespace bfedge::cli {
namespace {

using nlohmann::json;

bool env_above_one(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && std::atoi(v) > 1;
}

}  // namespace

bool launched_by_mpi() {
  return env_above_one("OMPI_COMM_WORLD_SIZE") || env_above_one("PMI_SIZE") || env_above_one("PMIX_SIZE");
}

#ifdef BFEDGE_HAVE_MPI
namespace {

constexpr int kJobTag = 1, kResultTag = 2, kBeatTag = 3;
constexpr auto kBeatInterval = std::chrono::seconds(2);
using Clock = std::chrono::steady_clock;

std::mutex& mpi_lock() {
  static std::mutex m;
  return m;
}

std::set<int>& lost_ranks() {  // guarded by mpi_lock()
  static std::set<int> lost;
  return lost;
}

// False once a rank was lost: MPI_Finalize can then wait forever on the dead rank (seen with Open
// MPI 4.1 under --enable-recovery), so the ranks left exit without it, as mpirun allows there.
std::atomic<bool> finalize_at_exit = true;

// Under the lock: takes every heartbeat `from` has sent; true when there was one.
bool drain_beats(int from) {
  bool beat = false;
  for (;;) {
    int ready = 0;
    MPI_Status status;
    MPI_Iprobe(from, kBeatTag, MPI_COMM_WORLD, &ready, &status);
    if (!ready) return beat;
    char none = 0;
    MPI_Recv(&none, 0, MPI_CHAR, from, kBeatTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    beat = true;
  }
}

void send_text(const std::string& text, int to, int tag) {
  const std::lock_guard<std::mutex> hold(mpi_lock());
  MPI_Send(text.data(), static_cast<int>(text.size()), MPI_CHAR, to, tag, MPI_COMM_WORLD);
}

// Waits for a message from `from` with `tag`: polls under the lock, sleeping between tries. With a
// timeout, nullopt once `from` has sent neither the message nor a heartbeat for that long.
std::optional<std::string> receive_text(int from, int tag, std::optional<Clock::duration> timeout = std::nullopt) {
  Clock::time_point heard = Clock::now();
  for (;;) {
    {
      const std::lock_guard<std::mutex> hold(mpi_lock());
      if (timeout && drain_beats(from)) heard = Clock::now();
      int ready = 0;
      MPI_Status status;
      MPI_Iprobe(from, tag, MPI_COMM_WORLD, &ready, &status);
      if (ready) {
        int count = 0;
        MPI_Get_count(&status, MPI_CHAR, &count);
        std::string text(static_cast<std::size_t>(count), '\0');
        MPI_Recv(text.data(), count, MPI_CHAR, from, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        return text;
      }
      if (timeout && Clock::now() - heard > *timeout) {
        lost_ranks().insert(from);
        return std::nullopt;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// A worker's heartbeat to rank 0 every kBeatInterval, from its own thread, until destroyed.
class Heartbeat {
 public:
  Heartbeat() : thread_([this] { beat(); }) {}
  ~Heartbeat() {
    {
      const std::lock_guard<std::mutex> hold(lock_);
      stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }

 private:
  void beat() {
    std::unique_lock<std::mutex> hold(lock_);
    while (!wake_.wait_for(hold, kBeatInterval, [this] { return stop_; })) {
      const std::lock_guard<std::mutex> mpi(mpi_lock());
      MPI_Send(nullptr, 0, MPI_CHAR, 0, kBeatTag, MPI_COMM_WORLD);
    }
  }
  std::mutex lock_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

Result<double> result_of(const std::string& text, int rank) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return format_error("rank " + std::to_string(rank) + ": unreadable reply");
  if (j.value("ok", false)) return j.value("accuracy", 0.0);
  const std::string error = j.value("error", std::string("failed"));
  if (j.value("interrupted", false)) return Status(ErrorCode::interrupted, error);
  return format_error(error);
}

class MpiTrainer final : public prune::CandidateTrainer {
 public:
  MpiTrainer(int size, int worker_timeout_seconds, std::function<void(const std::string&)> note)
      : size_(size), timeout_(std::chrono::seconds(worker_timeout_seconds)), note_(std::move(note)) {}
  int slots() const override { return size_ - 1; }
  bool lost(int slot) const override {
    const std::lock_guard<std::mutex> hold(mpi_lock());
    return lost_ranks().count(slot + 1) != 0;
  }
  Result<double> teacher_accuracy(int slot, prune::TrainStage stage) override {
    return run(slot, json{{"job", "teacher"}, {"stage", prune::train_stage_name(stage)}});
  }
  Result<double> train(int slot, prune::TrainStage stage, const std::string& init_dir,
                       const std::string& out_dir) override {
    return run(slot, json{{"job", "train"}, {"stage", prune::train_stage_name(stage)}, {"init", init_dir}, {"out", out_dir}});
  }

 private:
  Result<double> run(int slot, const json& job) {
    const int rank = slot + 1;
    send_text(job.dump(), rank, kJobTag);
    const std::optional<std::string> reply = receive_text(rank, kResultTag, timeout_);
    if (!reply) {
      const std::string lost = "rank " + std::to_string(rank) + " stopped answering (no heartbeat for " +
                               std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout_).count()) +
                               " s): it gets no more work and its job runs again on another rank";
      note_(lost);
      return io_error(lost);
    }
    return result_of(*reply, rank);
  }
  int size_;
  Clock::duration timeout_;
  std::function<void(const std::string&)> note_;
};

}  // namespace

Result<std::unique_ptr<MpiSession>> MpiSession::start() {
  int provided = 0;
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) {
    return io_error("MPI_Init_thread failed");
  }
  if (provided < MPI_THREAD_SERIALIZED) {
    MPI_Finalize();
    return io_error("this MPI library does not support calls from several threads (MPI_THREAD_SERIALIZED)");
  }
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);  // a send to a dead rank must not abort rank 0
  return std::unique_ptr<MpiSession>(new MpiSession(rank, size));
}

MpiSession::~MpiSession() {
  if (rank_ == 0) {  // a lost rank too: it may only have been slow (to a dead one the send is dropped)
    {
      const std::lock_guard<std::mutex> hold(mpi_lock());
      if (!lost_ranks().empty()) finalize_at_exit = false;
    }
    const std::string stop = json{{"job", "stop"}, {"finalize", finalize_at_exit.load()}}.dump();
    for (int worker = 1; worker < size_; ++worker) send_text(stop, worker, kJobTag);
  }
  if (finalize_at_exit) MPI_Finalize();
}

std::unique_ptr<prune::CandidateTrainer> mpi_trainer(const MpiSession& session, int worker_timeout_seconds,
                                                     std::function<void(const std::string&)> note) {
  return std::make_unique<MpiTrainer>(session.size(), worker_timeout_seconds, std::move(note));
}

int run_mpi_worker(const MpiSession&, prune::CandidateTrainer& local) {
  const Heartbeat heartbeat;
  for (;;) {
    const json job = json::parse(receive_text(0, kJobTag).value_or(""), nullptr, false);
    const std::string kind = job.is_object() ? job.value("job", "") : "";
    if (kind == "stop") finalize_at_exit = job.value("finalize", true);
    if (kind == "stop" || kind.empty()) return kind == "stop" ? 0 : 1;
    const prune::TrainStage stage =
        job.value("stage", "") == "final" ? prune::TrainStage::final_tune : prune::TrainStage::proxy;
    const Result<double> r = kind == "teacher" ? local.teacher_accuracy(0, stage)
                                               : local.train(0, stage, job.value("init", ""), job.value("out", ""));
    json reply = {{"ok", r.is_ok()}};
    if (r.is_ok()) {
      reply["accuracy"] = r.value();
    } else {
      reply["error"] = r.status().message();
      reply["interrupted"] = r.status().code() == ErrorCode::interrupted;
    }
    send_text(reply.dump(), 0, kResultTag);
  }
}

#else  // built without MPI

Result<std::unique_ptr<MpiSession>> MpiSession::start() {
  return invalid_argument("this bfedge was built without MPI: install libopenmpi-dev and openmpi-bin (scripts/test "
                          "does) and rebuild");
}
MpiSession::~MpiSession() = default;
std::unique_ptr<prune::CandidateTrainer> mpi_trainer(const MpiSession&, int, std::function<void(const std::string&)>) {
  return nullptr;
}
int run_mpi_worker(const MpiSession&, prune::CandidateTrainer&) { return 1; }

#endif

}  // namespace bfedge::cli
