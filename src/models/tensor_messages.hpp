// Pieces of the one-line errors the checkpoint checks print (MobileBERT, TinyViT).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bfedge::models {

// "[2, 3]"
inline std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

// " (and 4 more)" when `count` things are wrong, "" for one.
inline std::string and_more(std::size_t count) {
  return count > 1 ? " (and " + std::to_string(count - 1) + " more)" : "";
}

}  // namespace bfedge::models
