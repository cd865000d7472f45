#include "bfedge/core/status.hpp"

#include <gtest/gtest.h>

#include "bfedge/core/dtype.hpp"

namespace bfedge {
namespace {

Status fails_when(bool fail) { return fail ? format_error("f.bin: bad") : Status::ok(); }

Status propagates(bool fail) {
  BFEDGE_RETURN_IF_ERROR(fails_when(fail));
  return invalid_argument("reached the end");
}

TEST(Status, OkAndErrors) {
  EXPECT_TRUE(Status::ok().is_ok());
  const Status s = io_error("x.bin: cannot open");
  EXPECT_FALSE(s.is_ok());
  EXPECT_EQ(s.code(), ErrorCode::io);
  EXPECT_EQ(s.message(), "x.bin: cannot open");
}

TEST(Status, ReturnIfErrorPropagatesOnlyErrors) {
  EXPECT_EQ(propagates(true).code(), ErrorCode::format);
  EXPECT_EQ(propagates(false).code(), ErrorCode::invalid_argument);
}

TEST(Result, HoldsValueOrStatus) {
  Result<int> good = 42;
  ASSERT_TRUE(good.is_ok());
  EXPECT_EQ(good.value(), 42);
  Result<int> bad = format_error("nope");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().message(), "nope");
}

TEST(Dtype, ParsesKnownNamesOnly) {
  EXPECT_EQ(parse_dtype("bf16").value(), Dtype::bf16);
  EXPECT_EQ(parse_dtype("f32").value(), Dtype::f32);
  const Result<Dtype> bad = parse_dtype("fp8");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("fp8"), std::string::npos);
}

}  // namespace
}  // namespace bfedge
