// MobileBertConfig → config.json, the inverse of parse_mobilebert_config.
#include <nlohmann/json.hpp>

#include "bfedge/models/mobilebert_config.hpp"

namespace bfedge::models {

std::string mobilebert_config_json(const MobileBertConfig& c) {
  using nlohmann::json;
  json j = json::object();
  j["model_type"] = c.model_type;
  j["architectures"] = c.architectures.empty() ? json::array({"MobileBertForSequenceClassification"})
                                               : json(c.architectures);
  j["vocab_size"] = c.vocab_size;
  j["hidden_size"] = c.hidden_size;
  j["num_hidden_layers"] = c.num_hidden_layers;
  j["num_attention_heads"] = c.num_attention_heads;
  j["intermediate_size"] = c.intermediate_size;
  j["hidden_act"] = mobilebert_activation_name(c.hidden_act);
  j["max_position_embeddings"] = c.max_position_embeddings;
  j["type_vocab_size"] = c.type_vocab_size;
  j["layer_norm_eps"] = c.layer_norm_eps;
  j["pad_token_id"] = c.pad_token_id < 0 ? json(nullptr) : json(c.pad_token_id);
  j["embedding_size"] = c.embedding_size;
  j["trigram_input"] = c.trigram_input;
  j["use_bottleneck"] = c.use_bottleneck;
  j["intra_bottleneck_size"] = c.intra_bottleneck_size;
  j["use_bottleneck_attention"] = c.use_bottleneck_attention;
  j["key_query_shared_bottleneck"] = c.key_query_shared_bottleneck;
  j["num_feedforward_networks"] = c.num_feedforward_networks;
  j["normalization_type"] = mobilebert_normalization_name(c.normalization_type);
  j["classifier_activation"] = c.classifier_activation;
  j["hidden_dropout_prob"] = c.hidden_dropout_prob;
  j["attention_probs_dropout_prob"] = c.attention_probs_dropout_prob;
  j["initializer_range"] = c.initializer_range;
  j["classifier_dropout"] = c.classifier_dropout < 0 ? json(nullptr) : json(c.classifier_dropout);
  if (c.id2label.empty()) {
    j["num_labels"] = c.num_labels;
  } else {
    json id2label = json::object(), label2id = json::object();
    for (std::size_t i = 0; i < c.id2label.size(); ++i) {
      id2label[std::to_string(i)] = c.id2label[i];
      label2id[c.id2label[i]] = static_cast<int>(i);
    }
    j["id2label"] = id2label;
    j["label2id"] = label2id;
  }
  return j.dump(2) + "\n";
}

}  // namespace bfedge::models

namespace bfedge::models {

Result<MobileBertConfig> mobilebert_config_with_overrides(const MobileBertConfig& config,
                                                          std::span<const std::string> overrides) {
  using nlohmann::json;
  MobileBertConfig current = config;
  for (const std::string& item : overrides) {
    const std::string source = "--set " + item;
    const std::size_t equals = item.find('=');
    if (equals == std::string::npos || equals == 0) return invalid_argument(source + ": expected KEY=VALUE");
    const std::string key = item.substr(0, equals), text = item.substr(equals + 1);
    json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) value = text;
    json j = json::parse(mobilebert_config_json(current));
    if (key == "num_labels") j.erase("id2label"), j.erase("label2id");
    j[key] = value;
    auto parsed = parse_mobilebert_config(j.dump(), source);
    if (!parsed.is_ok()) return invalid_argument(parsed.status().message());
    current = std::move(parsed.value());
  }
  return current;
}

}  // namespace bfedge::models
