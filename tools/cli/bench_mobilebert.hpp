// bfedge bench mobilebert (cmd_bench_mobilebert.cpp), registered by cmd_bench.cpp.
#pragma once

#include <string>

#include "bfedge/kernels/isa.hpp"

namespace bfedge::cli {

struct BenchMobileBertOptions {
  std::string model;  // an HF folder; empty: the default config with random weights
  int seq = 32, batch = 1;
  int threads = 1;
  int repeat = 5;
  bool json = false;
};

int run_bench_mobilebert(const BenchMobileBertOptions& options, kernels::Isa cap);

}  // namespace bfedge::cli
