// TinyViT config.json in timm's Hugging Face Hub layout: reader and writer.
#include <cmath>
#include <nlohmann/json.hpp>

#include "bfedge/io/file.hpp"
#include "bfedge/models/tinyvit_config.hpp"

namespace bfedge::models {
namespace {

using nlohmann::json;

// Root keys timm writes for information only (they do not build the model).
constexpr std::string_view kInformational[] = {"num_features", "label_descriptions"};
// model_args that only matter for training.
constexpr std::string_view kTrainingArgs[] = {"drop_rate", "drop_path_rate", "use_checkpoint", "pretrained"};

bool listed(std::string_view key, std::span<const std::string_view> list) {
  for (std::string_view k : list) {
    if (k == key) return true;
  }
  return false;
}

class Reader {
 public:
  explicit Reader(const std::string& source) : source_(source) {}

  Status error(std::string_view key, const std::string& problem) const {
    return format_error(source_ + ": " + std::string(key) + ": " + problem);
  }

  Status integer(const json& v, std::string_view key, int& out) const {
    if (!v.is_number_integer()) return error(key, "expected an integer");
    const auto value = v.get<std::int64_t>();
    if (value < -(1LL << 30) || value > (1LL << 30)) return error(key, "out of range");
    out = static_cast<int>(value);
    return Status::ok();
  }
  Status number(const json& v, std::string_view key, double& out) const {
    if (!v.is_number() || !std::isfinite(v.get<double>())) return error(key, "expected a finite number");
    out = v.get<double>();
    return Status::ok();
  }
  Status integers(const json& v, std::string_view key, std::vector<int>& out) const {
    if (!v.is_array()) return error(key, "expected an array of integers");
    out.clear();
    for (const json& e : v) {
      int x = 0;
      BFEDGE_RETURN_IF_ERROR(integer(e, key, x));
      out.push_back(x);
    }
    return Status::ok();
  }
  Status numbers(const json& v, std::string_view key, std::vector<double>& out) const {
    if (!v.is_array()) return error(key, "expected an array of numbers");
    out.clear();
    for (const json& e : v) {
      double x = 0;
      BFEDGE_RETURN_IF_ERROR(number(e, key, x));
      out.push_back(x);
    }
    return Status::ok();
  }

  Status model_args(const json& args, TinyVitConfig& c) const {
    if (!args.is_object()) return error("model_args", "expected an object");
    for (const auto& [key, v] : args.items()) {
      const std::string name = "model_args." + key;
      if (key == "embed_dims") {
        BFEDGE_RETURN_IF_ERROR(integers(v, name, c.embed_dims));
      } else if (key == "depths") {
        BFEDGE_RETURN_IF_ERROR(integers(v, name, c.depths));
      } else if (key == "num_heads") {
        BFEDGE_RETURN_IF_ERROR(integers(v, name, c.num_heads));
      } else if (key == "window_sizes") {
        BFEDGE_RETURN_IF_ERROR(integers(v, name, c.window_sizes));
      } else if (key == "mlp_ratio") {
        BFEDGE_RETURN_IF_ERROR(number(v, name, c.mlp_ratio));
      } else if (key == "mbconv_expand_ratio") {
        BFEDGE_RETURN_IF_ERROR(number(v, name, c.mbconv_expand_ratio));
      } else if (key == "local_conv_size") {
        BFEDGE_RETURN_IF_ERROR(integer(v, name, c.local_conv_size));
      } else if (key == "in_chans") {
        BFEDGE_RETURN_IF_ERROR(integer(v, name, c.in_chans));
      } else if (key == "num_classes") {
        BFEDGE_RETURN_IF_ERROR(integer(v, name, c.num_classes));
      } else if (key == "stem_strides") {
        std::vector<int> strides;
        BFEDGE_RETURN_IF_ERROR(integers(v, name, strides));
        if (strides.size() != 2) return error(name, "expected 2 strides");
        c.stem_strides[0] = strides[0], c.stem_strides[1] = strides[1];
      } else if (key == "global_pool") {
        if (v != "avg") return error(name, "only \"avg\" pooling is supported");
      } else if (key == "act_layer") {
        if (v != "gelu") return error(name, "only \"gelu\" is supported");
      } else if (!listed(key, kTrainingArgs)) {
        return error(name, "unknown TinyViT argument");
      }
    }
    return Status::ok();
  }

  Status pretrained_cfg(const json& cfg, TinyVitConfig& c, int& input_channels) const {
    if (!cfg.is_object()) return error("pretrained_cfg", "expected an object");
    if (cfg.contains("input_size")) {
      std::vector<int> size;
      BFEDGE_RETURN_IF_ERROR(integers(cfg["input_size"], "pretrained_cfg.input_size", size));
      if (size.size() != 3) return error("pretrained_cfg.input_size", "expected [channels, height, width]");
      input_channels = size[0], c.image_height = size[1], c.image_width = size[2];
    }
    if (cfg.contains("mean")) BFEDGE_RETURN_IF_ERROR(numbers(cfg["mean"], "pretrained_cfg.mean", c.mean));
    if (cfg.contains("std")) BFEDGE_RETURN_IF_ERROR(numbers(cfg["std"], "pretrained_cfg.std", c.std));
    return Status::ok();  // timm's other fields (url, crop_pct, interpolation, ...) do not build the model
  }

  Status labels(const json& v, TinyVitConfig& c) const {
    c.label_names.clear();
    if (v.is_array()) {
      for (const json& name : v) {
        if (!name.is_string()) return error("label_names", "expected strings");
        c.label_names.push_back(name.get<std::string>());
      }
      return Status::ok();
    }
    if (!v.is_object()) return error("label_names", "expected an array or an object of id: name");
    c.label_names.resize(v.size());
    for (const auto& [id, name] : v.items()) {
      std::size_t at = 0;
      int index = -1;
      try {
        index = std::stoi(id, &at);
      } catch (...) {
        at = 0;
      }
      if (at != id.size() || index < 0 || static_cast<std::size_t>(index) >= v.size() || !name.is_string()) {
        return error("label_names", "ids must be 0.." + std::to_string(v.size() - 1) + " with string names");
      }
      c.label_names[static_cast<std::size_t>(index)] = name.get<std::string>();
    }
    return Status::ok();
  }

 private:
  const std::string& source_;
};

}  // namespace

Result<TinyVitConfig> parse_tinyvit_config(std::string_view json_text, const std::string& source) {
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::parse_error& e) {
    return format_error(source + ": not valid JSON (" + e.what() + ")");
  }
  const Reader r(source);
  if (!root.is_object()) return format_error(source + ": expected a JSON object");
  if (!root.contains("architecture") || !root["architecture"].is_string()) {
    return r.error("architecture", "missing (timm's variant name, e.g. \"tiny_vit_5m_224\")");
  }
  Result<TinyVitConfig> variant = tinyvit_variant(root["architecture"].get<std::string>());
  if (!variant.is_ok()) return r.error("architecture", variant.status().message());
  TinyVitConfig c = std::move(variant).value();
  int input_channels = -1;
  for (const auto& [key, v] : root.items()) {
    if (key == "architecture") continue;
    if (key == "num_classes") {
      BFEDGE_RETURN_IF_ERROR(r.integer(v, key, c.num_classes));
    } else if (key == "global_pool") {
      if (v != "avg") return r.error(key, "only \"avg\" pooling is supported");
    } else if (key == "label_names") {
      BFEDGE_RETURN_IF_ERROR(r.labels(v, c));
    } else if (key == "pretrained_cfg") {
      BFEDGE_RETURN_IF_ERROR(r.pretrained_cfg(v, c, input_channels));
    } else if (key == "model_args") {
      BFEDGE_RETURN_IF_ERROR(r.model_args(v, c));
    } else if (!listed(key, kInformational)) {
      return r.error(key, "unknown key (refused: it may change the architecture)");
    }
  }
  if (input_channels != -1 && input_channels != c.in_chans) {
    return r.error("pretrained_cfg.input_size", "has " + std::to_string(input_channels) + " channels, in_chans is " +
                                                    std::to_string(c.in_chans));
  }
  BFEDGE_RETURN_IF_ERROR(validate_tinyvit_config(c, source));
  return c;
}

Result<TinyVitConfig> load_tinyvit_config(const std::string& path) {
  auto bytes = io::read_file(path, std::uint64_t{1} << 20);
  if (!bytes.is_ok()) return bytes.status();
  const auto& b = bytes.value();
  return parse_tinyvit_config(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()), path);
}

std::string tinyvit_config_json(const TinyVitConfig& c) {
  json root;
  root["architecture"] = c.architecture;
  root["num_classes"] = c.num_classes;
  root["num_features"] = c.embed_dims.back();
  root["global_pool"] = "avg";
  if (!c.label_names.empty()) root["label_names"] = c.label_names;
  root["pretrained_cfg"] = {{"input_size", {c.in_chans, c.image_height, c.image_width}},
                            {"mean", c.mean},
                            {"std", c.std}};
  root["model_args"] = {{"embed_dims", c.embed_dims},
                        {"depths", c.depths},
                        {"num_heads", c.num_heads},
                        {"window_sizes", c.window_sizes},
                        {"mlp_ratio", c.mlp_ratio},
                        {"mbconv_expand_ratio", c.mbconv_expand_ratio},
                        {"local_conv_size", c.local_conv_size},
                        {"in_chans", c.in_chans},
                        {"stem_strides", {c.stem_strides[0], c.stem_strides[1]}}};
  return root.dump(2) + "\n";
}

}  // namespace bfedge::models
