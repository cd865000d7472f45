// Shared test helpers: locating ../shared, temporary directories, crafted files, random models
// and running the bfedge CLI as a user would.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bfedge/models/llama_config.hpp"
#include "bfedge/models/tinyvit_config.hpp"

namespace bfedge::test {

// ../shared next to the source tree (or $BFEDGE_SHARED_DIR), if present.
std::optional<std::filesystem::path> shared_dir();

// Skips the current test, visibly, when ../shared is absent.
#define BFEDGE_REQUIRE_SHARED(var)                                                        \
  const auto var##_opt = ::bfedge::test::shared_dir();                                    \
  if (!var##_opt) GTEST_SKIP() << "../shared not found (set BFEDGE_SHARED_DIR): skipped"; \
  const std::filesystem::path var = *var##_opt

// A fresh directory removed (with its contents) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// True once process `pid` is gone (or a zombie nobody reaps yet), polling up to `seconds`.
bool process_gone(int pid, double seconds = 3.0);
// The pid a process wrote to `path`, polling up to `seconds` for it to appear; 0 if it never did.
int read_pid(const std::string& path, double seconds = 5.0);

void write_bytes(const std::string& path, const std::vector<std::uint8_t>& bytes);
std::string read_text(const std::string& path);

// Little-endian byte builder for crafted files.
class Bytes {
 public:
  Bytes& i32(std::int32_t v);
  Bytes& u32(std::uint32_t v);
  Bytes& f32(float v);
  Bytes& raw(const std::string& s);
  Bytes& zeros(std::size_t n);
  Bytes& truncate(std::size_t n);
  const std::vector<std::uint8_t>& data() const { return data_; }
  void write(const std::string& path) const { write_bytes(path, data_); }

 private:
  std::vector<std::uint8_t> data_;
};

// The 28-byte legacy llama2.c header of `config` (negative vocab_size when unshared).
Bytes legacy_llama2c_header(const models::LlamaConfig& config);

// A small LLaMA with deterministic pseudo-random weights of realistic magnitude.
models::LlamaWeights<float> random_llama_weights(const models::LlamaConfig& config,
                                                 std::uint32_t seed);
models::LlamaConfig tiny_llama_config();  // dim 16, 2 layers, 4 heads, 2 KV heads, vocab 300
// TinyViT's four stages at small widths (16, 24, 32, 40); 30×30 images with stem strides (1, 2)
// give maps of 15, 8, 4, 2: 3×3 windows pad stage 1 (8 -> 9) and stage 2 (4 -> 6), stage 3 is one
// 2×2 window; 7 classes.
models::TinyVitConfig padded_windows_tinyvit_config();

struct CommandResult {
  int exit_code;
  std::string out;
  std::string err;
};
// Runs the bfedge CLI with `args` (no shell interpretation of the arguments).
CommandResult run_cli(const std::vector<std::string>& args);

// How to run it otherwise: extra environment ("NAME=value") and, when not empty, a shell
// redirection that replaces capturing stdout (">/dev/full", ">&-"; `out` is then empty).
struct CliEnvironment {
  std::vector<std::string> env;
  std::string stdout_redirect;
};
CommandResult run_cli(const std::vector<std::string>& args, const CliEnvironment& how);
// Runs it with `input` on stdin (from a file) rather than /dev/null.
CommandResult run_cli_with_stdin(const std::vector<std::string>& args, const std::string& input);

}  // namespace bfedge::test
