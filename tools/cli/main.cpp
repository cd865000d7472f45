// bfedge: deploy tiny transformers in BFloat16. Entry point and subcommand dispatch.
#include <cstdio>
#include <exception>
#include <new>
#include <string>

#include "cli_common.hpp"
#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"bfedge: tiny transformers in BFloat16 for microcontrollers and hosts", "bfedge"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "bfedge 0.1.0");

  const bfedge::cli::Command commands[] = {
      bfedge::cli::add_generate_command(app),
      bfedge::cli::add_inspect_command(app),
      bfedge::cli::add_perplexity_command(app),
      bfedge::cli::add_bench_command(app),
      bfedge::cli::add_mcu_command(app),
  };

  if (argc > 1 && argv[1][0] != '-') {
    bool known = false;
    std::string names;
    for (const bfedge::cli::Command& command : commands) {
      known |= command.parser->get_name() == argv[1];
      names += (names.empty() ? "" : ", ") + command.parser->get_name();
    }
    if (!known) {
      return bfedge::cli::report_error(
          std::string("unknown command '") + argv[1] + "' (expected one of: " + names + ")",
          bfedge::cli::kExitUsageError);
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return bfedge::cli::close_stdout(app.exit(e));
  } catch (const CLI::CallForAllHelp& e) {
    return bfedge::cli::close_stdout(app.exit(e));
  } catch (const CLI::CallForVersion& e) {
    return bfedge::cli::close_stdout(app.exit(e));
  } catch (const CLI::ParseError& e) {
    return bfedge::cli::report_error(std::string(e.what()) + " (see bfedge --help)",
                                     bfedge::cli::kExitUsageError);
  }
  try {
    for (const bfedge::cli::Command& command : commands) {
      if (command.parser->parsed()) return bfedge::cli::close_stdout(command.run());
    }
  } catch (const std::bad_alloc&) {
    return bfedge::cli::report_error("out of memory");
  } catch (const std::exception& e) {  // a last resort: library code reports errors as Status
    return bfedge::cli::report_error(std::string("internal error: ") + e.what());
  }
  return bfedge::cli::report_error("no subcommand given", bfedge::cli::kExitUsageError);
}
