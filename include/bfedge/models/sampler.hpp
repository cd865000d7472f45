// Token sampling as llama2.c run.c does it: greedy argmax at temperature 0, otherwise
// softmax(logits / temperature) and either multinomial sampling or top-p (nucleus) sampling,
// with run.c's xorshift RNG drawing one coin per step, so seeded runs reproduce run.c.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace bfedge::models {

// run.c's xorshift64* generator.
std::uint32_t random_u32(std::uint64_t& state);
float random_f32(std::uint64_t& state);  // in [0, 1)

// Index of the first maximum.
int argmax(std::span<const float> values);

// True when no value is infinite or NaN.
bool all_finite(std::span<const float> values);

class Sampler {
 public:
  // temperature 0 = greedy; topp outside (0, 1) = sample from the full distribution.
  Sampler(int vocab_size, float temperature, float topp, std::uint64_t seed);

  // Picks the next token. Overwrites `logits` with probabilities when temperature > 0.
  // Ordinary temperatures keep run.c's arithmetic (logits /= T, softmax) bit for bit; when a
  // logit / T is not finite (T tiny, say 1e-38: run.c's softmax then yields NaN and garbage ids)
  // the T -> 0 limit is taken, which is greedy: argmax, after drawing the step's coin as usual.
  // `logits` must be finite (generate checks them).
  int sample(std::span<float> logits);

 private:
  struct ProbIndex {
    float prob;
    int index;
  };
  int sample_topp(std::span<const float> probs, float coin);

  float temperature_;
  float topp_;
  std::uint64_t rng_state_;
  std::vector<ProbIndex> candidates_;  // scratch for top-p, sized once
};

}  // namespace bfedge::models
