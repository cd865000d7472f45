// bfedge bench tinyvit (cmd_bench_tinyvit.cpp), registered by cmd_bench.cpp.
#pragma once

#include <string>

#include "bfedge/kernels/isa.hpp"

namespace bfedge::cli {

struct BenchTinyVitOptions {
  std::string model;  // a timm folder; empty: tiny_vit_5m_224 at image_size with random weights
  int image_size =
      32;  // without --model: 32 (CIFAR-10 plan), 28 (Fashion-MNIST plan) or 224 (timm's)
  int batch = 1;
  int threads = 1;
  int repeat = 5;
  bool json = false;
};

int run_bench_tinyvit(const BenchTinyVitOptions& options, kernels::Isa cap);

}  // namespace bfedge::cli
