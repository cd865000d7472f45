// stories260K decoding (../shared/models, or $BFEDGE_MODEL): forward passes only, positions
// 0..255 per iteration, for the f32 reference path and the deployed BF16 path at each ISA level.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "bfedge/kernels/host_isa.hpp"
#include "bfedge/kernels/isa.hpp"
#include "bfedge/models/llama_runner.hpp"

namespace bfedge::bench {
namespace {

std::string model_path() {
  if (const char* env = std::getenv("BFEDGE_MODEL")) return env;
  return std::string(BFEDGE_SOURCE_DIR) + "/../shared/models/stories260K.bin";
}

void decode(benchmark::State& state, Dtype dtype, kernels::Isa isa, int threads) {
  auto runner = models::load_llama_runner(model_path(), dtype, isa, threads);
  if (!runner.is_ok()) {
    state.SkipWithError(runner.status().message().c_str());
    return;
  }
  runtime::HostCluster cluster(threads);
  constexpr int kPositions = 256;
  int token = 1;
  for (auto _ : state) {
    for (int pos = 0; pos < kPositions; ++pos) {
      const auto logits = runner.value().forward(token, pos, cluster);
      token = static_cast<int>(pos * 7 % logits.size());  // any valid token: the cost is the same
    }
  }
  state.counters["tok/s"] = benchmark::Counter(kPositions, benchmark::Counter::kIsIterationInvariantRate);
}

const int registered = [] {
  if (!std::filesystem::exists(model_path())) return 0;
  benchmark::RegisterBenchmark("llama/f32_reference/stories260K_256pos", decode, Dtype::f32,
                               kernels::Isa::reference, 1)->Unit(benchmark::kMillisecond);
  for (kernels::Isa isa : {kernels::Isa::reference, kernels::Isa::portable, kernels::Isa::avx2,
                           kernels::Isa::avx512bf16}) {
    if (!kernels::isa_runs_on_host(isa)) continue;
    for (int threads : {1, 2}) {
      const std::string name = std::string("llama/bf16_") + kernels::isa_name(isa) +
                               "/stories260K_256pos_threads" + std::to_string(threads);
      benchmark::RegisterBenchmark(name.c_str(), decode, Dtype::bf16, isa, threads)
          ->Unit(benchmark::kMillisecond);
    }
  }
  return 0;
}();

}  // namespace
}  // namespace bfedge::bench
