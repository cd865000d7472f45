#include "bfedge/process/temp_dir.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace bfedge::process {

Result<TempDir> TempDir::create(const std::string& purpose) {
  const char* env = std::getenv("TMPDIR");
  std::string parent = env != nullptr && *env != '\0' ? env : "/tmp";
  struct stat st {};
  if (stat(parent.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    if (env != nullptr && *env != '\0') {
      return io_error("cannot create a temporary directory for " + purpose + ": TMPDIR=" + parent +
                      " is not a directory");
    }
    return io_error("cannot create a temporary directory for " + purpose + ": /tmp is not a directory");
  }
  std::string pattern = parent + "/bfedge-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    return io_error("cannot create a temporary directory for " + purpose + " in " + parent + " (" +
                    std::strerror(errno) + ")");
  }
  return TempDir(pattern);
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace bfedge::process
