// Opens libbfedge_peers.so (beside the bfedge executable) on first use and calls its peers.
#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <string>

#include "peer_api.h"
#include "peers.hpp"

namespace bfedge::cli::peers {
namespace {

void* module() {
  static void* handle = [] {
    char exe[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return static_cast<void*>(nullptr);
    std::string dir(exe, static_cast<std::size_t>(n));
    dir.resize(dir.rfind('/') + 1);
    return dlopen((dir + "libbfedge_peers.so").c_str(), RTLD_NOW | RTLD_LOCAL);
  }();
  return handle;
}

template <class Fn>
Fn symbol(const char* name) {
  void* handle = module();
  return handle == nullptr ? nullptr : reinterpret_cast<Fn>(dlsym(handle, name));
}

template <class Fn, class... Args>
std::optional<PeerTiming> call(const char* name, Args... args) {
  const Fn fn = symbol<Fn>(name);
  if (fn == nullptr) return std::nullopt;
  PeerTiming t{};
  char detail[256] = {};
  if (fn(args..., &t.microseconds, detail, static_cast<int>(sizeof detail)) == 0) return std::nullopt;
  t.detail = detail;
  return t;
}

}  // namespace

std::optional<PeerTiming> dnnl_matmul_bf16(int m, int n, int k, int threads, int repetitions) {
  return call<decltype(&bfedge_peer_dnnl_matmul_bf16)>("bfedge_peer_dnnl_matmul_bf16", m, n, k, threads,
                                                        repetitions);
}

std::optional<PeerTiming> torch_matmul_bf16(int m, int n, int k, int threads, int repetitions) {
  return call<decltype(&bfedge_peer_torch_matmul_bf16)>("bfedge_peer_torch_matmul_bf16", m, n, k, threads,
                                                         repetitions);
}

std::optional<PeerTiming> torch_mhsa(int seq, int embed, int heads, bool bf16, int repetitions) {
  return call<decltype(&bfedge_peer_torch_mhsa)>("bfedge_peer_torch_mhsa", seq, embed, heads,
                                                  bf16 ? 1 : 0, repetitions);
}

}  // namespace bfedge::cli::peers
