// Descriptor helpers shared by the process module (private to src/process).
#pragma once

#include <fcntl.h>
#include <unistd.h>

namespace bfedge::process {

// Moves a new descriptor above 0..2 (close-on-exec): when bfedge was started with a standard stream
// closed, a pipe or memory file landing on fd 1 would become the child's stdout by accident. Returns
// the descriptor to use (-1 on failure, with errno set).
inline int above_standard_streams(int fd) {
  if (fd < 0 || fd > 2) return fd;
  const int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  close(fd);
  return moved;
}

}  // namespace bfedge::process
