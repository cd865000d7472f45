// Reading a training run's OUT/train.jsonl in tests.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <string>

namespace bfedge::train {

// The loss of the run's first "train" window (one step with log_every = 1).
inline double first_logged_loss(const std::string& out_dir) {
  std::ifstream log(out_dir + "/train.jsonl");
  for (std::string line; std::getline(log, line);) {
    if (line.find("\"event\":\"train\"") != std::string::npos) return std::stod(line.substr(line.find("\"loss\":") + 7));
  }
  ADD_FAILURE() << "no train window in " << out_dir;
  return -1;
}

}  // namespace bfedge::train
