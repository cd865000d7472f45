#include "bfedge/io/token_ids.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "allocation_limit.hpp"
#include "support/test_support.hpp"

namespace bfedge::io {
namespace {

TEST(TokenIds, ParsesWhitespaceSeparatedIntegers) {
  test::TempDir dir;
  const std::string path = dir.file("ids");
  test::Bytes().raw(" 1 403\n\t77  9\n").write(path);
  const auto ids = read_token_ids(path);
  ASSERT_TRUE(ids.is_ok());
  EXPECT_EQ(ids.value(), (std::vector<int>{1, 403, 77, 9}));
}

TEST(TokenIds, RejectsGarbageEmptyAndMissing) {
  test::TempDir dir;
  const std::string path = dir.file("ids");
  test::Bytes().raw("1 2 x3").write(path);
  auto bad = read_token_ids(path);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("token 2 is not a decimal integer"), std::string::npos);
  test::Bytes().raw("1 2.5").write(path);
  EXPECT_FALSE(read_token_ids(path).is_ok());
  test::Bytes().raw(" \n").write(path);
  EXPECT_FALSE(read_token_ids(path).is_ok());
  EXPECT_FALSE(read_token_ids(dir.file("missing")).is_ok());
}

TEST(TokenIds, ParsesFromMemoryAndNamesTheInput) {
  const auto ids = parse_token_ids("5 6\n", "<memory>");
  ASSERT_TRUE(ids.is_ok());
  EXPECT_EQ(ids.value(), (std::vector<int>{5, 6}));
  const auto bad = parse_token_ids("5 99999999999", "<memory>");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().message(), "<memory>: token 1 is not a decimal integer");
}

TEST(TokenIds, FileLargerThanTheCapIsRefusedBeforeReading) {
  test::TempDir dir;
  const std::string path = dir.file("ids");
  test::Bytes().raw("1 2 3").write(path);
  std::filesystem::resize_file(path, kMaxTokenIdsFileBytes + 1);
  test::ScopedAllocationLimit limit(std::size_t{1} << 20);
  const auto result = read_token_ids(path);
  ASSERT_FALSE(result.is_ok());
  EXPECT_NE(result.status().message().find(path + ": " + std::to_string(kMaxTokenIdsFileBytes + 1) +
                                           " bytes, more than the"),
            std::string::npos)
      << result.status().message();
}

}  // namespace
}  // namespace bfedge::io
