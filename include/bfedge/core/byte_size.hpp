// Sizes in bytes as people write them: "1572864", "1.5MiB", "128 KiB", "2 MB", "500kB" (decimal
// kB/MB/GB, binary KiB/MiB/GiB), and back as binary text for reports ("1.50 MiB", "640 KiB").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bfedge {

// nullopt when `text` is not a non-negative number with an optional unit, or the size is over 2^62.
std::optional<std::int64_t> parse_byte_size(std::string_view text);

// "512 B", "640 KiB", "64.3 KiB", "1.50 MiB", "2.00 GiB": KiB below 1 MiB with one decimal, left out when 0.
std::string binary_size_text(std::int64_t bytes);

}  // namespace bfedge
