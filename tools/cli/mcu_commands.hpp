// The pieces of `bfedge mcu` (cmd_mcu_main.cpp registers them).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace bfedge::cli {

void add_mcu_bench_command(CLI::App& mcu, std::function<int()>& run);
void add_mcu_generate_command(CLI::App& mcu, std::function<int()>& run);
void add_mcu_run_command(CLI::App& mcu, std::function<int()>& run);  // cmd_mcu_run.cpp

}  // namespace bfedge::cli
