// A private temporary directory (mode 0700) under $TMPDIR or /tmp, removed with its contents when
// the object goes: on every return and unwinding path. Work that must survive a SIGKILL of bfedge
// without leaving files behind uses memory files instead (memory_file.hpp).
#pragma once

#include <string>

#include "bfedge/core/status.hpp"

namespace bfedge::process {

class TempDir {
 public:
  // `purpose` names the directory in errors ("cannot create a temporary directory for <purpose>").
  static Result<TempDir> create(const std::string& purpose);
  TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  ~TempDir();

  const std::string& path() const { return path_; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace bfedge::process
