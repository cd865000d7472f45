// bfedge inspect: a checkpoint's configuration, parameter count and footprint per dtype.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "bfedge/io/llama2c.hpp"
#include "cli_common.hpp"
#include "commands.hpp"

namespace bfedge::cli {
namespace {

struct InspectOptions {
  std::string model;
  bool json = false;
};

int run_inspect(const InspectOptions& o) {
  if (Status s = check_file_name("model", o.model); !s.is_ok()) return report_error(s);
  Result<io::LlamaCheckpoint<float>> checkpoint = io::load_llama2c<float>(o.model);
  if (!checkpoint.is_ok()) return report_error(checkpoint.status());
  const models::LlamaConfig& c = checkpoint.value().config;
  const std::int64_t params = c.parameter_count();
  const std::int64_t kv_cache_elements =
      2LL * c.n_layers * c.seq_len * c.kv_dim();  // keys and values
  nlohmann::ordered_json j;
  j["model"] = o.model;
  j["format"] = io::format_name(checkpoint.value().format);
  j["dim"] = c.dim;
  j["hidden_dim"] = c.hidden_dim;
  j["n_layers"] = c.n_layers;
  j["n_heads"] = c.n_heads;
  j["n_kv_heads"] = c.n_kv_heads;
  j["head_size"] = c.head_size();
  j["vocab_size"] = c.vocab_size;
  j["seq_len"] = c.seq_len;
  j["shared_classifier"] = c.shared_classifier;
  j["parameters"] = params;
  j["weight_bytes_f32"] = params * 4;
  j["weight_bytes_bf16"] = params * 2;
  j["kv_cache_bytes_f32"] = kv_cache_elements * 4;
  j["kv_cache_bytes_bf16"] = kv_cache_elements * 2;
  if (o.json) {
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  for (const auto& [key, value] : j.items()) {
    const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    std::printf("%-20s %s\n", key.c_str(), text.c_str());
  }
  return 0;
}

}  // namespace

Command add_inspect_command(CLI::App& app) {
  auto options = std::make_shared<InspectOptions>();
  CLI::App* cmd = app.add_subcommand("inspect", "Show a checkpoint's config and footprint");
  cmd->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // last wins
  cmd->add_option("model", options->model, "llama2.c checkpoint (.bin)")->required();
  cmd->add_flag("--json", options->json, "print one JSON object");
  return {cmd, [options] { return run_inspect(*options); }};
}

}  // namespace bfedge::cli
