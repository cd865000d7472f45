#include "bfedge/io/token_ids.hpp"

#include <cctype>
#include <charconv>

#include "bfedge/io/file.hpp"

namespace bfedge::io {

Result<std::vector<int>> read_token_ids(const std::string& path) {
  Result<std::vector<std::byte>> bytes = read_file(path, kMaxTokenIdsFileBytes);
  if (!bytes.is_ok()) return bytes.status();
  const std::string_view text(reinterpret_cast<const char*>(bytes.value().data()),
                              bytes.value().size());
  return parse_token_ids(text, path);
}

Result<std::vector<int>> parse_token_ids(std::string_view text, const std::string& name) {
  const char* p = text.data();
  const char* end = p + text.size();
  std::vector<int> ids;
  while (p < end) {
    if (std::isspace(static_cast<unsigned char>(*p))) {
      ++p;
      continue;
    }
    int value = 0;
    const auto [next, ec] = std::from_chars(p, end, value);
    if (ec != std::errc() || (next < end && !std::isspace(static_cast<unsigned char>(*next)))) {
      return format_error(name + ": token " + std::to_string(ids.size()) +
                          " is not a decimal integer");
    }
    ids.push_back(value);
    p = next;
  }
  if (ids.empty()) return format_error(name + ": no token ids");
  return ids;
}

}  // namespace bfedge::io
