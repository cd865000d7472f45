// bfedge inspect DIR for TinyViT: timm's config, the parameter count per component with FP32 and
// BF16 bytes, and what one image costs on the MCU by deploy::GraphFootprintModel.
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "bfedge/deploy/footprint.hpp"
#include "bfedge/io/safetensors.hpp"
#include "bfedge/models/tinyvit_config.hpp"
#include "cli_common.hpp"
#include "inspect_graph.hpp"

namespace bfedge::cli {

int inspect_tinyvit_dir(const std::string& dir, bool json) {
  const std::filesystem::path root(dir);
  Result<models::TinyVitConfig> config = models::load_tinyvit_config((root / "config.json").string());
  if (!config.is_ok()) return report_error(config.status());
  const models::TinyVitConfig& c = config.value();
  const std::string weights = (root / "model.safetensors").string();
  std::error_code ec;
  const bool have_weights = std::filesystem::exists(weights, ec);
  if (have_weights) {
    Result<io::TensorTable> table = io::load_safetensors(weights);
    if (!table.is_ok()) return report_error(table.status());
    if (Status s = models::check_tinyvit_tensors(c, table.value(), weights); !s.is_ok()) return report_error(s);
  }
  Result<deploy::Footprint> footprint = deploy::GraphFootprintModel().tinyvit(c);
  if (!footprint.is_ok()) return report_error(footprint.status());
  const deploy::Footprint& f = footprint.value();
  const models::TinyVitParameterCounts n = models::tinyvit_parameter_counts(c);

  nlohmann::ordered_json j;
  j["model"] = dir;
  j["format"] = "timm tiny_vit";
  j["weights"] = have_weights ? weights : "none (config.json only)";
  j["architecture"] = c.architecture;
  j["embed_dims"] = c.embed_dims;
  j["depths"] = c.depths;
  j["num_heads"] = c.num_heads;
  j["window_sizes"] = c.window_sizes;
  j["mlp_ratio"] = c.mlp_ratio;
  j["mbconv_expand_ratio"] = c.mbconv_expand_ratio;
  j["stem_strides"] = {c.stem_strides[0], c.stem_strides[1]};
  j["input_size"] = {c.in_chans, c.image_height, c.image_width};
  j["num_classes"] = c.num_classes;
  std::vector<std::pair<std::string, std::int64_t>> parts = {{"stem", n.stem}};
  for (std::size_t i = 0; i < n.stages.size(); ++i) parts.emplace_back("stage " + std::to_string(i), n.stages[i]);
  parts.emplace_back("head", n.head);
  parts.emplace_back("total", n.total());
  nlohmann::ordered_json params;
  for (const auto& [name, count] : parts) {
    params[name] = {{"parameters", count}, {"bytes_f32", count * 4}, {"bytes_bf16", count * 2}};
  }
  if (json) {
    j["parameters"] = params;
    j["buffers"] = n.buffers;
    j["mcu_footprint"] = footprint_json(f);
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  for (const auto& [key, value] : j.items()) {
    std::printf("%-28s %s\n", key.c_str(), value.is_string() ? value.get<std::string>().c_str() : value.dump().c_str());
  }
  std::printf("\n%-12s %14s %14s %14s\n", "component", "parameters", "bytes_f32", "bytes_bf16");
  for (const auto& [name, count] : parts) {
    std::printf("%-12s %14lld %14lld %14lld\n", name.c_str(), static_cast<long long>(count),
                static_cast<long long>(count * 4), static_cast<long long>(count * 2));
  }
  std::printf("%-12s %14lld (BatchNorm statistics, folded away at import)\n", "buffers", static_cast<long long>(n.buffers));
  print_footprint(f, "MCU footprint of one image (BF16 graph; norms and attention biases FP32, BatchNorm folded)");
  return 0;
}

nlohmann::ordered_json footprint_json(const deploy::Footprint& f) {
  nlohmann::ordered_json mcu;
  mcu["weight_bytes"] = f.weight_bytes;
  mcu["activation_peak_bytes"] = f.activation_peak_bytes;
  mcu["total_bytes"] = f.total_bytes();
  mcu["macs"] = f.macs;
  mcu["weights_in"] = deploy::memory_level_name(f.weights_level);
  mcu["activations_in"] = deploy::memory_level_name(f.activations_level);
  return mcu;
}

void print_footprint(const deploy::Footprint& f, const std::string& title) {
  std::printf("\n%s\n", title.c_str());
  std::printf("%-28s %lld (%s)\n", "weight_bytes", static_cast<long long>(f.weight_bytes), deploy::memory_level_name(f.weights_level));
  std::printf("%-28s %lld (%s)\n", "activation_peak_bytes", static_cast<long long>(f.activation_peak_bytes),
              deploy::memory_level_name(f.activations_level));
  std::printf("%-28s %lld\n%-28s %lld\n", "total_bytes", static_cast<long long>(f.total_bytes()), "macs",
              static_cast<long long>(f.macs));
}

}  // namespace bfedge::cli
