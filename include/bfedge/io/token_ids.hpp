// Token id files: decimal integers separated by whitespace (the layout of ../shared/golden/*.ids).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bfedge/core/status.hpp"

namespace bfedge::io {

inline constexpr std::uint64_t kMaxTokenIdsFileBytes = std::uint64_t{64} << 20;

// Reads a token-id file (at most kMaxTokenIdsFileBytes) and parses it.
Result<std::vector<int>> read_token_ids(const std::string& path);
// Parses token ids held in memory; `name` (a path) prefixes every error. Each id takes at least
// two bytes of text, so the result never holds more than text.size() / 2 + 1 ids.
Result<std::vector<int>> parse_token_ids(std::string_view text, const std::string& name);

}  // namespace bfedge::io
