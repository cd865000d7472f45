#include "bfedge/core/byte_size.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace bfedge {

std::optional<std::int64_t> parse_byte_size(std::string_view text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || !std::isfinite(value) || value < 0) return std::nullopt;
  std::string_view unit = text.substr(static_cast<std::size_t>(end - text.data()));
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  const struct {
    std::string_view name;
    double scale;
  } units[] = {{"", 1}, {"B", 1}, {"kB", 1e3}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9},
               {"KiB", 1024.0}, {"MiB", 1024.0 * 1024}, {"GiB", 1024.0 * 1024 * 1024}};
  for (const auto& u : units) {
    if (unit == u.name && value * u.scale <= 4.6e18) return static_cast<std::int64_t>(std::llround(value * u.scale));
  }
  return std::nullopt;
}

std::string binary_size_text(std::int64_t bytes) {
  char text[48];
  const double b = static_cast<double>(bytes);
  if (bytes < 1024) {
    std::snprintf(text, sizeof text, "%lld B", static_cast<long long>(bytes));
  } else if (bytes < 1024 * 1024) {
    std::snprintf(text, sizeof text, "%.1f KiB", b / 1024);
    std::string kib = text;
    const std::size_t point = kib.find(".0 ");
    return point == std::string::npos ? kib : kib.erase(point, 2);  // "128 KiB", not "128.0 KiB"
  } else if (bytes < 1024LL * 1024 * 1024) {
    std::snprintf(text, sizeof text, "%.2f MiB", b / (1024.0 * 1024));
  } else {
    std::snprintf(text, sizeof text, "%.2f GiB", b / (1024.0 * 1024 * 1024));
  }
  return text;
}

}  // namespace bfedge
