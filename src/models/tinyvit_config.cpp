// TinyViT configurations: timm's variants, the geometry of the stages and the checks on values.
#include "bfedge/models/tinyvit_config.hpp"

#include <array>

namespace bfedge::models {
namespace {

struct NamedVariant {
  std::string_view name;
  std::array<int, 4> embed_dims, num_heads, window_sizes;
  int image_size;
};

// timm's tiny_vit.py registrations (depths (2, 2, 6, 2) for all).
constexpr NamedVariant kVariants[] = {
    {"tiny_vit_5m_224", {64, 128, 160, 320}, {2, 4, 5, 10}, {7, 7, 14, 7}, 224},
    {"tiny_vit_11m_224", {64, 128, 256, 448}, {2, 4, 8, 14}, {7, 7, 14, 7}, 224},
    {"tiny_vit_21m_224", {96, 192, 384, 576}, {3, 6, 12, 18}, {7, 7, 14, 7}, 224},
    {"tiny_vit_21m_384", {96, 192, 384, 576}, {3, 6, 12, 18}, {12, 12, 24, 12}, 384},
    {"tiny_vit_21m_512", {96, 192, 384, 576}, {3, 6, 12, 18}, {16, 16, 32, 16}, 512},
};

constexpr std::string_view kVariantNames[] = {"tiny_vit_5m_224", "tiny_vit_11m_224", "tiny_vit_21m_224",
                                              "tiny_vit_21m_384", "tiny_vit_21m_512"};

Status field_error(const std::string& source, std::string_view field, const std::string& problem) {
  return format_error(source + ": " + std::string(field) + ": " + problem);
}

Status check_list(const std::string& source, std::string_view field, const std::vector<int>& values,
                  std::size_t stages, int low, int high) {
  if (values.size() != stages) {
    return field_error(source, field,
                       "has " + std::to_string(values.size()) + " entries, depths has " + std::to_string(stages));
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i] < low || values[i] > high) {
      return field_error(source, field,
                         "entry " + std::to_string(i) + " is " + std::to_string(values[i]) + ", expected " +
                             std::to_string(low) + ".." + std::to_string(high));
    }
  }
  return Status::ok();
}

}  // namespace

std::span<const std::string_view> tinyvit_variant_names() { return kVariantNames; }

Result<TinyVitConfig> tinyvit_variant(std::string_view architecture) {
  for (const NamedVariant& v : kVariants) {
    if (v.name != architecture) continue;
    TinyVitConfig c;
    c.architecture = std::string(v.name);
    c.embed_dims.assign(v.embed_dims.begin(), v.embed_dims.end());
    c.num_heads.assign(v.num_heads.begin(), v.num_heads.end());
    c.window_sizes.assign(v.window_sizes.begin(), v.window_sizes.end());
    c.depths = {2, 2, 6, 2};
    c.image_height = c.image_width = v.image_size;
    return c;
  }
  std::string known;
  for (std::string_view n : kVariantNames) known += (known.empty() ? "" : ", ") + std::string(n);
  return invalid_argument("unknown TinyViT architecture \"" + std::string(architecture) + "\" (timm's: " + known +
                          ")");
}

TinyVitResolution tinyvit_stem_resolution(const TinyVitConfig& c) {
  TinyVitResolution r{c.image_height, c.image_width};
  for (int stride : c.stem_strides) r = {tinyvit_conv_out(r.height, stride), tinyvit_conv_out(r.width, stride)};
  return r;
}

TinyVitResolution tinyvit_stage_resolution(const TinyVitConfig& c, int stage) {
  TinyVitResolution r = tinyvit_stem_resolution(c);
  for (int i = 1; i <= stage; ++i) r = {tinyvit_conv_out(r.height, 2), tinyvit_conv_out(r.width, 2)};
  return r;
}

Status validate_tinyvit_config(const TinyVitConfig& c, const std::string& source) {
  const std::size_t stages = c.depths.size();
  if (stages < 1 || stages > kMaxTinyVitStages) {
    return field_error(source, "depths", "has " + std::to_string(stages) + " stages, expected 1.." +
                                             std::to_string(kMaxTinyVitStages));
  }
  BFEDGE_RETURN_IF_ERROR(check_list(source, "depths", c.depths, stages, 0, kMaxTinyVitDepth));
  BFEDGE_RETURN_IF_ERROR(check_list(source, "embed_dims", c.embed_dims, stages, 1, kMaxTinyVitDimension));
  BFEDGE_RETURN_IF_ERROR(check_list(source, "num_heads", c.num_heads, stages, 1, kMaxTinyVitDimension));
  BFEDGE_RETURN_IF_ERROR(check_list(source, "window_sizes", c.window_sizes, stages, 1, kMaxTinyVitDimension));
  if (c.embed_dims[0] % 2 != 0) {
    return field_error(source, "embed_dims", "entry 0 is " + std::to_string(c.embed_dims[0]) +
                                                 ", the stem's first conv needs an even width");
  }
  for (std::size_t i = 1; i < stages; ++i) {
    if (c.embed_dims[i] % c.num_heads[i] != 0) {
      return field_error(source, "num_heads", "embed_dims[" + std::to_string(i) + "] = " +
                                                  std::to_string(c.embed_dims[i]) + " is not divisible by " +
                                                  std::to_string(c.num_heads[i]) + " heads");
    }
  }
  const auto ratio_ok = [](double r) { return r > 0.0 && r <= 64.0; };
  if (!ratio_ok(c.mlp_ratio) || static_cast<int>(c.embed_dims.back() * c.mlp_ratio) < 1) {
    return field_error(source, "mlp_ratio", std::to_string(c.mlp_ratio) + " is not in (0, 64]");
  }
  if (!ratio_ok(c.mbconv_expand_ratio) || c.mbconv_channels() < 1) {
    return field_error(source, "mbconv_expand_ratio", std::to_string(c.mbconv_expand_ratio) + " is not in (0, 64]");
  }
  if (c.local_conv_size < 1 || c.local_conv_size > 15 || c.local_conv_size % 2 == 0) {
    return field_error(source, "local_conv_size", std::to_string(c.local_conv_size) + " is not an odd size 1..15");
  }
  if (c.in_chans < 1 || c.in_chans > 4) {
    return field_error(source, "in_chans", std::to_string(c.in_chans) + " is not 1..4");
  }
  if (c.num_classes < 1 || c.num_classes > kMaxTinyVitDimension * 16) {
    return field_error(source, "num_classes", std::to_string(c.num_classes) + " is out of range");
  }
  for (int stride : c.stem_strides) {
    if (stride != 1 && stride != 2) return field_error(source, "stem_strides", "each stride must be 1 or 2");
  }
  if (c.image_height < 1 || c.image_width < 1 || c.image_height > kMaxTinyVitDimension ||
      c.image_width > kMaxTinyVitDimension) {
    return field_error(source, "input_size", std::to_string(c.image_height) + "x" + std::to_string(c.image_width) +
                                                 " is out of range");
  }
  if (c.mean.size() != static_cast<std::size_t>(c.in_chans) || c.std.size() != static_cast<std::size_t>(c.in_chans)) {
    return field_error(source, "mean", "mean and std need in_chans = " + std::to_string(c.in_chans) + " entries");
  }
  for (double s : c.std) {
    if (!(s > 0.0)) return field_error(source, "std", "every entry must be > 0");
  }
  if (!c.label_names.empty() && c.label_names.size() != static_cast<std::size_t>(c.num_classes)) {
    return field_error(source, "label_names", "has " + std::to_string(c.label_names.size()) + " names for " +
                                                  std::to_string(c.num_classes) + " classes");
  }
  return Status::ok();
}

}  // namespace bfedge::models
