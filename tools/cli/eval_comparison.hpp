// What `eval --compare` measures, for MobileBERT and TinyViT alike: the second classifier's
// correct count, how often the two predict the same label, and the NMSE of each hidden state and
// of the logits with the compared classifier as the reference (sums over every value of every
// batch, so the NMSE is of the whole dataset, not a mean of per-batch ratios).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace bfedge::cli {

struct Comparison {
  std::int64_t correct = 0, agree = 0;
  std::vector<double> squared_error, squared_reference;  // per hidden state; logits last

  // sum (ours - theirs)² / sum theirs² per index (the plain sum when theirs are all zero).
  std::vector<double> nmse() const {
    std::vector<double> out;
    for (std::size_t i = 0; i < squared_error.size(); ++i) {
      out.push_back(squared_reference[i] > 0 ? squared_error[i] / squared_reference[i]
                                             : squared_error[i]);
    }
    return out;
  }
  void add(std::size_t index, const std::vector<float>& ours, const std::vector<float>& theirs) {
    if (squared_error.size() <= index)
      squared_error.resize(index + 1), squared_reference.resize(index + 1);
    for (std::size_t k = 0; k < std::min(ours.size(), theirs.size()); ++k) {
      const double d = static_cast<double>(ours[k]) - theirs[k];
      squared_error[index] += d * d;
      squared_reference[index] += static_cast<double>(theirs[k]) * theirs[k];
    }
  }
};

}  // namespace bfedge::cli
