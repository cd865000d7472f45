// Each subcommand registers its options on the app and returns the function that runs it.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace bfedge::cli {

struct Command {
  CLI::App* parser;          // the subcommand, owned by the app
  std::function<int()> run;  // runs it after parsing; returns the exit code
};

Command add_generate_command(CLI::App& app);
Command add_inspect_command(CLI::App& app);
Command add_perplexity_command(CLI::App& app);
Command add_bench_command(CLI::App& app);
Command add_mcu_command(CLI::App& app);
Command add_train_command(CLI::App& app);
// `train tinyvit` under the train command (cmd_train_tinyvit.cpp): returns its runner.
std::function<int()> add_train_tinyvit_command(CLI::App& train);
Command add_classify_command(CLI::App& app);
Command add_eval_command(CLI::App& app);
Command add_prune_command(CLI::App& app);  // cmd_prune.cpp
Command add_deploy_command(CLI::App& app);  // cmd_deploy.cpp

}  // namespace bfedge::cli
