// bfedge inspect: a llama2.c checkpoint's configuration, parameter count and footprint per dtype,
// a safetensors file's tensors (name, dtype, shape, bytes) and totals, or a Hugging Face MobileBERT
// directory (config.json, optionally model.safetensors checked against it): its configuration and
// parameters per component; a TinyViT directory in timm's layout (cmd_inspect_tinyvit.cpp).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>

#include "bfedge/deploy/footprint.hpp"
#include "bfedge/io/file.hpp"
#include "bfedge/io/safetensors.hpp"
#include "bfedge/models/llama_checkpoint.hpp"
#include "bfedge/models/mobilebert_config.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include "inspect_graph.hpp"
#include "tinyvit_classifier.hpp"

namespace bfedge::cli {
namespace {

constexpr int kMcuSeq = 128;

struct InspectOptions {
  std::string model;
  bool json = false;
  bool graph = false;
  std::optional<int> position;
};

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

int inspect_safetensors(const InspectOptions& o) {
  Result<io::TensorTable> table = io::load_safetensors(o.model);
  if (!table.is_ok()) return report_error(table.status());
  const io::TensorTable& t = table.value();
  nlohmann::ordered_json j;
  j["model"] = o.model;
  j["format"] = "safetensors";
  j["tensors"] = t.entries().size();
  j["parameters"] = t.total_elements();
  j["bytes"] = t.data_bytes();
  j["metadata"] = t.metadata();
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const io::TensorEntry& e : t.entries()) {
    list.push_back({{"name", e.name}, {"dtype", io::tensor_dtype_name(e.dtype)}, {"shape", e.shape},
                    {"offset", e.offset}, {"bytes", e.bytes}});
  }
  // Names and values as they are, unless a control byte would garble the terminal: then escaped.
  const auto shown = [](const std::string& text) {
    for (char c : text) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        return nlohmann::ordered_json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      }
    }
    return text;
  };
  int width = 6;
  for (const io::TensorEntry& e : t.entries()) width = std::max(width, static_cast<int>(shown(e.name).size()));
  if (o.json) {
    j["tensor_list"] = list;
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  std::printf("%-20s %s\n%-20s safetensors\n%-20s %zu\n%-20s %lld\n%-20s %llu\n", "model", o.model.c_str(), "format",
              "tensors", t.entries().size(), "parameters", static_cast<long long>(t.total_elements()), "bytes",
              static_cast<unsigned long long>(t.data_bytes()));
  for (const auto& [key, value] : t.metadata()) {
    std::printf("%-20s %s\n", shown("metadata." + key).c_str(), shown(value).c_str());
  }
  std::printf("\n%-*s %-5s %-20s %12s\n", width, "tensor", "dtype", "shape", "bytes");
  for (const io::TensorEntry& e : t.entries()) {
    std::printf("%-*s %-5s %-20s %12llu\n", width, shown(e.name).c_str(), io::tensor_dtype_name(e.dtype),
                shape_text(e.shape).c_str(), static_cast<unsigned long long>(e.bytes));
  }
  return 0;
}

const char* head_name(models::MobileBertHead head) {
  switch (head) {
    case models::MobileBertHead::encoder: return "MobileBertModel (no pooler)";
    case models::MobileBertHead::pooler: return "MobileBertModel";
    case models::MobileBertHead::sequence_classification: return "MobileBertForSequenceClassification";
  }
  return "?";
}

// A Hugging Face directory: config.json and, when present, model.safetensors checked against it.
// Without weights the sequence-classification layout is shown.
int inspect_mobilebert_dir(const InspectOptions& o) {
  const std::filesystem::path dir(o.model);
  Result<models::MobileBertConfig> config = models::load_mobilebert_config((dir / "config.json").string());
  if (!config.is_ok()) return report_error(config.status());
  const models::MobileBertConfig& c = config.value();
  models::MobileBertHead head = models::MobileBertHead::sequence_classification;
  const std::string weights = (dir / "model.safetensors").string();
  std::error_code ec;
  const bool have_weights = std::filesystem::exists(weights, ec);
  if (have_weights) {
    Result<io::TensorTable> table = io::load_safetensors(weights);
    if (!table.is_ok()) return report_error(table.status());
    head = models::mobilebert_head_of(table.value());
    if (Status s = models::check_mobilebert_tensors(c, head, table.value(), weights); !s.is_ok()) {
      return report_error(s);
    }
  }
  const models::MobileBertParameterCounts n = models::mobilebert_parameter_counts(c, head);
  nlohmann::ordered_json j;
  j["model"] = o.model;
  j["format"] = "huggingface mobilebert";
  j["weights"] = have_weights ? weights : "none (config.json only)";
  j["head"] = head_name(head);
  j["vocab_size"] = c.vocab_size;
  j["hidden_size"] = c.hidden_size;
  j["true_hidden_size"] = c.true_hidden_size();
  j["embedding_size"] = c.embedding_size;
  j["intra_bottleneck_size"] = c.intra_bottleneck_size;
  j["intermediate_size"] = c.intermediate_size;
  j["num_hidden_layers"] = c.num_hidden_layers;
  j["num_attention_heads"] = c.num_attention_heads;
  j["num_feedforward_networks"] = c.num_feedforward_networks;
  j["max_position_embeddings"] = c.max_position_embeddings;
  j["type_vocab_size"] = c.type_vocab_size;
  j["hidden_act"] = models::mobilebert_activation_name(c.hidden_act);
  j["normalization_type"] = models::mobilebert_normalization_name(c.normalization_type);
  j["layer_norm_eps"] = c.layer_norm_eps;
  j["trigram_input"] = c.trigram_input;
  j["use_bottleneck"] = c.use_bottleneck;
  j["use_bottleneck_attention"] = c.use_bottleneck_attention;
  j["key_query_shared_bottleneck"] = c.key_query_shared_bottleneck;
  j["classifier_activation"] = c.classifier_activation;
  j["num_labels"] = c.num_labels;
  const struct {
    const char* name;
    std::int64_t count;
  } parts[] = {{"embeddings", n.embeddings}, {"per_layer", n.per_layer}, {"layers", n.layers},
               {"pooler", n.pooler},         {"classifier", n.classifier}, {"total", n.total()}};
  nlohmann::ordered_json params;
  for (const auto& p : parts) {
    params[p.name] = {{"parameters", p.count}, {"bytes_f32", p.count * 4}, {"bytes_bf16", p.count * 2}};
  }
  // What one sequence of kMcuSeq tokens (SST-2's training length) costs on the MCU.
  const int seq = std::min(kMcuSeq, c.max_position_embeddings);
  Result<deploy::Footprint> footprint = deploy::GraphFootprintModel().mobilebert(c, seq);
  if (!footprint.is_ok()) return report_error(footprint.status());
  const deploy::Footprint& f = footprint.value();
  nlohmann::ordered_json mcu = {{"seq", seq}};
  mcu.update(footprint_json(f));
  if (o.json) {
    j["parameters"] = params;
    j["mcu_footprint"] = mcu;
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  for (const auto& [key, value] : j.items()) {
    const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    std::printf("%-28s %s\n", key.c_str(), text.c_str());
  }
  std::printf("\n%-12s %14s %14s %14s\n", "component", "parameters", "bytes_f32", "bytes_bf16");
  for (const auto& p : parts) {
    std::printf("%-12s %14lld %14lld %14lld\n", p.name, static_cast<long long>(p.count),
                static_cast<long long>(p.count * 4), static_cast<long long>(p.count * 2));
  }
  print_footprint(f, "MCU footprint of one sequence of " + std::to_string(seq) +
                         " tokens (BF16 graph with the classifier head; norms FP32)");
  return 0;
}

// A safetensors file by its extension or its first bytes (a header length within the file, '{').
bool is_safetensors(const std::string& path) {
  if (path.size() >= 12 && path.compare(path.size() - 12, 12, ".safetensors") == 0) return true;
  Result<io::FilePrefix> prefix = io::read_file_prefix(path, 9);
  return prefix.is_ok() && io::looks_like_safetensors(prefix.value().bytes, prefix.value().file_size);
}

int run_inspect(const InspectOptions& o) {
  if (Status s = check_file_name("model", o.model); !s.is_ok()) return report_error(s);
  std::error_code ec;
  if (std::filesystem::is_directory(o.model, ec)) {
    if (o.graph) return report_error(o.model + ": --graph needs a model bfedge can build; a MobileBERT or TinyViT directory shows its configuration and parameters", kExitUsageError);
    if (is_tinyvit_dir(o.model)) return inspect_tinyvit_dir(o.model, o.json);
    return inspect_mobilebert_dir(o);
  }
  if (is_safetensors(o.model)) {
    if (o.graph) return report_error(o.model + ": --graph needs a model bfedge can build; safetensors files show their tensors", kExitUsageError);
    return inspect_safetensors(o);
  }
  if (o.graph) return inspect_graph(o.model, o.position, o.json);
  Result<models::LlamaCheckpoint<float>> checkpoint = models::load_llama<float>(o.model);
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
  CLI::App* cmd = app.add_subcommand("inspect", "Show a checkpoint's config and footprint, a safetensors file's tensors, or a MobileBERT or TinyViT directory's config, parameters and MCU footprint");
  cmd->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // last wins
  cmd->add_option("model", options->model, "llama2.c checkpoint (.bin), safetensors file, a Hugging Face MobileBERT directory (config.json, model.safetensors) or a TinyViT directory in timm's layout")->required();
  cmd->add_flag("--json", options->json, "print one JSON object");
  cmd->add_flag("--graph", options->graph, "show the model's graph: per node output shape, MACs, bytes, kernel; totals");
  add_integer_option(*cmd, "--position", options->position, 0, 1 << 30,
                     "with --graph: the decoder position to cost (default: the last, seq_len - 1)");
  return {cmd, [options] { return run_inspect(*options); }};
}

}  // namespace bfedge::cli
