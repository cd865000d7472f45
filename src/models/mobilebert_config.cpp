#include "bfedge/models/mobilebert_config.hpp"

#include <cmath>
#include <cstddef>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "bfedge/io/file.hpp"

namespace bfedge::models {
namespace {

using nlohmann::json;

constexpr std::string_view kIgnoredKeys[] = {
    // Training-only or initialisation-only settings.
    "hidden_dropout_prob", "attention_probs_dropout_prob", "classifier_dropout",
    "initializer_range", "gradient_checkpointing", "problem_type", "finetuning_task",
    // Bookkeeping written by save_pretrained.
    "_name_or_path", "transformers_version", "torch_dtype", "dtype", "architectures", "model_type",
    "_commit_hash", "_attn_implementation_autoset", "tokenizer_class", "prefix",
    "task_specific_params",
    // Label names (num_labels is derived from id2label).
    "id2label", "label2id",
    // Output switches and modules MobileBERT's classifier does not have.
    "output_hidden_states", "output_attentions", "return_dict", "torchscript", "use_cache",
    "output_past", "tie_word_embeddings", "chunk_size_feed_forward", "add_cross_attention",
    "is_encoder_decoder", "cross_attention_hidden_size", "tie_encoder_decoder",
    // Special tokens and generation settings (pad_token_id is an architecture field).
    "bos_token_id", "eos_token_id", "sep_token_id", "decoder_start_token_id", "max_length",
    "min_length", "do_sample", "early_stopping", "num_beams", "num_beam_groups",
    "diversity_penalty", "temperature", "top_k", "top_p", "typical_p", "repetition_penalty",
    "length_penalty", "no_repeat_ngram_size", "encoder_no_repeat_ngram_size", "bad_words_ids",
    "num_return_sequences", "output_scores", "return_dict_in_generate", "forced_bos_token_id",
    "forced_eos_token_id"};

std::string json_quoted(std::string_view text) {
  return json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace);
}

const char* type_name(const json& v) {
  if (v.is_number_integer()) return "an integer";
  if (v.is_number_float()) return "a floating-point number";
  if (v.is_boolean()) return "a boolean";
  if (v.is_string()) return "a string";
  if (v.is_null()) return "null";
  if (v.is_array()) return "an array";
  return "an object";
}

// Reads the config.json object's fields with one-line errors "<source>: <key>: <problem>".
class FieldReader {
 public:
  FieldReader(const json& root, const std::string& source) : root_(root), source_(source) {}

  Status error(std::string_view key, const std::string& problem) const {
    return format_error(source_ + ": " + std::string(key) + ": " + problem);
  }
  Status wrong_type(std::string_view key, const char* expected) const {
    return error(key, std::string("expected ") + expected + ", got " + type_name(root_.at(key)));
  }
  const json* find(std::string_view key) const {
    const auto it = root_.find(key);
    return it == root_.end() ? nullptr : &*it;
  }

  // Integers in [min, max]; absent keys leave `out` (the HF default) unchanged.
  Status integer(std::string_view key, int& out, std::int64_t min, std::int64_t max) const {
    const json* v = find(key);
    if (v == nullptr) return Status::ok();
    if (!v->is_number_integer()) return wrong_type(key, "an integer");
    bool in_range = false;
    std::int64_t value = 0;
    if (v->is_number_unsigned()) {
      const auto u = v->get<std::uint64_t>();
      in_range = u <= static_cast<std::uint64_t>(max) && static_cast<std::int64_t>(u) >= min;
      value = in_range ? static_cast<std::int64_t>(u) : 0;
    } else {
      value = v->get<std::int64_t>();
      in_range = value >= min && value <= max;
    }
    if (!in_range) {
      return error(key, v->dump() + " is outside [" + std::to_string(min) + ", " +
                            std::to_string(max) + "]");
    }
    out = static_cast<int>(value);
    return Status::ok();
  }
  Status boolean(std::string_view key, bool& out) const {
    const json* v = find(key);
    if (v == nullptr) return Status::ok();
    if (!v->is_boolean()) return wrong_type(key, "true or false");
    out = v->get<bool>();
    return Status::ok();
  }
  // Any JSON number; `allow_null` maps null to `null_value`.
  Status number(std::string_view key, double& out, bool allow_null = false,
                double null_value = 0.0) const {
    const json* v = find(key);
    if (v == nullptr) return Status::ok();
    if (allow_null && v->is_null()) {
      out = null_value;
      return Status::ok();
    }
    if (!v->is_number()) return wrong_type(key, allow_null ? "a number or null" : "a number");
    out = v->get<double>();
    return Status::ok();
  }
  Status string(std::string_view key, std::string& out) const {
    const json* v = find(key);
    if (v == nullptr) return Status::ok();
    if (!v->is_string()) return wrong_type(key, "a string");
    out = v->get<std::string>();
    return Status::ok();
  }

 private:
  const json& root_;
  const std::string& source_;
};

Status read_activation(const FieldReader& r, MobileBertActivation& out) {
  std::string text;
  if (r.find("hidden_act") == nullptr) return Status::ok();
  BFEDGE_RETURN_IF_ERROR(r.string("hidden_act", text));
  if (text == "relu") {
    out = MobileBertActivation::relu;
  } else if (text == "gelu") {
    out = MobileBertActivation::gelu;
  } else {
    return r.error("hidden_act",
                   json_quoted(text) + " is not supported (supported: \"relu\", \"gelu\")");
  }
  return Status::ok();
}

Status read_normalization(const FieldReader& r, MobileBertNormalization& out) {
  std::string text;
  if (r.find("normalization_type") == nullptr) return Status::ok();
  BFEDGE_RETURN_IF_ERROR(r.string("normalization_type", text));
  if (text == "no_norm") {
    out = MobileBertNormalization::no_norm;
  } else if (text == "layer_norm") {
    out = MobileBertNormalization::layer_norm;
  } else {
    return r.error(
        "normalization_type",
        json_quoted(text) + " is not supported (supported: \"no_norm\", \"layer_norm\")");
  }
  return Status::ok();
}

// id2label: {"0": "NEGATIVE", "1": "POSITIVE"}; keys must be exactly 0 .. n-1.
Status read_labels(const FieldReader& r, MobileBertConfig& c, bool& have_labels) {
  have_labels = false;
  if (const json* v = r.find("label2id"); v != nullptr) {
    if (!v->is_object()) return r.wrong_type("label2id", "an object");
    for (const auto& [name, id] : v->items()) {
      if (!id.is_number_integer()) {
        return r.error("label2id", "value of " + json_quoted(name) + " is " + type_name(id) +
                                       ", expected an integer");
      }
    }
  }
  const json* v = r.find("id2label");
  if (v == nullptr) return Status::ok();
  if (!v->is_object()) return r.wrong_type("id2label", "an object");
  if (v->size() > static_cast<std::size_t>(kMaxMobileBertLabels)) {
    return r.error("id2label", "has " + std::to_string(v->size()) + " labels, more than " +
                                   std::to_string(kMaxMobileBertLabels));
  }
  c.id2label.assign(v->size(), std::string());
  std::vector<bool> seen(v->size(), false);
  for (const auto& [key, name] : v->items()) {
    std::size_t index = 0;
    bool numeric = !key.empty() && key.size() <= 9 && (key == "0" || key[0] != '0');
    for (char ch : key) numeric = numeric && ch >= '0' && ch <= '9';
    if (numeric) index = std::stoul(key);
    if (!numeric || index >= v->size() || seen[index]) {
      return r.error("id2label", "key " + json_quoted(key) + " is not one of \"0\" .. \"" +
                                     std::to_string(v->size() - 1) + "\"");
    }
    if (!name.is_string()) {
      return r.error("id2label", "value of " + json_quoted(key) + " is " + type_name(name) +
                                     ", expected a string");
    }
    seen[index] = true;
    c.id2label[index] = name.get<std::string>();
  }
  have_labels = true;
  return Status::ok();
}

Status read_fields(const json& root, const std::string& source, MobileBertConfig& c) {
  const FieldReader r(root, source);
  constexpr std::int64_t kDim = kMaxMobileBertDimension;

  // Keys first: anything neither parsed below nor harmless is refused.
  static const std::set<std::string_view> kArchitectureKeys = {"vocab_size",
                                                               "hidden_size",
                                                               "num_hidden_layers",
                                                               "num_attention_heads",
                                                               "intermediate_size",
                                                               "hidden_act",
                                                               "max_position_embeddings",
                                                               "type_vocab_size",
                                                               "layer_norm_eps",
                                                               "pad_token_id",
                                                               "embedding_size",
                                                               "trigram_input",
                                                               "use_bottleneck",
                                                               "intra_bottleneck_size",
                                                               "use_bottleneck_attention",
                                                               "key_query_shared_bottleneck",
                                                               "num_feedforward_networks",
                                                               "normalization_type",
                                                               "classifier_activation",
                                                               "true_hidden_size",
                                                               "num_labels",
                                                               "is_decoder",
                                                               "pruned_heads"};
  for (const auto& item : root.items()) {
    const std::string& key = item.key();
    if (kArchitectureKeys.count(key) != 0) continue;
    bool ignored = false;
    for (std::string_view k : kIgnoredKeys) ignored = ignored || k == key;
    if (!ignored) {
      return r.error(key,
                     "unknown field (not a MobileBERT setting bfedge knows; it may change the "
                     "architecture)");
    }
  }

  BFEDGE_RETURN_IF_ERROR(r.string("model_type", c.model_type));
  if (c.model_type != "mobilebert") {
    return r.error("model_type", json_quoted(c.model_type) + " is not \"mobilebert\"");
  }
  if (const json* v = r.find("architectures"); v != nullptr && !v->is_null()) {
    if (!v->is_array()) return r.wrong_type("architectures", "an array of strings");
    for (const json& a : *v) {
      if (!a.is_string()) {
        return r.error("architectures",
                       std::string("element is ") + type_name(a) + ", expected a string");
      }
      c.architectures.push_back(a.get<std::string>());
    }
  }

  BFEDGE_RETURN_IF_ERROR(r.integer("vocab_size", c.vocab_size, 1, kDim));
  BFEDGE_RETURN_IF_ERROR(r.integer("hidden_size", c.hidden_size, 1, kDim));
  BFEDGE_RETURN_IF_ERROR(
      r.integer("num_hidden_layers", c.num_hidden_layers, 1, kMaxMobileBertLayers));
  BFEDGE_RETURN_IF_ERROR(r.integer("num_attention_heads", c.num_attention_heads, 1, kDim));
  BFEDGE_RETURN_IF_ERROR(r.integer("intermediate_size", c.intermediate_size, 1, kDim));
  BFEDGE_RETURN_IF_ERROR(read_activation(r, c.hidden_act));
  BFEDGE_RETURN_IF_ERROR(r.integer("max_position_embeddings", c.max_position_embeddings, 1, kDim));
  BFEDGE_RETURN_IF_ERROR(r.integer("type_vocab_size", c.type_vocab_size, 1, kDim));
  BFEDGE_RETURN_IF_ERROR(r.number("layer_norm_eps", c.layer_norm_eps));
  if (const json* v = r.find("pad_token_id"); v != nullptr && v->is_null()) {
    c.pad_token_id = -1;
  } else {
    BFEDGE_RETURN_IF_ERROR(r.integer("pad_token_id", c.pad_token_id, 0, kDim));
  }
  BFEDGE_RETURN_IF_ERROR(r.integer("embedding_size", c.embedding_size, 1, kDim));
  BFEDGE_RETURN_IF_ERROR(r.boolean("trigram_input", c.trigram_input));
  BFEDGE_RETURN_IF_ERROR(r.boolean("use_bottleneck", c.use_bottleneck));
  BFEDGE_RETURN_IF_ERROR(r.integer("intra_bottleneck_size", c.intra_bottleneck_size, 1, kDim));
  BFEDGE_RETURN_IF_ERROR(r.boolean("use_bottleneck_attention", c.use_bottleneck_attention));
  BFEDGE_RETURN_IF_ERROR(r.boolean("key_query_shared_bottleneck", c.key_query_shared_bottleneck));
  BFEDGE_RETURN_IF_ERROR(
      r.integer("num_feedforward_networks", c.num_feedforward_networks, 1, kMaxMobileBertLayers));
  BFEDGE_RETURN_IF_ERROR(read_normalization(r, c.normalization_type));
  BFEDGE_RETURN_IF_ERROR(r.boolean("classifier_activation", c.classifier_activation));

  bool have_labels = false;
  BFEDGE_RETURN_IF_ERROR(read_labels(r, c, have_labels));
  if (have_labels) c.num_labels = static_cast<int>(c.id2label.size());
  if (r.find("num_labels") != nullptr) {
    int n = 0;
    BFEDGE_RETURN_IF_ERROR(r.integer("num_labels", n, 1, kMaxMobileBertLabels));
    if (have_labels && n != c.num_labels) {
      return r.error("num_labels", std::to_string(n) + " disagrees with id2label's " +
                                       std::to_string(c.num_labels) + " labels");
    }
    c.num_labels = n;
  }

  // Harmless fields: type-checked only.
  BFEDGE_RETURN_IF_ERROR(r.number("hidden_dropout_prob", c.hidden_dropout_prob));
  BFEDGE_RETURN_IF_ERROR(r.number("attention_probs_dropout_prob", c.attention_probs_dropout_prob));
  BFEDGE_RETURN_IF_ERROR(r.number("initializer_range", c.initializer_range));
  BFEDGE_RETURN_IF_ERROR(r.number("classifier_dropout", c.classifier_dropout, true, -1.0));

  // PretrainedConfig settings that would change MobileBERT's arithmetic or shapes.
  bool is_decoder = false;
  BFEDGE_RETURN_IF_ERROR(r.boolean("is_decoder", is_decoder));
  if (is_decoder) {
    return r.error("is_decoder", "true is not supported (HF would apply a causal attention mask)");
  }
  if (const json* v = r.find("pruned_heads"); v != nullptr) {
    if (!v->is_object()) return r.wrong_type("pruned_heads", "an object");
    if (!v->empty()) return r.error("pruned_heads", "pruned attention heads are not supported");
  }

  BFEDGE_RETURN_IF_ERROR(validate_mobilebert_config(c, source));

  if (r.find("true_hidden_size") != nullptr) {
    int stated = 0;
    BFEDGE_RETURN_IF_ERROR(r.integer("true_hidden_size", stated, 1, kDim));
    if (stated != c.true_hidden_size()) {
      return r.error("true_hidden_size",
                     std::to_string(stated) + " disagrees with the derived " +
                         std::to_string(c.true_hidden_size()) +
                         (c.use_bottleneck ? " (intra_bottleneck_size)" : " (hidden_size)"));
    }
  }
  return Status::ok();
}

// Reports where a JSON syntax error is, without exceptions.
struct SyntaxErrorSax : nlohmann::json_sax<json> {
  std::string message;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string& last_token,
                   const nlohmann::detail::exception&) override {
    message =
        "not valid JSON (syntax error at byte " + std::to_string(position) +
        (last_token.empty() ? std::string() : " near " + json_quoted(last_token.substr(0, 20))) +
        ")";
    return false;
  }
};

}  // namespace

std::span<const std::string_view> mobilebert_ignored_keys() { return kIgnoredKeys; }

const char* mobilebert_activation_name(MobileBertActivation a) {
  return a == MobileBertActivation::relu ? "relu" : "gelu";
}
const char* mobilebert_normalization_name(MobileBertNormalization n) {
  return n == MobileBertNormalization::no_norm ? "no_norm" : "layer_norm";
}
const char* mobilebert_component_name(MobileBertComponent c) {
  switch (c) {
    case MobileBertComponent::embeddings:
      return "embeddings";
    case MobileBertComponent::layer:
      return "layer";
    case MobileBertComponent::pooler:
      return "pooler";
    case MobileBertComponent::classifier:
      return "classifier";
  }
  return "?";
}

Status validate_mobilebert_config(const MobileBertConfig& c, const std::string& source) {
  const auto fail = [&](const char* field, const std::string& problem) {
    return format_error(source + ": " + field + ": " + problem);
  };
  const struct {
    const char* name;
    int value;
    int max;
  } sizes[] = {{"vocab_size", c.vocab_size, kMaxMobileBertDimension},
               {"hidden_size", c.hidden_size, kMaxMobileBertDimension},
               {"num_hidden_layers", c.num_hidden_layers, kMaxMobileBertLayers},
               {"num_attention_heads", c.num_attention_heads, kMaxMobileBertDimension},
               {"intermediate_size", c.intermediate_size, kMaxMobileBertDimension},
               {"max_position_embeddings", c.max_position_embeddings, kMaxMobileBertDimension},
               {"type_vocab_size", c.type_vocab_size, kMaxMobileBertDimension},
               {"embedding_size", c.embedding_size, kMaxMobileBertDimension},
               {"intra_bottleneck_size", c.intra_bottleneck_size, kMaxMobileBertDimension},
               {"num_feedforward_networks", c.num_feedforward_networks, kMaxMobileBertLayers},
               {"num_labels", c.num_labels, kMaxMobileBertLabels}};
  for (const auto& s : sizes) {
    if (s.value < 1 || s.value > s.max) {
      return fail(s.name,
                  std::to_string(s.value) + " is outside [1, " + std::to_string(s.max) + "]");
    }
  }
  if (c.true_hidden_size() % c.num_attention_heads != 0) {
    return fail("num_attention_heads", std::to_string(c.num_attention_heads) +
                                           " does not divide true_hidden_size " +
                                           std::to_string(c.true_hidden_size()));
  }
  if (c.pad_token_id < -1 || c.pad_token_id >= c.vocab_size) {
    return fail("pad_token_id", std::to_string(c.pad_token_id) + " is not below vocab_size " +
                                    std::to_string(c.vocab_size));
  }
  if (!std::isfinite(c.layer_norm_eps) || c.layer_norm_eps <= 0.0) {
    return fail("layer_norm_eps", "must be a positive finite number");
  }
  if (c.use_bottleneck && !c.use_bottleneck_attention && !c.key_query_shared_bottleneck) {
    return fail("key_query_shared_bottleneck",
                "false with use_bottleneck true and use_bottleneck_attention false is not "
                "supported (query and key of input true_hidden_size would read the unprojected "
                "hidden states; Hugging Face fails on it too)");
  }
  return Status::ok();
}

Result<MobileBertConfig> parse_mobilebert_config(std::string_view text, const std::string& source) {
  // A repeated top-level key would silently take its last value: refused.
  std::set<std::string> keys;
  std::string duplicate;
  const json::parser_callback_t check = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == 1 && parsed.is_string() &&
        !keys.insert(parsed.get<std::string>()).second && duplicate.empty()) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  const json root = json::parse(text.begin(), text.end(), check, /*allow_exceptions=*/false);
  if (root.is_discarded()) {
    SyntaxErrorSax sax;
    json::sax_parse(text.begin(), text.end(), &sax, nlohmann::detail::input_format_t::json, true);
    return format_error(source + ": " + (sax.message.empty() ? "not valid JSON" : sax.message));
  }
  if (!root.is_object()) {
    return format_error(source + ": expected a JSON object, got " + type_name(root));
  }
  if (!duplicate.empty()) return format_error(source + ": " + duplicate + ": appears twice");
  MobileBertConfig config;
  BFEDGE_RETURN_IF_ERROR(read_fields(root, source, config));
  return config;
}

Result<MobileBertConfig> load_mobilebert_config(const std::string& path) {
  auto bytes = io::read_file(path, std::uint64_t{1} << 20);
  if (!bytes.is_ok()) return bytes.status();
  const auto& b = bytes.value();
  return parse_mobilebert_config(
      std::string_view(reinterpret_cast<const char*>(b.data()), b.size()), path);
}

std::int64_t MobileBertTensorSpec::elements() const {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;
  return n;
}

std::vector<MobileBertTensorSpec> mobilebert_tensor_specs(const MobileBertConfig& c,
                                                          MobileBertHead head) {
  std::vector<MobileBertTensorSpec> out;
  const std::string base = head == MobileBertHead::sequence_classification ? "mobilebert." : "";
  MobileBertComponent component = MobileBertComponent::embeddings;
  int layer = -1;
  const auto add = [&](const std::string& name, std::vector<std::int64_t> shape) {
    out.push_back({base + name, std::move(shape), component, layer});
  };
  const auto linear = [&](const std::string& name, std::int64_t in, std::int64_t outf) {
    add(name + ".weight", {outf, in});
    add(name + ".bias", {outf});
  };
  const auto norm = [&](const std::string& name, std::int64_t size) {
    add(name + ".weight", {size});  // NoNorm and LayerNorm alike
    add(name + ".bias", {size});
  };
  const std::int64_t h = c.hidden_size, t = c.true_hidden_size(), e = c.embedding_size,
                     inter = c.intermediate_size, b = c.intra_bottleneck_size;

  add("embeddings.word_embeddings.weight", {c.vocab_size, e});
  add("embeddings.position_embeddings.weight", {c.max_position_embeddings, h});
  add("embeddings.token_type_embeddings.weight", {c.type_vocab_size, h});
  linear("embeddings.embedding_transformation", e * (c.trigram_input ? 3 : 1), h);
  norm("embeddings.LayerNorm", h);

  component = MobileBertComponent::layer;
  for (layer = 0; layer < c.num_hidden_layers; ++layer) {
    const std::string p = "encoder.layer." + std::to_string(layer) + ".";
    linear(p + "attention.self.query", t, t);
    linear(p + "attention.self.key", t, t);
    linear(p + "attention.self.value", c.use_bottleneck_attention ? t : h, t);
    linear(p + "attention.output.dense", t, t);
    norm(p + "attention.output.LayerNorm", t);
    linear(p + "intermediate.dense", t, inter);
    linear(p + "output.dense", inter, t);
    norm(p + "output.LayerNorm", t);
    if (c.use_bottleneck) {
      linear(p + "output.bottleneck.dense", t, h);
      norm(p + "output.bottleneck.LayerNorm", h);
      linear(p + "bottleneck.input.dense", h, b);
      norm(p + "bottleneck.input.LayerNorm", b);
      if (c.key_query_shared_bottleneck) {
        linear(p + "bottleneck.attention.dense", h, b);
        norm(p + "bottleneck.attention.LayerNorm", b);
      }
    }
    for (int k = 0; k + 1 < c.num_feedforward_networks; ++k) {
      const std::string f = p + "ffn." + std::to_string(k) + ".";
      linear(f + "intermediate.dense", t, inter);
      linear(f + "output.dense", inter, t);
      norm(f + "output.LayerNorm", t);
    }
  }
  layer = -1;

  if (head != MobileBertHead::encoder && c.classifier_activation) {
    component = MobileBertComponent::pooler;
    linear("pooler.dense", h, h);
  }
  if (head == MobileBertHead::sequence_classification) {
    component = MobileBertComponent::classifier;
    out.push_back({"classifier.weight", {c.num_labels, h}, component, -1});
    out.push_back({"classifier.bias", {c.num_labels}, component, -1});
  }
  return out;
}

MobileBertParameterCounts mobilebert_parameter_counts(const MobileBertConfig& c,
                                                      MobileBertHead head) {
  MobileBertParameterCounts counts;
  for (const MobileBertTensorSpec& s : mobilebert_tensor_specs(c, head)) {
    switch (s.component) {
      case MobileBertComponent::embeddings:
        counts.embeddings += s.elements();
        break;
      case MobileBertComponent::layer:
        counts.layers += s.elements();
        if (s.layer == 0) counts.per_layer += s.elements();
        break;
      case MobileBertComponent::pooler:
        counts.pooler += s.elements();
        break;
      case MobileBertComponent::classifier:
        counts.classifier += s.elements();
        break;
    }
  }
  return counts;
}

}  // namespace bfedge::models
