// Token id files: decimal integers separated by whitespace (the layout of ../shared/golden/*.ids).
#pragma once

#include <string>
#include <vector>

#include "bfedge/core/status.hpp"

namespace bfedge::io {

Result<std::vector<int>> read_token_ids(const std::string& path);

}  // namespace bfedge::io
