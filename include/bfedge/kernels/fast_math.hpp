// Fast exp for optimized kernels, freestanding and vectorizable (no branches, no tables).
//
// fast_exp: x = n·ln2 + r with |r| <= ln2/2 (Cody-Waite split of ln2), exp(r) by a degree-6
// Taylor/Horner polynomial, 2^n assembled in the exponent bits. Inputs below -87.33 return 0
// (also -inf), inputs above 88.3762 are clamped (result ≈ 2.4e38). Maximum relative error over
// [-87.33, 88.3762]: 2.6e-7 (about 2 f32 ULPs), checked by FastMath.ExpRelativeError.
//
// schraudolph_exp: the 1999 bit trick the reference work uses (exp as a scaled integer written
// into the exponent field). Maximum relative error 5.5 %; kept for comparison only.
#pragma once

#include <bit>
#include <cstdint>

namespace bfedge::kernels {

// fast_exp's constants, shared with its vector forms (exp16_avx512, exp8_avx2 in src/kernels/x86).
namespace fast_exp_constants {
inline constexpr float kMin = -87.33f, kMax = 88.3762f;  // n stays in [-126, 127]
inline constexpr float kLog2e = 1.44269504088896341f;
inline constexpr float kLn2Hi = 0.693145751953125f, kLn2Lo = 1.42860682030941723e-6f;
inline constexpr float kRound = 12582912.0f;  // 1.5 · 2^23: adding it rounds to an integer
// exp(r) by Horner from the highest degree: 1/6!, 1/5!, ..., 1/1!, 1/0!.
inline constexpr int kPolyTerms = 7;
inline constexpr float kPoly[kPolyTerms] = {1.0f / 720.0f, 1.0f / 120.0f, 1.0f / 24.0f, 1.0f / 6.0f,
                                            0.5f,          1.0f,          1.0f};
}  // namespace fast_exp_constants

inline float fast_exp(float x) {
  using namespace fast_exp_constants;
  const bool underflow = x < kMin;  // also -inf
  x = x > kMax ? kMax : x;
  x = x < kMin ? kMin : x;
  const float n = (x * kLog2e + kRound) - kRound;
  const float r = (x - n * kLn2Hi) - n * kLn2Lo;
  float p = kPoly[0];
  p = p * r + kPoly[1];
  p = p * r + kPoly[2];
  p = p * r + kPoly[3];
  p = p * r + kPoly[4];
  p = p * r + kPoly[5];
  p = p * r + kPoly[6];
  const float scale = std::bit_cast<float>(static_cast<std::uint32_t>(static_cast<std::int32_t>(n) + 127) << 23);
  return underflow ? 0.0f : p * scale;
}

inline float schraudolph_exp(float x) {
  // 2^23 / ln 2 · x + (127 · 2^23 - 366393): Schraudolph's constants for float.
  const float y = 12102203.0f * x + 1064866805.0f;
  if (y <= 0.0f) return 0.0f;
  if (y >= 2139095039.0f) return std::bit_cast<float>(0x7f7fffffu);
  return std::bit_cast<float>(static_cast<std::uint32_t>(y));
}

// s[t] = exp(s[t] - max s) for t < n (fast_exp); returns their sum — the unnormalized softmax
// the attention kernels divide by at the end.
inline float exp_shifted_by_max(float* s, int n) {
  float max_score = s[0];
  for (int t = 1; t < n; ++t) max_score = s[t] > max_score ? s[t] : max_score;
  float sum = 0.0f;
  for (int t = 0; t < n; ++t) {
    s[t] = fast_exp(s[t] - max_score);
    sum += s[t];
  }
  return sum;
}

}  // namespace bfedge::kernels
