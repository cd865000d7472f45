// A MobileBERT checkpoint's tensors against the layout its config.json implies.
#include <map>
#include <string_view>

#include "bfedge/models/mobilebert_config.hpp"
#include "tensor_messages.hpp"

namespace bfedge::models {
namespace {

bool is_position_ids_buffer(std::string_view name) {
  constexpr std::string_view kBuffer = "embeddings.position_ids";
  return name == kBuffer || name == "mobilebert.embeddings.position_ids";
}

}  // namespace

MobileBertHead mobilebert_head_of(const io::TensorTable& table) {
  if (table.find("classifier.weight") != nullptr) return MobileBertHead::sequence_classification;
  if (table.find("pooler.dense.weight") != nullptr) return MobileBertHead::pooler;
  return MobileBertHead::encoder;
}

Status check_mobilebert_tensors(const MobileBertConfig& config, MobileBertHead head,
                                const io::TensorTable& table, const std::string& source) {
  const std::vector<MobileBertTensorSpec> specs = mobilebert_tensor_specs(config, head);
  std::map<std::string_view, const MobileBertTensorSpec*> expected;
  for (const MobileBertTensorSpec& s : specs) expected.emplace(s.name, &s);

  std::vector<const io::TensorEntry*> unknown;
  for (const io::TensorEntry& e : table.entries()) {
    if (expected.count(e.name) == 0 && !is_position_ids_buffer(e.name)) unknown.push_back(&e);
  }
  if (!unknown.empty()) {
    return format_error(source + ": unknown tensor \"" + unknown.front()->name + "\"" +
                        and_more(unknown.size()) + " for this config.json's MobileBERT");
  }
  std::vector<const MobileBertTensorSpec*> missing;
  for (const MobileBertTensorSpec& s : specs) {
    const io::TensorEntry* e = table.find(s.name);
    if (e == nullptr) {
      missing.push_back(&s);
    } else if (e->shape != s.shape) {
      return format_error(source + ": tensor \"" + s.name + "\" has shape " + shape_text(e->shape) +
                          ", config.json implies " + shape_text(s.shape));
    }
  }
  if (!missing.empty()) {
    return format_error(source + ": missing tensor \"" + missing.front()->name + "\"" +
                        and_more(missing.size()));
  }
  return Status::ok();
}

}  // namespace bfedge::models
