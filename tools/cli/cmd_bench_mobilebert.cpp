// bfedge bench mobilebert: one MobileBERT forward (batch × seq tokens) timed side by side in one
// run — bfedge BF16 (the prepared graph) against libtorch FP32 and BF16 on the same shapes —
// with MAC/s set against the GEMM peak of bfedge's best BF16 GEMM variant measured in the same run.
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_mobilebert.hpp"
#include "bfedge/graph/summary.hpp"
#include "bfedge/kernels/host_call.hpp"
#include "bfedge/kernels/host_isa.hpp"
#include "bfedge/kernels/matmul.hpp"
#include "bfedge/models/mobilebert_bf16.hpp"
#include "bfedge/runtime/aligned_buffer.hpp"
#include "cli_common.hpp"
#include "peers/timing.hpp"
#include "bench_torch_ratios.hpp"
#include "torch_component.hpp"

namespace bfedge::cli {
namespace {


// GFLOP/s of bfedge's best BF16 GEMM at 512³ with B packed once: the peak a linear layer can reach.
double gemm_peak_gflops(kernels::Isa cap, int threads, int repeat) {
  constexpr int kSize = 512;
  std::vector<bf16> a(kSize * kSize), b(kSize * kSize);
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  for (bf16& x : a) x = from_f32<bf16>(normal(rng));
  for (bf16& x : b) x = from_f32<bf16>(normal(rng));
  std::vector<float> c(kSize * kSize);
  kernels::MatmulParams p;
  p.m = p.n = p.k = kSize;
  p.a = a.data(), p.lda = kSize, p.b = b.data(), p.ldb = kSize, p.c = c.data(), p.ldc = kSize;
  p.c_type = kernels::OutType::f32;
  const auto& best = kernels::select_variant(kernels::matmul_variants(), kernels::host_spec(cap));
  kernels::PreparedCall call(best, p, threads, kernels::PackWeights::yes);
  runtime::HostCluster cluster(threads);
  call.run(cluster);
  const double us = median_microseconds(std::max(3, repeat), [&] { call.run(cluster); });
  return 2.0 * kSize * kSize * kSize / us * 1e-3;
}

}  // namespace

int run_bench_mobilebert(const BenchMobileBertOptions& o, kernels::Isa cap) {
  models::MobileBertConfig config;
  models::MobileBertWeights<float> weights;
  if (!o.model.empty()) {
    auto loaded = models::load_mobilebert(o.model);
    if (!loaded.is_ok()) return report_error(loaded.status());
    config = loaded.value().config;
    weights = std::move(loaded.value().weights);
  } else {
    weights = models::mobilebert_random_weights(config, 1);
  }
  if (o.seq > config.max_position_embeddings) {
    return report_error("--seq " + std::to_string(o.seq) + " is above max_position_embeddings " +
                            std::to_string(config.max_position_embeddings),
                        kExitUsageError);
  }
  auto ours = models::MobileBertBf16::create(config, weights, o.batch, o.seq, cap, o.threads);
  if (!ours.is_ok()) return report_error(ours.status());
  std::vector<int> ids(static_cast<std::size_t>(o.batch) * o.seq);
  std::mt19937 rng(2);
  std::uniform_int_distribution<int> token(1, config.vocab_size - 1);
  for (int& id : ids) id = token(rng);
  const models::MobileBertInputs inputs{ids, {}, {}, o.batch, o.seq};
  runtime::HostCluster cluster(o.threads);

  auto torch = o.model.empty() ? torch_component::TorchMobileBert::random(config, 1, o.threads)
                               : torch_component::TorchMobileBert::load(o.model, o.threads);
  std::string torch_note;
  if (!torch.is_ok()) torch_note = torch.status().message();
  models::MobileBertOutputs torch_out;
  bool torch_bf16 = torch.is_ok();
  if (torch.is_ok()) {  // warm-up, and find out whether libtorch's BF16 path runs
    if (Status s = torch.value().forward(inputs, false, false, torch_out); !s.is_ok()) return report_error(s);
    if (!torch.value().forward(inputs, true, false, torch_out).is_ok()) torch_bf16 = false;
  }
  if (Status s = ours.value().forward(inputs, cluster); !s.is_ok()) return report_error(s);

  std::vector<double> ours_t, torch_t, torch_bf16_t;
  for (int r = 0; r < o.repeat; ++r) {  // interleaved rounds
    ours_t.push_back(median_microseconds(3, [&] { (void)ours.value().forward(inputs, cluster); }));
    if (torch.is_ok()) {
      torch_t.push_back(median_microseconds(3, [&] { (void)torch.value().forward(inputs, false, false, torch_out); }));
      if (torch_bf16) {
        torch_bf16_t.push_back(median_microseconds(3, [&] { (void)torch.value().forward(inputs, true, false, torch_out); }));
      }
    }
  }
  const double peak = gemm_peak_gflops(cap, o.threads, o.repeat);
  const std::int64_t macs = graph::summarize(ours.value().prepared().graph(), 0).macs;
  const double ours_us = median_of(ours_t);
  nlohmann::ordered_json j;
  j["model"] = o.model.empty() ? "default HF config, random weights" : o.model;
  j["batch"] = o.batch, j["seq"] = o.seq, j["threads"] = o.threads, j["isa_cap"] = kernels::isa_name(cap);
  j["macs_per_forward"] = macs;
  j["bfedge_bf16_us"] = ours_us;
  j["bfedge_bf16_sequences_per_s"] = o.batch / ours_us * 1e6;
  j["bfedge_bf16_gmacs"] = static_cast<double>(macs) / ours_us * 1e-3;
  j["gemm_peak_gmacs"] = peak / 2;
  j["bfedge_fraction_of_gemm_peak"] = static_cast<double>(macs) / ours_us * 1e-3 / (peak / 2);
  add_torch_columns(j, torch_t, torch_bf16_t, torch_note, ours_us);
  if (o.json) {
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  std::printf("MobileBERT forward, batch %d x seq %d, %d thread%s (%s; median of %d interleaved rounds)\n", o.batch,
              o.seq, o.threads, o.threads == 1 ? "" : "s", j["model"].get<std::string>().c_str(), o.repeat);
  std::printf("  %.3f GMAC per forward; bfedge GEMM peak %.1f GMAC/s\n", static_cast<double>(macs) * 1e-9, peak / 2);
  std::printf("  %-18s %12.1f us  %8.1f seq/s  %6.1f GMAC/s (%.0f%% of GEMM peak)\n", "bfedge bf16", ours_us,
              j["bfedge_bf16_sequences_per_s"].get<double>(), j["bfedge_bf16_gmacs"].get<double>(),
              100 * j["bfedge_fraction_of_gemm_peak"].get<double>());
  for (const auto& [key, name] : {std::pair{"torch_f32_us", "libtorch fp32"}, {"torch_bf16_us", "libtorch bf16"}}) {
    if (!j.contains(key)) continue;
    const double us = j[key].get<double>();
    std::printf("  %-18s %12.1f us  %8.1f seq/s  bfedge is %.2fx faster\n", name, us, o.batch / us * 1e6, us / ours_us);
  }
  if (!torch_note.empty()) std::printf("  libtorch: %s\n", torch_note.c_str());
  return 0;
}

}  // namespace bfedge::cli
