// `mpirun -np N bfedge prune …` (or srun / sbatch under Slurm; docs/pruning.md): rank 0 runs the
// search and owns the database; ranks 1 … N−1 are workers that each run one training (a child
// `bfedge train`/`eval`, as in single-process mode) at a time for it. Jobs and results travel as
// JSON strings. Without MPI (the default) nothing here runs.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "bfedge/core/status.hpp"
#include "bfedge/prune/prune_run.hpp"

namespace bfedge::cli {

// Whether an MPI launcher started this process with more than one rank (OMPI_COMM_WORLD_SIZE,
// PMI_SIZE or PMIX_SIZE above 1).
bool launched_by_mpi();

class MpiSession {
 public:
  // MPI_Init (serialized threads); an error when this bfedge was built without MPI.
  static Result<std::unique_ptr<MpiSession>> start();
  ~MpiSession();  // rank 0: tells every worker to stop; then MPI_Finalize, unless a rank was lost
  int rank() const { return rank_; }
  int size() const { return size_; }

 private:
  MpiSession(int rank, int size) : rank_(rank), size_(size) {}
  int rank_, size_;
};

// Rank 0's trainer: slot k is rank k + 1. A worker that sends no heartbeat (one every 2 s) for
// `worker_timeout_seconds` while it holds a candidate is lost: the candidate fails that attempt
// and runs again on another rank, and the lost rank gets no more work. (mpirun ends the whole job
// when a rank dies unless it runs with --enable-recovery; the search then resumes when run again.)
// `note` gets a line for each lost rank.
std::unique_ptr<prune::CandidateTrainer> mpi_trainer(const MpiSession& session, int worker_timeout_seconds,
                                                     std::function<void(const std::string&)> note);

// A worker rank: runs each job it receives on `local` until rank 0 says stop; the exit code.
int run_mpi_worker(const MpiSession& session, prune::CandidateTrainer& local);

}  // namespace bfedge::cli
