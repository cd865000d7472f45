// sbatch_script and write_sbatch_script (prune_sbatch.hpp).
#include "prune_sbatch.hpp"

#include <sys/stat.h>

#include "bfedge/io/file.hpp"

namespace bfedge::cli {
namespace {

// One shell word: single-quoted, each ' as '\''.
std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The arguments without --emit-sbatch/--ranks (as "--x V" or "--x=V").
std::vector<std::string> search_arguments(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--emit-sbatch" || a == "--ranks") {
      ++i;
      continue;
    }
    if (a.rfind("--emit-sbatch=", 0) == 0 || a.rfind("--ranks=", 0) == 0) continue;
    out.push_back(a);
  }
  return out;
}

}  // namespace

std::string sbatch_script(const SbatchSettings& s, const std::vector<std::string>& args) {
  // --enable-recovery: a rank that dies does not end the job; rank 0 gives its candidate to another.
  std::string command = s.ranks > 1 ? "mpirun --enable-recovery -np " + std::to_string(s.ranks) + " " : "";
  command += shell_quote(s.executable);
  for (const std::string& a : search_arguments(args)) command += " " + shell_quote(a);
  return "#!/bin/bash\n"
         "# The pruning search as a Slurm job, written by bfedge prune --emit-sbatch: sbatch " + s.path + "\n"
         "# Rank 0 searches and owns " + s.out_dir + "/search.sqlite; the other ranks train. Submitting it again\n"
         "# resumes the search where it stopped.\n"
         "#SBATCH --job-name=bfedge-prune\n"
         "#SBATCH --ntasks=" + std::to_string(s.ranks) + "\n"
         "#SBATCH --cpus-per-task=" + std::to_string(s.threads > 0 ? s.threads : 1) + "\n"
         "#SBATCH --chdir=" + s.working_dir + "\n"
         "#SBATCH --output=" + s.out_dir + "/slurm-%j.log\n"
         "set -euo pipefail\n" +
         command + "\n";
}

Status write_sbatch_script(const SbatchSettings& s, const std::vector<std::string>& command_line) {
  const std::vector<std::string> args(command_line.size() > 1 ? command_line.begin() + 1 : command_line.end(),
                                      command_line.end());
  const std::string text = sbatch_script(s, args);
  BFEDGE_RETURN_IF_ERROR(io::write_file_atomically(s.path, text.data(), text.size()));
  if (chmod(s.path.c_str(), 0755) != 0) return io_error(s.path + ": cannot make it executable");
  return Status::ok();
}

}  // namespace bfedge::cli
