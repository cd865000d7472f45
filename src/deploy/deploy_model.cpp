// Reading a checkpoint of any supported family into its BF16 graph (deploy/deploy_model.hpp).
#include "bfedge/deploy/deploy_model.hpp"

#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include "bfedge/io/file.hpp"
#include "bfedge/models/llama_checkpoint.hpp"
#include "bfedge/models/llama_graph.hpp"
#include "bfedge/models/mobilebert.hpp"
#include "bfedge/models/mobilebert_graph.hpp"
#include "bfedge/models/tinyvit.hpp"
#include "bfedge/models/tinyvit_graph.hpp"

namespace bfedge::deploy {
namespace {

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// A folder's family from its config.json: timm's "architecture" tiny_vit_*, else HF MobileBERT.
Result<ModelFamily> folder_family(const std::string& dir) {
  Result<std::vector<std::byte>> bytes = io::read_file(dir + "/config.json", std::uint64_t{1} << 20);
  if (!bytes.is_ok()) return bytes.status();
  const auto* text = reinterpret_cast<const char*>(bytes.value().data());
  const auto json = nlohmann::json::parse(text, text + bytes.value().size(), nullptr, false);
  if (!json.is_object()) return format_error(dir + "/config.json: not a JSON object");
  if (json.contains("architecture") && json["architecture"].is_string() &&
      json["architecture"].get<std::string>().starts_with("tiny_vit")) {
    return ModelFamily::tinyvit;
  }
  return ModelFamily::mobilebert;  // load_mobilebert checks the rest and names what is wrong
}

Status refuse(const std::string& path, const char* option, const char* family) {
  return invalid_argument(path + ": " + option + " does not apply to a " + family + " model");
}

Result<DeployModel> llama(const std::string& path, const DeployModelOptions& o) {
  if (o.seq_len) return refuse(path, "--seq-len", "llama2.c");
  Result<models::LlamaCheckpoint<bf16>> checkpoint = models::load_llama<bf16>(path);
  if (!checkpoint.is_ok()) return checkpoint.status();
  models::LlamaConfig c = checkpoint.value().config;
  if (o.positions) {
    if (*o.positions < 1 || *o.positions > c.seq_len) {
      return invalid_argument(path + ": --positions " + std::to_string(*o.positions) + " is outside 1.." +
                              std::to_string(c.seq_len) + " (the model's seq_len)");
    }
    c.seq_len = *o.positions;
  }
  Result<models::LlamaGraph> built = models::build_llama_graph(c, std::move(checkpoint.value().weights));
  if (!built.is_ok()) return format_error(path + ": " + built.status().message());
  return DeployModel{ModelFamily::llama, path, c.seq_len, std::move(built.value().graph)};
}

Result<DeployModel> mobilebert(const std::string& path, const DeployModelOptions& o) {
  if (o.positions) return refuse(path, "--positions", "MobileBERT");
  Result<models::MobileBertModel> model = models::load_mobilebert(path);
  if (!model.is_ok()) return model.status();
  const models::MobileBertConfig& c = model.value().config;
  const int seq = o.seq_len.value_or(c.max_position_embeddings);
  if (seq < 1 || seq > c.max_position_embeddings) {
    return invalid_argument(path + ": --seq-len " + std::to_string(seq) + " is outside 1.." +
                            std::to_string(c.max_position_embeddings) + " (max_position_embeddings)");
  }
  Result<models::MobileBertGraph> built =
      models::build_mobilebert_graph(c, models::mobilebert_weights_to_bf16(model.value().weights), 1, seq);
  if (!built.is_ok()) return format_error(path + ": " + built.status().message());
  return DeployModel{ModelFamily::mobilebert, path, seq, std::move(built.value().graph)};
}

Result<DeployModel> tinyvit(const std::string& path, const DeployModelOptions& o) {
  if (o.positions) return refuse(path, "--positions", "TinyViT");
  if (o.seq_len) return refuse(path, "--seq-len", "TinyViT");
  Result<models::TinyVitModel> model = models::load_tinyvit(path);
  if (!model.is_ok()) return model.status();
  Result<models::TinyVitGraph> built = models::build_tinyvit_graph(model.value().config, model.value().weights, 1);
  if (!built.is_ok()) return format_error(path + ": " + built.status().message());
  return DeployModel{ModelFamily::tinyvit, path, 0, std::move(built.value().graph)};
}

}  // namespace

const char* model_family_name(ModelFamily family) {
  switch (family) {
    case ModelFamily::llama: return "llama";
    case ModelFamily::mobilebert: return "mobilebert";
    case ModelFamily::tinyvit: return "tinyvit";
  }
  return "?";
}

Result<DeployModel> load_deploy_model(const std::string& path, const DeployModelOptions& options) {
  if (!is_directory(path)) return llama(path, options);
  Result<ModelFamily> family = folder_family(path);
  if (!family.is_ok()) return family.status();
  return family.value() == ModelFamily::tinyvit ? tinyvit(path, options) : mobilebert(path, options);
}

}  // namespace bfedge::deploy
