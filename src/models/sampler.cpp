#include "bfedge/models/sampler.hpp"

#include <algorithm>
#include <cmath>

#include "bfedge/kernels/ref.hpp"

namespace bfedge::models {

std::uint32_t random_u32(std::uint64_t& state) {
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return static_cast<std::uint32_t>((state * 0x2545F4914F6CDD1Dull) >> 32);
}

float random_f32(std::uint64_t& state) {
  return static_cast<float>(random_u32(state) >> 8) / 16777216.0f;
}

int argmax(std::span<const float> values) {
  int best = 0;
  float best_value = values[0];
  for (std::size_t i = 1; i < values.size(); ++i) {
    if (values[i] > best_value) {
      best_value = values[i];
      best = static_cast<int>(i);
    }
  }
  return best;
}

bool all_finite(std::span<const float> values) {
  return std::all_of(values.begin(), values.end(), [](float v) { return std::isfinite(v); });
}

Sampler::Sampler(int vocab_size, float temperature, float topp, std::uint64_t seed)
    : temperature_(temperature),
      topp_(topp),
      rng_state_(seed),
      candidates_(static_cast<std::size_t>(vocab_size)) {}

int Sampler::sample(std::span<float> logits) {
  if (temperature_ == 0.0f) return argmax(logits);
  float max_abs = 0.0f;
  for (float logit : logits) max_abs = std::max(max_abs, std::fabs(logit));
  if (!std::isfinite(max_abs / temperature_) || !all_finite(logits)) {
    random_f32(rng_state_);  // the coin this step would have drawn
    return argmax(logits);
  }
  for (float& logit : logits) logit /= temperature_;
  kernels::ref::softmax(logits.data(), static_cast<int>(logits.size()));
  const float coin = random_f32(rng_state_);
  if (topp_ <= 0.0f || topp_ >= 1.0f) {
    float cdf = 0.0f;
    for (std::size_t i = 0; i < logits.size(); ++i) {
      cdf += logits[i];
      if (coin < cdf) return static_cast<int>(i);
    }
    return static_cast<int>(logits.size()) - 1;  // rounding errors
  }
  return sample_topp(logits, coin);
}

int Sampler::sample_topp(std::span<const float> probs, float coin) {
  // Tokens below (1 - topp) / (n - 1) can never be in the nucleus: drop them before sorting.
  const float cutoff = (1.0f - topp_) / static_cast<float>(probs.size() - 1);
  std::size_t n = 0;
  for (std::size_t i = 0; i < probs.size(); ++i) {
    if (probs[i] >= cutoff) candidates_[n++] = {probs[i], static_cast<int>(i)};
  }
  // run.c assumes a non-empty nucleus; a tiny topp over a flat distribution can empty it.
  if (n == 0) return argmax(probs);
  // Descending by probability; stable like glibc's merge-sort qsort that run.c relies on.
  std::stable_sort(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(n),
                   [](const ProbIndex& a, const ProbIndex& b) { return a.prob > b.prob; });
  float cumulative = 0.0f;
  std::size_t last = n - 1;
  for (std::size_t i = 0; i < n; ++i) {
    cumulative += candidates_[i].prob;
    if (cumulative > topp_) {
      last = i;
      break;
    }
  }
  const float r = coin * cumulative;
  float cdf = 0.0f;
  for (std::size_t i = 0; i <= last; ++i) {
    cdf += candidates_[i].prob;
    if (r < cdf) return candidates_[i].index;
  }
  return candidates_[last].index;
}

}  // namespace bfedge::models
