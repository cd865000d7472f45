// bf16 conversions: exhaustive round trip over all 65,536 bf16 values, every tie and near-tie
// of every bf16 value, and a large random f32 sample, all against an independent reference
// rounding that compares distances in double precision.
#include "bfedge/core/bf16.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace bfedge {
namespace {

bool is_nan_bits(std::uint16_t b) { return (b & 0x7fffu) > 0x7f80u; }

// Reference: pick the nearer of the two bf16 neighbours of |f| by exact distance in double,
// ties to the even mantissa; the neighbour above the largest finite value is +Inf.
std::uint16_t reference_round(float f) {
  const std::uint32_t u = std::bit_cast<std::uint32_t>(f);
  const std::uint16_t sign = static_cast<std::uint16_t>((u >> 16) & 0x8000u);
  if (std::isnan(f)) return static_cast<std::uint16_t>(sign | 0x7fc0u);
  if (std::isinf(f)) return static_cast<std::uint16_t>(sign | 0x7f80u);
  const std::uint16_t below = static_cast<std::uint16_t>((u >> 16) & 0x7fffu);
  const std::uint16_t above = static_cast<std::uint16_t>(below + 1);
  const double magnitude = std::fabs(static_cast<double>(f));
  const double low = to_f32(bf16_from_bits(below));
  const double high = above == 0x7f80u ? std::ldexp(1.0, 128) : to_f32(bf16_from_bits(above));
  const double d_low = magnitude - low, d_high = high - magnitude;
  std::uint16_t pick;
  if (d_low < d_high)
    pick = below;
  else if (d_high < d_low)
    pick = above;
  else
    pick = (below & 1u) == 0 ? below : above;
  return static_cast<std::uint16_t>(sign | pick);
}

void expect_matches_reference(float f) {
  const std::uint16_t got = to_bf16(f).bits;
  const std::uint16_t want = reference_round(f);
  if (std::isnan(f)) {
    ASSERT_TRUE(is_nan_bits(got)) << std::hex << std::bit_cast<std::uint32_t>(f);
    ASSERT_EQ(got & 0x8000u, want & 0x8000u) << "NaN sign";
    ASSERT_NE(got & 0x0040u, 0u) << "NaN must be quiet";
  } else {
    ASSERT_EQ(got, want) << "f32 bits 0x" << std::hex << std::bit_cast<std::uint32_t>(f);
  }
}

TEST(Bf16, EveryBf16RoundTripsThroughF32) {
  for (std::uint32_t b = 0; b <= 0xffffu; ++b) {
    const bf16 value = bf16_from_bits(static_cast<std::uint16_t>(b));
    const float widened = to_f32(value);
    ASSERT_EQ(std::bit_cast<std::uint32_t>(widened), b << 16);
    const bf16 back = to_bf16(widened);
    if (is_nan_bits(value.bits)) {
      ASSERT_TRUE(is_nan_bits(back.bits)) << std::hex << b;
      ASSERT_EQ(back.bits & 0x8000u, value.bits & 0x8000u);
    } else {
      ASSERT_EQ(back.bits, value.bits) << std::hex << b;
    }
  }
}

TEST(Bf16, TiesAndNearTiesOfEveryValueRoundLikeReference) {
  const std::uint32_t low_halves[] = {0x0000, 0x0001, 0x3fff, 0x7fff, 0x8000,
                                      0x8001, 0xbfff, 0xfffe, 0xffff};
  for (std::uint32_t b = 0; b <= 0xffffu; ++b) {
    for (std::uint32_t low : low_halves) {
      expect_matches_reference(std::bit_cast<float>((b << 16) | low));
    }
  }
}

TEST(Bf16, RandomF32SampleRoundsLikeReference) {
  std::mt19937 rng(20261128);
  std::uniform_int_distribution<std::uint32_t> bits;
  for (int i = 0; i < 4'000'000; ++i) expect_matches_reference(std::bit_cast<float>(bits(rng)));
  std::normal_distribution<float> normal(0.0f, 3.0f);
  for (int i = 0; i < 1'000'000; ++i) expect_matches_reference(normal(rng));
}

TEST(Bf16, SpecialValues) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(to_bf16(inf).bits, 0x7f80u);
  EXPECT_EQ(to_bf16(-inf).bits, 0xff80u);
  EXPECT_EQ(to_bf16(0.0f).bits, 0x0000u);
  EXPECT_EQ(to_bf16(-0.0f).bits, 0x8000u);
  EXPECT_EQ(to_bf16(1.0f).bits, 0x3f80u);
  // Signalling NaN whose payload lives only in the low half: truncation would give Inf.
  const bf16 snan = to_bf16(std::bit_cast<float>(0x7f800001u));
  EXPECT_TRUE(is_nan_bits(snan.bits));
  EXPECT_TRUE(std::isnan(to_f32(to_bf16(-std::numeric_limits<float>::quiet_NaN()))));
  // Overflow: FLT_MAX and the tie just above the largest finite bf16 round to Inf.
  EXPECT_EQ(to_bf16(std::numeric_limits<float>::max()).bits, 0x7f80u);
  EXPECT_EQ(to_bf16(std::bit_cast<float>(0x7f7f8000u)).bits, 0x7f80u);
  EXPECT_EQ(to_bf16(std::bit_cast<float>(0x7f7f7fffu)).bits, 0x7f7fu);
  // Subnormals: ties to even at the bottom of the range.
  EXPECT_EQ(to_bf16(std::bit_cast<float>(0x00008000u)).bits, 0x0000u);
  EXPECT_EQ(to_bf16(std::bit_cast<float>(0x00018000u)).bits, 0x0002u);
  EXPECT_EQ(to_bf16(std::bit_cast<float>(0x00008001u)).bits, 0x0001u);
  EXPECT_EQ(to_bf16(std::numeric_limits<float>::denorm_min()).bits, 0x0000u);
}

TEST(Bf16, BulkConversionMatchesScalar) {
  std::vector<float> src(1031);
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 100.0f);
  for (float& x : src) x = normal(rng);
  std::vector<bf16> half(src.size());
  std::vector<float> back(src.size());
  convert_f32_to_bf16(src.data(), half.data(), src.size());
  convert_bf16_to_f32(half.data(), back.data(), src.size());
  for (std::size_t i = 0; i < src.size(); ++i) {
    ASSERT_EQ(half[i].bits, to_bf16(src[i]).bits);
    ASSERT_EQ(back[i], to_f32(half[i]));
  }
}

TEST(Bf16, ConstexprUsable) {
  static_assert(to_bf16(1.0f).bits == 0x3f80u);
  static_assert(to_f32(bf16_from_bits(0x4000u)) == 2.0f);
}

}  // namespace
}  // namespace bfedge
