// Sizes as people write them, and back as binary text.
#include <gtest/gtest.h>

#include "bfedge/core/byte_size.hpp"

namespace bfedge {
namespace {

TEST(ByteSize, ReadsBytesAndDecimalAndBinaryUnits) {
  EXPECT_EQ(parse_byte_size("1572864"), 1572864);
  EXPECT_EQ(parse_byte_size("1.5MiB"), 1572864);
  EXPECT_EQ(parse_byte_size("128 KiB"), 131072);
  EXPECT_EQ(parse_byte_size("500kB"), 500000);
  EXPECT_EQ(parse_byte_size("2 MB"), 2000000);
  EXPECT_EQ(parse_byte_size("1GiB"), 1073741824);
  EXPECT_EQ(parse_byte_size("64B"), 64);
  EXPECT_EQ(parse_byte_size("0"), 0);
}

TEST(ByteSize, RefusesWhatIsNotASize) {
  for (const char* text : {"", "MiB", "-1", "1.5 mib", "1.5MiBs", "0x10", "nan", "inf", "1e30", " 5", "5KiB "}) {
    EXPECT_FALSE(parse_byte_size(text).has_value()) << "'" << text << "'";
  }
}

TEST(ByteSize, PrintsBinaryUnits) {
  EXPECT_EQ(binary_size_text(512), "512 B");
  EXPECT_EQ(binary_size_text(640 * 1024), "640 KiB");
  EXPECT_EQ(binary_size_text(65856), "64.3 KiB");
  EXPECT_EQ(binary_size_text(1572864), "1.50 MiB");
  EXPECT_EQ(binary_size_text(2002780), "1.91 MiB");
  EXPECT_EQ(binary_size_text(3LL << 30), "3.00 GiB");
}

}  // namespace
}  // namespace bfedge
