#include "bfedge/io/token_ids.hpp"

#include <cctype>
#include <charconv>

#include "bfedge/io/file.hpp"

namespace bfedge::io {

Result<std::vector<int>> read_token_ids(const std::string& path) {
  Result<std::vector<std::byte>> bytes = read_file(path, std::uint64_t{64} << 20);
  if (!bytes.is_ok()) return bytes.status();
  const char* p = reinterpret_cast<const char*>(bytes.value().data());
  const char* end = p + bytes.value().size();
  std::vector<int> ids;
  while (p < end) {
    if (std::isspace(static_cast<unsigned char>(*p))) {
      ++p;
      continue;
    }
    int value = 0;
    const auto [next, ec] = std::from_chars(p, end, value);
    if (ec != std::errc() || (next < end && !std::isspace(static_cast<unsigned char>(*next)))) {
      return format_error(path + ": token " + std::to_string(ids.size()) +
                          " is not a decimal integer");
    }
    ids.push_back(value);
    p = next;
  }
  if (ids.empty()) return format_error(path + ": no token ids");
  return ids;
}

}  // namespace bfedge::io
