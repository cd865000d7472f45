// bfedge prune --emit-sbatch PATH: the same search as a Slurm batch script (`sbatch PATH`): the
// command line again without --emit-sbatch/--ranks, under `mpirun -np RANKS` when RANKS > 1 (Open
// MPI reads the Slurm allocation and starts the ranks through it).
#pragma once

#include <string>
#include <vector>

#include "bfedge/core/status.hpp"

namespace bfedge::cli {

struct SbatchSettings {
  std::string path, out_dir, working_dir, executable;
  int ranks = 2, threads = 1;
};

// The script's text for `args` (the command line after the executable).
std::string sbatch_script(const SbatchSettings& s, const std::vector<std::string>& args);
// Writes it (atomically, executable). Errors name the file.
Status write_sbatch_script(const SbatchSettings& s, const std::vector<std::string>& command_line);

}  // namespace bfedge::cli
