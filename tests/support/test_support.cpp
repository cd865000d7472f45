#include "support/test_support.hpp"

#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace bfedge::test {
namespace fs = std::filesystem;

std::optional<fs::path> shared_dir() {
  if (const char* env = std::getenv("BFEDGE_SHARED_DIR"); env != nullptr && *env != '\0') {
    if (fs::is_directory(env)) return fs::path(env);
    return std::nullopt;
  }
  const fs::path candidate = fs::path(BFEDGE_SOURCE_DIR).parent_path() / "shared";
  if (fs::is_directory(candidate / "models")) return candidate;
  return std::nullopt;
}

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "bfedge-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) std::abort();
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void write_bytes(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

template <class V>
static void append_le(std::vector<std::uint8_t>& data, V value) {
  const std::size_t at = data.size();
  data.resize(at + sizeof value);
  std::memcpy(data.data() + at, &value, sizeof value);
}

Bytes& Bytes::i32(std::int32_t v) {
  append_le(data_, v);
  return *this;
}
Bytes& Bytes::u32(std::uint32_t v) {
  append_le(data_, v);
  return *this;
}
Bytes& Bytes::f32(float v) {
  append_le(data_, v);
  return *this;
}
Bytes& Bytes::raw(const std::string& s) {
  data_.insert(data_.end(), s.begin(), s.end());
  return *this;
}
Bytes& Bytes::zeros(std::size_t n) {
  data_.resize(data_.size() + n, 0);
  return *this;
}
Bytes& Bytes::truncate(std::size_t n) {
  data_.resize(n);
  return *this;
}

Bytes legacy_llama2c_header(const models::LlamaConfig& c) {
  Bytes b;
  b.i32(c.dim).i32(c.hidden_dim).i32(c.n_layers).i32(c.n_heads).i32(c.n_kv_heads);
  b.i32(c.shared_classifier ? c.vocab_size : -c.vocab_size).i32(c.seq_len);
  return b;
}

models::TinyVitConfig padded_windows_tinyvit_config() {
  models::TinyVitConfig c;
  c.architecture = "tiny_vit_5m_224";
  c.embed_dims = {16, 24, 32, 40};
  c.depths = {1, 2, 1, 1};
  c.num_heads = {1, 2, 4, 5};
  c.window_sizes = {3, 3, 3, 2};
  c.image_height = c.image_width = 30;
  c.stem_strides[0] = 1, c.stem_strides[1] = 2;
  c.num_classes = 7;
  return c;
}

models::LlamaConfig tiny_llama_config() {
  models::LlamaConfig c;
  c.dim = 16;
  c.hidden_dim = 40;
  c.n_layers = 2;
  c.n_heads = 4;
  c.n_kv_heads = 2;
  c.vocab_size = 300;
  c.seq_len = 32;
  c.shared_classifier = true;
  return c;
}

models::LlamaWeights<float> random_llama_weights(const models::LlamaConfig& config,
                                                 std::uint32_t seed) {
  models::LlamaWeights<float> w;
  models::resize_llama_weights(config, w);
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const float scale = 1.0f / std::sqrt(static_cast<float>(config.dim));
  for (auto* t :
       {&w.token_embedding, &w.wq, &w.wk, &w.wv, &w.wo, &w.w1, &w.w2, &w.w3, &w.classifier}) {
    for (float& x : *t) x = normal(rng) * scale;
  }
  for (auto* t : {&w.rms_att, &w.rms_ffn, &w.rms_final}) {
    for (float& x : *t) x = 1.0f + 0.1f * normal(rng);
  }
  return w;
}

static std::string shell_quote(const std::string& s) {
  std::string q(1, '\'');
  for (char c : s) {
    if (c == '\'') {
      q.append("'\\''");
    } else {
      q.push_back(c);
    }
  }
  q.push_back('\'');
  return q;
}

bool process_gone(int pid, double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  do {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string pid_field, comm, state;
    if (!(stat >> pid_field >> comm >> state) || state == "Z") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (std::chrono::steady_clock::now() < until);
  return false;
}

int read_pid(const std::string& path, double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  do {
    std::ifstream in(path);
    int pid = 0;
    if (in >> pid && pid > 0) return pid;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (std::chrono::steady_clock::now() < until);
  return 0;
}

CommandResult run_cli(const std::vector<std::string>& args) { return run_cli(args, {}); }

namespace {

CommandResult run_cli_in(const TempDir& dir, const std::vector<std::string>& args,
                         const CliEnvironment& how, const std::string& stdin_path) {
  std::string command;
  if (!how.env.empty()) {
    command.append("env");
    for (const std::string& e : how.env) command.append(" ").append(shell_quote(e));
    command.append(" ");
  }
  command.append(shell_quote(BFEDGE_CLI_PATH));
  // Appends one piece at a time: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
  for (const std::string& a : args) command.append(" ").append(shell_quote(a));
  if (how.stdout_redirect.empty()) {
    command.append(" >").append(shell_quote(dir.file("out")));
  } else {
    command.append(" ").append(how.stdout_redirect);
    write_bytes(dir.file("out"), {});
  }
  command.append(" 2>").append(shell_quote(dir.file("err"))).append(" <").append(shell_quote(stdin_path));
  const int status = std::system(command.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_text(dir.file("out"));
  r.err = read_text(dir.file("err"));
  return r;
}

}  // namespace

CommandResult run_cli(const std::vector<std::string>& args, const CliEnvironment& how) {
  TempDir dir;
  return run_cli_in(dir, args, how, "/dev/null");
}

CommandResult run_cli_with_stdin(const std::vector<std::string>& args, const std::string& input) {
  TempDir dir;
  const std::string in = dir.file("in");
  write_bytes(in, std::vector<std::uint8_t>(input.begin(), input.end()));
  return run_cli_in(dir, args, {}, in);
}

}  // namespace bfedge::test
