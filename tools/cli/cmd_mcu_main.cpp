// bfedge mcu: run on the emulated MCU (bench, generate, run).
#include <memory>

#include "commands.hpp"
#include "mcu_commands.hpp"

namespace bfedge::cli {

Command add_mcu_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("mcu", "Run on the emulated 8-core RV32 MCU (QEMU, counted and cycle-modeled)");
  cmd->require_subcommand(1);
  auto bench = std::make_shared<std::function<int()>>();
  auto generate = std::make_shared<std::function<int()>>();
  auto run = std::make_shared<std::function<int()>>();
  add_mcu_bench_command(*cmd, *bench);
  add_mcu_generate_command(*cmd, *generate);
  add_mcu_run_command(*cmd, *run);
  return {cmd, [cmd, bench, generate, run] {
            if (cmd->get_subcommand("bench")->parsed()) return (*bench)();
            return cmd->get_subcommand("run")->parsed() ? (*run)() : (*generate)();
          }};
}

}  // namespace bfedge::cli
