// bfedge bench mhsa | gemm | mobilebert | tinyvit: kernels and models timed side by side in one run (interleaved
// repetitions, medians), with speedups as ratios measured in that run, and optional oneDNN/libtorch peers.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "bfedge/core/random_data.hpp"
#include "bfedge/kernels/host_isa.hpp"
#include "bfedge/kernels/matmul.hpp"
#include "bfedge/kernels/mhsa.hpp"
#include "bfedge/kernels/host_call.hpp"
#include "bfedge/runtime/aligned_buffer.hpp"
#include "bfedge/runtime/cluster.hpp"
#include "bench_mobilebert.hpp"
#include "bench_tinyvit.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include "peers/peers.hpp"
#include "peers/timing.hpp"

namespace bfedge::cli {
namespace {

struct BenchOptions {
  int seq = 64, embed = 512, heads = 4;
  int m = 512, n = 512, k = 512;
  int threads = 1;
  int repeat = 5;
  bool causal = false;
  std::size_t budget = 64 * 1024;
  bool json = false;
  bool unpacked = false;
};

std::vector<float> widen(const std::vector<bf16>& v) {
  std::vector<float> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = to_f32(v[i]);
  return out;
}

// The most specialized variant under `cap` whose name contains `kind`. The tiled and fused
// forms start at the portable level: under BFEDGE_ISA=reference both fall back to mhsa__ref (the
// list's first entry, which every cap runs).
const kernels::MhsaVariant& pick_mhsa(const char* kind, kernels::Isa cap) {
  const kernels::TargetSpec spec = kernels::host_spec(cap);
  const kernels::MhsaVariant* best = &kernels::mhsa_variants().front();  // the reference level
  for (const kernels::MhsaVariant& v : kernels::mhsa_variants()) {
    if (std::strstr(v.name, kind) != nullptr && kernels::selectable_on(v.key, spec) &&
        kernels::specialization(v.key) >= kernels::specialization(best->key)) {
      best = &v;
    }
  }
  return *best;
}

double physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<double>(pages) * static_cast<double>(page) : 0.0;
}

std::string gib(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", bytes / (1024.0 * 1024.0 * 1024.0));
  return text;
}

// What run_bench_mhsa allocates: operands in bf16 and f32, three outputs, every variant's buffers.
double mhsa_bench_bytes(const BenchOptions& o) {
  const double L = o.seq, E = o.embed, H = o.heads;
  const double operands = (L * E + 4 * E * E + 4 * E) * (sizeof(bf16) + sizeof(float));
  const double outputs = L * E * (sizeof(float) + 2 * sizeof(bf16));
  const double naive = (9 * L * E + H * L * L) * sizeof(float);        // mhsa__naive_port
  const double tiled = 4 * L * E * sizeof(bf16) + L * L * (sizeof(float) + sizeof(bf16));
  const double fused = 4 * L * E * sizeof(bf16);
  return operands + outputs + naive + tiled + fused;
}

int run_bench_mhsa(const BenchOptions& o, kernels::Isa cap) {
  if (o.embed % o.heads != 0) {
    return report_error("--heads " + std::to_string(o.heads) + " does not divide --embed " +
                            std::to_string(o.embed),
                        kExitUsageError);
  }
  const kernels::FusedTiles tiles = kernels::mhsa_fused_tiles(o.seq, o.embed / o.heads, o.budget);
  if (tiles.bytes > o.budget) {
    return report_error("--l1-budget " + std::to_string(o.budget) + " is below the smallest fused tile (" +
                            std::to_string(tiles.bytes) + " bytes for head size " +
                            std::to_string(o.embed / o.heads) + ")",
                        kExitUsageError);
  }
  // The naive port materializes H score matrices of L x L floats: refuse what cannot fit in memory
  // (its zero-filled buffers would otherwise meet the OOM killer, after minutes of set-up).
  const double bytes = mhsa_bench_bytes(o);
  const double memory = physical_memory_bytes();
  if (memory > 0 && bytes > memory / 2) {
    return report_error("bench mhsa: L=" + std::to_string(o.seq) + " E=" + std::to_string(o.embed) +
                            " H=" + std::to_string(o.heads) + " needs " + gib(bytes) +
                            " GiB, more than half of this machine's " + gib(memory) + " GiB",
                        kExitUsageError);
  }
  const int L = o.seq, E = o.embed;
  const auto x = random_bf16(static_cast<std::size_t>(L) * E, 1, 1.0f);
  const float ws = 1.0f / std::sqrt(static_cast<float>(E));
  const auto w_in = random_bf16(3 * static_cast<std::size_t>(E) * E, 2, ws), b_in = random_bf16(3 * E, 3, 0.1f);
  const auto w_out = random_bf16(static_cast<std::size_t>(E) * E, 4, ws), b_out = random_bf16(E, 5, 0.1f);
  const auto xf = widen(x), w_inf = widen(w_in), b_inf = widen(b_in), w_outf = widen(w_out), b_outf = widen(b_out);
  std::vector<float> y_naive(static_cast<std::size_t>(L) * E);
  std::vector<bf16> y_tiled(y_naive.size()), y_fused(y_naive.size());

  auto args = [&](auto* xx, auto* wi, auto* bi, auto* wo, auto* bo, auto* y) {
    kernels::MhsaArgs<std::remove_const_t<std::remove_pointer_t<decltype(xx)>>> p;
    p.seq = L, p.embed = E, p.heads = o.heads, p.causal = o.causal, p.l1_budget_bytes = o.budget;
    p.x = xx, p.in_proj_weight = wi, p.in_proj_bias = bi, p.out_proj_weight = wo, p.out_proj_bias = bo, p.y = y;
    return p;
  };
  const kernels::MhsaVariant& tiled = pick_mhsa("tiled", cap);
  const kernels::MhsaVariant& fused = pick_mhsa("fused", cap);
  kernels::PreparedCall naive_run(kernels::mhsa_f32_variants().front(),
                   args(xf.data(), w_inf.data(), b_inf.data(), w_outf.data(), b_outf.data(), y_naive.data()), 1);
  kernels::PreparedCall tiled_run(tiled, args(x.data(), w_in.data(), b_in.data(), w_out.data(), b_out.data(), y_tiled.data()), o.threads);
  kernels::PreparedCall fused_run(fused, args(x.data(), w_in.data(), b_in.data(), w_out.data(), b_out.data(), y_fused.data()), o.threads);
  runtime::HostCluster one(1), cluster(o.threads);

  std::vector<double> t_naive, t_tiled, t_fused;
  for (int r = 0; r < o.repeat; ++r) {  // interleaved: naive, tiled, fused, naive, ...
    t_naive.push_back(median_microseconds(1, [&] { naive_run.run(one); }));
    t_tiled.push_back(median_microseconds(1, [&] { tiled_run.run(cluster); }));
    t_fused.push_back(median_microseconds(1, [&] { fused_run.run(cluster); }));
  }
  auto median = [](std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  const double naive_us = median(t_naive), tiled_us = median(t_tiled), fused_us = median(t_fused);
  auto max_err = [&](const std::vector<bf16>& y) {
    double err = 0.0;
    for (std::size_t i = 0; i < y.size(); ++i) err = std::max(err, std::fabs(double{to_f32(y[i])} - y_naive[i]));
    return err;
  };
  double max_ref = 0.0;
  for (float v : y_naive) max_ref = std::max(max_ref, std::fabs(double{v}));
  const double macs = 4.0 * L * E * E + 2.0 * L * L * E;

  nlohmann::ordered_json j;
  j["seq"] = L, j["embed"] = E, j["heads"] = o.heads, j["causal"] = o.causal;
  j["threads"] = o.threads, j["repeat"] = o.repeat, j["isa_cap"] = kernels::isa_name(cap);
  j["tiled_variant"] = tiled.name, j["fused_variant"] = fused.name;
  j["fused_tile"] = {{"query_rows", tiles.query_rows}, {"key_rows", tiles.key_rows}, {"l1_budget_bytes", o.budget}};
  j["naive_us"] = naive_us, j["tiled_us"] = tiled_us, j["fused_us"] = fused_us;
  j["speedup_tiled_vs_naive"] = naive_us / tiled_us;
  j["speedup_fused_vs_naive"] = naive_us / fused_us;
  j["max_abs_err_tiled"] = max_err(y_tiled), j["max_abs_err_fused"] = max_err(y_fused);
  j["max_abs_naive"] = max_ref;
  j["fused_gmac_per_s"] = macs / fused_us * 1e-3;
  for (bool bf16_peer : {false, true}) {
    if (o.causal) break;
    if (auto t = peers::torch_mhsa(L, E, o.heads, bf16_peer, o.repeat * 4)) {
      const char* key = bf16_peer ? "torch_bf16_us" : "torch_fp32_us";
      j[key] = t->microseconds;
      j[std::string("speedup_fused_vs_") + (bf16_peer ? "torch_bf16" : "torch_fp32")] = t->microseconds / fused_us;
    }
  }
  if (o.json) {
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  std::printf("MHSA L=%d E=%d H=%d%s, %d thread%s, ISA cap %s (median of %d interleaved runs)\n", L, E,
              o.heads, o.causal ? " causal" : "", o.threads, o.threads == 1 ? "" : "s",
              kernels::isa_name(cap), o.repeat);
  std::printf("  %-26s %12.1f us   1.0x   (FP32, 1 core)\n", "mhsa__naive_port", naive_us);
  std::printf("  %-26s %12.1f us  %5.1fx   max |err| %.3g\n", tiled.name, tiled_us, naive_us / tiled_us,
              j["max_abs_err_tiled"].get<double>());
  std::printf("  %-26s %12.1f us  %5.1fx   max |err| %.3g (outputs up to %.3g)\n", fused.name, fused_us,
              naive_us / fused_us, j["max_abs_err_fused"].get<double>(), max_ref);
  for (const char* peer : {"torch_fp32_us", "torch_bf16_us"}) {
    if (j.contains(peer)) {
      std::printf("  %-26s %12.1f us  (fused is %.1fx faster)\n", peer, j[peer].get<double>(),
                  j[peer].get<double>() / fused_us);
    }
  }
  return 0;
}

// `count` elements of T in a 64-byte aligned buffer, copied from `from` when given: the operands
// oneDNN's memory objects hold are 64-byte aligned, so bfedge's are too (a std::vector's data is
// only 16-byte aligned, and rows split across cache lines cost the AMX kernel up to 1.9x).
template <class T>
struct AlignedArray {
  explicit AlignedArray(std::size_t count, const std::vector<T>* from = nullptr) : bytes(count * sizeof(T)) {
    if (from != nullptr) std::memcpy(bytes.data(), from->data(), count * sizeof(T));
  }
  T* data() { return reinterpret_cast<T*>(bytes.data()); }
  runtime::AlignedBuffer bytes;
};

int run_bench_gemm(const BenchOptions& o, kernels::Isa cap) {
  const auto a_values = random_bf16(static_cast<std::size_t>(o.m) * o.k, 1, 1.0f);
  const auto b_values = random_bf16(static_cast<std::size_t>(o.k) * o.n, 2, 1.0f);
  AlignedArray<bf16> a(a_values.size(), &a_values), b(b_values.size(), &b_values);
  const std::size_t c_size = static_cast<std::size_t>(o.m) * o.n;
  AlignedArray<float> c(c_size), c_unpacked(c_size);
  kernels::MatmulParams p;
  p.m = o.m, p.n = o.n, p.k = o.k, p.a = a.data(), p.lda = o.k, p.b = b.data(), p.ldb = o.n;
  p.c = c.data(), p.ldc = o.n, p.c_type = kernels::OutType::f32;
  runtime::HostCluster cluster(o.threads);
  const double flops = 2.0 * o.m * o.n * o.k;
  nlohmann::ordered_json j;
  j["m"] = o.m, j["n"] = o.n, j["k"] = o.k, j["threads"] = o.threads, j["isa_cap"] = kernels::isa_name(cap);
  const kernels::MatmulVariant& best = kernels::select_variant(kernels::matmul_variants(), kernels::host_spec(cap));
  // The prepared path, as a model runs it: B packed once into the variant's layout, outside the
  // timed loop. The unpacked call (B packed on every call) is timed too with --unpacked.
  kernels::PreparedCall call(best, p, o.threads, kernels::PackWeights::yes);
  p.c = c_unpacked.data();
  kernels::PreparedCall unpacked(best, p, o.threads, kernels::PackWeights::no);
  call.run(cluster);  // warm-up
  if (o.unpacked) unpacked.run(cluster);
  const int reps = o.repeat;
  // Interleave bfedge with the peers: bfedge, dnnl, torch, bfedge, ...
  std::vector<double> ours, ours_unpacked;
  std::optional<peers::PeerTiming> dnnl, torch;
  std::vector<double> dnnl_t, torch_t;
  for (int r = 0; r < reps; ++r) {
    ours.push_back(median_microseconds(3, [&] { call.run(cluster); }));
    if (o.unpacked) ours_unpacked.push_back(median_microseconds(3, [&] { unpacked.run(cluster); }));
    if ((dnnl = peers::dnnl_matmul_bf16(o.m, o.n, o.k, o.threads, 3))) dnnl_t.push_back(dnnl->microseconds);
    if ((torch = peers::torch_matmul_bf16(o.m, o.n, o.k, o.threads, 3))) torch_t.push_back(torch->microseconds);
  }
  auto median = [](std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  const double ours_us = median(ours);
  j["bfedge_variant"] = best.name, j["bfedge_packed_b"] = best.pack_weights != nullptr;
  j["bfedge_us"] = ours_us, j["bfedge_gflops"] = flops / ours_us * 1e-3;
  if (o.unpacked) {
    j["bfedge_unpacked_us"] = median(ours_unpacked);
    j["bfedge_unpacked_gflops"] = flops / median(ours_unpacked) * 1e-3;
    double max_diff = 0.0;  // the two paths must agree exactly: same blocks, same order
    for (std::size_t i = 0; i < c_size; ++i) {
      max_diff = std::max(max_diff, std::fabs(double{c.data()[i]} - c_unpacked.data()[i]));
    }
    j["max_abs_diff_packed_vs_unpacked"] = max_diff;
  }
  if (!dnnl_t.empty()) {
    j["onednn_impl"] = dnnl->detail, j["onednn_us"] = median(dnnl_t);
    j["onednn_gflops"] = flops / median(dnnl_t) * 1e-3, j["ratio_bfedge_vs_onednn"] = median(dnnl_t) / ours_us;
  }
  if (!torch_t.empty()) {
    j["torch_us"] = median(torch_t), j["torch_gflops"] = flops / median(torch_t) * 1e-3;
    j["ratio_bfedge_vs_torch"] = median(torch_t) / ours_us;
  }
  if (o.json) {
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  std::printf("GEMM %dx%dx%d bf16 -> f32, %d thread%s (median of %d interleaved rounds)\n", o.m, o.n, o.k,
              o.threads, o.threads == 1 ? "" : "s", reps);
  std::printf("  %-28s %10.1f us %8.1f GFLOP/s   %s\n", best.name, ours_us, j["bfedge_gflops"].get<double>(),
              best.pack_weights != nullptr ? "(B packed once)" : "(B as given)");
  if (o.unpacked) {
    std::printf("  %-28s %10.1f us %8.1f GFLOP/s   (B packed per call; max |diff| %.3g)\n", "  unpacked call",
                j["bfedge_unpacked_us"].get<double>(), j["bfedge_unpacked_gflops"].get<double>(),
                j["max_abs_diff_packed_vs_unpacked"].get<double>());
  }
  if (j.contains("onednn_us")) {
    std::printf("  %-28s %10.1f us %8.1f GFLOP/s   bfedge/oneDNN %.2fx   %s\n", "oneDNN matmul",
                j["onednn_us"].get<double>(), j["onednn_gflops"].get<double>(),
                j["ratio_bfedge_vs_onednn"].get<double>(), dnnl->detail.c_str());
  } else {
    std::printf("  oneDNN: not built in (install libdnnl-dev and rebuild)\n");
  }
  if (j.contains("torch_us")) {
    std::printf("  %-28s %10.1f us %8.1f GFLOP/s   bfedge/libtorch %.2fx\n", "torch::matmul",
                j["torch_us"].get<double>(), j["torch_gflops"].get<double>(),
                j["ratio_bfedge_vs_torch"].get<double>());
  } else {
    std::printf("  libtorch: not built in (install libtorch-dev and rebuild)\n");
  }
  return 0;
}

}  // namespace

Command add_bench_command(CLI::App& app) {
  auto o = std::make_shared<BenchOptions>();
  CLI::App* cmd = app.add_subcommand("bench", "Time kernels side by side (and peers, when built in)");
  cmd->require_subcommand(1);
  CLI::App* mhsa = cmd->add_subcommand("mhsa", "naive PyTorch port vs tiled vs fused attention");
  CLI::App* gemm = cmd->add_subcommand("gemm", "bfedge BF16 GEMM vs oneDNN and libtorch");
  for (CLI::App* sub : {mhsa, gemm}) {
    sub->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    add_integer_option(*sub, "--threads", o->threads, 1, kMaxThreads, "host threads")
        ->default_str(std::to_string(o->threads));
    add_integer_option(*sub, "--repeat", o->repeat, 1, 10000, "timed repetitions (median)")
        ->default_str(std::to_string(o->repeat));
    sub->add_flag("--json", o->json, "print one JSON object");
  }
  add_integer_option(*mhsa, "--seq", o->seq, 1, 4096, "sequence length L")->default_str(std::to_string(o->seq));
  add_integer_option(*mhsa, "--embed", o->embed, 1, 8192, "embedding width E")->default_str(std::to_string(o->embed));
  add_integer_option(*mhsa, "--heads", o->heads, 1, 8192, "heads H, dividing E")->default_str(std::to_string(o->heads));
  mhsa->add_flag("--causal", o->causal, "causal mask (no PyTorch peer then)");
  add_integer_option<std::size_t>(*mhsa, "--l1-budget", o->budget, 1, std::size_t{1} << 30,
                                  "fused tiles' per-core working set, bytes")
      ->default_str(std::to_string(o->budget));
  for (auto [name, value, help] : {std::tuple{"--m", &o->m, "M: rows of A and C"},
                                    {"--n", &o->n, "N: columns of B and C"},
                                    {"--k", &o->k, "K: columns of A, rows of B"}}) {
    add_integer_option(*gemm, name, *value, 1, 8192, help)->default_str(std::to_string(*value));
  }
  gemm->add_flag("--unpacked", o->unpacked, "also time the call that packs B on every call");
  auto mb = std::make_shared<BenchMobileBertOptions>();
  CLI::App* mobilebert = cmd->add_subcommand("mobilebert", "MobileBERT forward: bfedge BF16 vs libtorch FP32/BF16");
  mobilebert->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  mobilebert->add_option("--model", mb->model, "HF MobileBERT folder (default: HF's default config, random weights)");
  add_integer_option(*mobilebert, "--seq", mb->seq, 1, 4096, "tokens per sequence")->default_str("32");
  add_integer_option(*mobilebert, "--batch", mb->batch, 1, 4096, "sequences per forward")->default_str("1");
  add_integer_option(*mobilebert, "--threads", mb->threads, 1, kMaxThreads, "host threads (bfedge and libtorch)")
      ->default_str("1");
  add_integer_option(*mobilebert, "--repeat", mb->repeat, 1, 10000, "interleaved rounds (median)")->default_str("5");
  mobilebert->add_flag("--json", mb->json, "print one JSON object");
  auto tv = std::make_shared<BenchTinyVitOptions>();
  CLI::App* tinyvit = cmd->add_subcommand("tinyvit", "TinyViT forward: bfedge BF16 vs libtorch FP32/BF16");
  tinyvit->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  tinyvit->add_option("--model", tv->model,
                      "TinyViT folder in timm's layout (default: tiny_vit_5m_224 at --image-size, random weights)");
  add_integer_option(*tinyvit, "--image-size", tv->image_size, 1, 4096,
                     "without --model: 32 (CIFAR-10 plan), 28 (Fashion-MNIST plan) or 224 (timm's config)")
      ->default_str("32");
  add_integer_option(*tinyvit, "--batch", tv->batch, 1, 4096, "images per forward")->default_str("1");
  add_integer_option(*tinyvit, "--threads", tv->threads, 1, kMaxThreads, "host threads (bfedge and libtorch)")
      ->default_str("1");
  add_integer_option(*tinyvit, "--repeat", tv->repeat, 1, 10000, "interleaved rounds (median)")->default_str("5");
  tinyvit->add_flag("--json", tv->json, "print one JSON object");
  return {cmd, [o, mb, mhsa, mobilebert, tv, tinyvit] {
            Result<kernels::Isa> cap = kernels::host_isa_cap();
            if (!cap.is_ok()) return report_error(cap.status());
            if (mobilebert->parsed()) return run_bench_mobilebert(*mb, cap.value());
            if (tinyvit->parsed()) return run_bench_tinyvit(*tv, cap.value());
            return mhsa->parsed() ? run_bench_mhsa(*o, cap.value()) : run_bench_gemm(*o, cap.value());
          }};
}

}  // namespace bfedge::cli
