// bfedge mcu generate (placeholder until the llama job lands).
#include "cli_common.hpp"
#include "mcu_commands.hpp"

namespace bfedge::cli {

void add_mcu_generate_command(CLI::App& mcu, std::function<int()>& run) {
  mcu.add_subcommand("generate", "Generate text with a llama2.c model on the MCU");
  run = [] { return report_error("bfedge mcu generate: not built yet"); };
}

}  // namespace bfedge::cli
