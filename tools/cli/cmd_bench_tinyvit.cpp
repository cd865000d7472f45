// bfedge bench tinyvit: one TinyViT forward (batch images) timed side by side in one run —
// bfedge BF16 (the prepared graph) against libtorch FP32 and, when it runs, libtorch BF16 (a
// bfloat16 copy of the module) on the same images — in interleaved rounds (median of each), with
// images/s, the ratios, and GFLOP/s from the graph summary's MACs (2 FLOPs per MAC).
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "bench_tinyvit.hpp"
#include "bfedge/graph/summary.hpp"
#include "bfedge/models/tinyvit_bf16.hpp"
#include "bfedge/models/tinyvit_datasets.hpp"
#include "cli_common.hpp"
#include "peers/timing.hpp"
#include "bench_torch_ratios.hpp"
#include "torch_component.hpp"

namespace bfedge::cli {
namespace {

constexpr const char* kArchitecture = "tiny_vit_5m_224";


// tiny_vit_5m_224 for --image-size: the CIFAR-10 or Fashion-MNIST plan, or timm's own at 224.
Result<models::TinyVitConfig> config_for_size(int size) {
  if (size == 32)
    return models::tinyvit_config_for_dataset(kArchitecture, models::ImageDatasetName::cifar10);
  if (size == 28)
    return models::tinyvit_config_for_dataset(kArchitecture,
                                              models::ImageDatasetName::fashion_mnist);
  if (size == 224) return models::tinyvit_variant(kArchitecture);
  return invalid_argument(
      "--image-size " + std::to_string(size) +
      " has no plan: 32 (CIFAR-10), 28 (Fashion-MNIST) or 224 (timm's tiny_vit_5m_224)");
}

}  // namespace

int run_bench_tinyvit(const BenchTinyVitOptions& o, kernels::Isa cap) {
  models::TinyVitConfig config;
  models::TinyVitWeights weights;
  if (!o.model.empty()) {
    auto loaded = models::load_tinyvit(o.model);
    if (!loaded.is_ok()) return report_error(loaded.status());
    config = loaded.value().config;
    weights = std::move(loaded.value().weights);
  } else {
    auto made = config_for_size(o.image_size);
    if (!made.is_ok()) return report_error(made.status());
    config = made.value();
    weights = models::tinyvit_random_weights(config, 1);
  }
  auto ours = models::TinyVitBf16::create(config, weights, o.batch, cap, o.threads);
  if (!ours.is_ok()) return report_error(ours.status());
  std::vector<float> images(static_cast<std::size_t>(o.batch) * config.image_height *
                            config.image_width * config.in_chans);
  std::mt19937 rng(2);
  std::normal_distribution<float> normal;
  for (float& x : images) x = normal(rng);
  runtime::HostCluster cluster(o.threads);

  auto torch = o.model.empty() ? torch_component::TorchTinyVit::random(config, 1, o.threads)
                               : torch_component::TorchTinyVit::load(o.model, o.threads);
  std::string torch_note;
  if (!torch.is_ok()) torch_note = torch.status().message();
  models::TinyVitOutputs torch_out;
  bool torch_bf16 = torch.is_ok();
  if (torch.is_ok()) {  // warm-up, and find out whether libtorch's BF16 path runs
    if (Status s = torch.value().forward(images.data(), o.batch, false, false, torch_out);
        !s.is_ok()) {
      return report_error(s);
    }
    if (Status s = torch.value().forward(images.data(), o.batch, true, false, torch_out);
        !s.is_ok()) {
      torch_bf16 = false;
      torch_note = "libtorch bf16 did not run: " + s.message();
    }
  }
  if (Status s = ours.value().forward(images.data(), cluster); !s.is_ok()) return report_error(s);

  std::vector<double> ours_t, torch_t, torch_bf16_t;
  for (int r = 0; r < o.repeat; ++r) {  // interleaved rounds
    ours_t.push_back(
        median_microseconds(3, [&] { (void)ours.value().forward(images.data(), cluster); }));
    if (torch.is_ok()) {
      torch_t.push_back(median_microseconds(3, [&] {
        (void)torch.value().forward(images.data(), o.batch, false, false, torch_out);
      }));
      if (torch_bf16) {
        torch_bf16_t.push_back(median_microseconds(3, [&] {
          (void)torch.value().forward(images.data(), o.batch, true, false, torch_out);
        }));
      }
    }
  }
  const std::int64_t macs = graph::summarize(ours.value().prepared().graph(), 0).macs;
  const double ours_us = median_of(ours_t);
  nlohmann::ordered_json j;
  j["model"] = o.model.empty()
                   ? std::string(kArchitecture) + " " + std::to_string(config.image_height) + "x" +
                         std::to_string(config.image_width) + ", random weights"
                   : o.model;
  j["batch"] = o.batch, j["image_height"] = config.image_height,
  j["image_width"] = config.image_width;
  j["threads"] = o.threads, j["isa_cap"] = kernels::isa_name(cap);
  j["macs_per_forward"] = macs;
  j["bfedge_bf16_us"] = ours_us;
  j["bfedge_bf16_images_per_s"] = o.batch / ours_us * 1e6;
  j["bfedge_bf16_gflops"] = 2.0 * static_cast<double>(macs) / ours_us * 1e-3;
  add_torch_columns(j, torch_t, torch_bf16_t, torch_note, ours_us);
  if (o.json) {
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  std::printf("TinyViT forward, batch %d, %d thread%s (%s; median of %d interleaved rounds)\n",
              o.batch, o.threads, o.threads == 1 ? "" : "s", j["model"].get<std::string>().c_str(),
              o.repeat);
  std::printf("  %.3f GMAC per forward\n", static_cast<double>(macs) * 1e-9);
  std::printf("  %-18s %12.1f us  %8.1f images/s  %6.1f GFLOP/s\n", "bfedge bf16", ours_us,
              j["bfedge_bf16_images_per_s"].get<double>(), j["bfedge_bf16_gflops"].get<double>());
  for (const auto& [key, name] :
       {std::pair{"torch_f32_us", "libtorch fp32"}, {"torch_bf16_us", "libtorch bf16"}}) {
    if (!j.contains(key)) continue;
    const double us = j[key].get<double>();
    std::printf("  %-18s %12.1f us  %8.1f images/s  %6.1f GFLOP/s  bfedge speed-up %.2fx\n", name,
                us, o.batch / us * 1e6, 2.0 * static_cast<double>(macs) / us * 1e-3, us / ours_us);
  }
  if (!torch_note.empty()) std::printf("  libtorch: %s\n", torch_note.c_str());
  return 0;
}

}  // namespace bfedge::cli
