// MPI roles of bfedge prune (prune_mpi.hpp). Every MPI call is made under one lock
// (MPI_THREAD_SERIALIZED): rank 0's training threads send a job to their worker, then poll for its
// reply with MPI_Iprobe, so that no thread blocks the others inside MPI.
#include "prune_mpi.hpp"

#include <chrono>
#include <cstdlib>
#include <mutex>
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

constexpr int kJobTag = 1, kResultTag = 2;
std::mutex& mpi_lock() {
  static std::mutex m;
  return m;
}

void send_text(const std::string& text, int to, int tag) {
  const std::lock_guard<std::mutex> hold(mpi_lock());
  MPI_Send(text.data(), static_cast<int>(text.size()), MPI_CHAR, to, tag, MPI_COMM_WORLD);
}

// Waits for a message from `from` with `tag`: polls under the lock, sleeping between tries.
std::string receive_text(int from, int tag) {
  for (;;) {
    {
      const std::lock_guard<std::mutex> hold(mpi_lock());
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
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

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
  explicit MpiTrainer(int size) : size_(size) {}
  int slots() const override { return size_ - 1; }
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
    return result_of(receive_text(rank, kResultTag), rank);
  }
  int size_;
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
  return std::unique_ptr<MpiSession>(new MpiSession(rank, size));
}

MpiSession::~MpiSession() {
  if (rank_ == 0) {
    for (int worker = 1; worker < size_; ++worker) send_text(json{{"job", "stop"}}.dump(), worker, kJobTag);
  }
  MPI_Finalize();
}

std::unique_ptr<prune::CandidateTrainer> mpi_trainer(const MpiSession& session) {
  return std::make_unique<MpiTrainer>(session.size());
}

int run_mpi_worker(const MpiSession&, prune::CandidateTrainer& local) {
  for (;;) {
    const json job = json::parse(receive_text(0, kJobTag), nullptr, false);
    const std::string kind = job.is_object() ? job.value("job", "") : "";
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
std::unique_ptr<prune::CandidateTrainer> mpi_trainer(const MpiSession&) { return nullptr; }
int run_mpi_worker(const MpiSession&, prune::CandidateTrainer&) { return 1; }

#endif

}  // namespace bfedge::cli
