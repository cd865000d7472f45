// bfedge: deploy tiny transformers in BFloat16. Entry point and subcommand dispatch.
#include <cstdio>
#include <exception>
#include <new>
#include <string>

#include "cli_common.hpp"
#include "commands.hpp"

int main(int argc, char** argv) {
  bfedge::cli::set_command_line(argc, argv);
  CLI::App app{"bfedge: tiny transformers in BFloat16 for microcontrollers and hosts", "bfedge"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "bfedge 0.1.0");

  const bfedge::cli::Command commands[] = {
      bfedge::cli::add_generate_command(app),   bfedge::cli::add_inspect_command(app),
      bfedge::cli::add_perplexity_command(app), bfedge::cli::add_bench_command(app),
      bfedge::cli::add_mcu_command(app),       bfedge::cli::add_train_command(app),
      bfedge::cli::add_classify_command(app),  bfedge::cli::add_eval_command(app),
      bfedge::cli::add_prune_command(app),     bfedge::cli::add_deploy_command(app),
  };

  // CLI11 says only "A subcommand is required" for `bfedge frobnicate`, `bfedge bench frobnicate`
  // or `bfedge --frobnicate`: name the word it did not know, and what it expected.
  const CLI::App* level = &app;
  std::string path;  // "bfedge", "bench", "mcu bench"
  for (int i = 1; i <= argc && !level->get_subcommands({}).empty(); ++i) {
    std::string names;
    const CLI::App* next = nullptr;
    const std::string word = i < argc ? argv[i] : "";
    for (const CLI::App* sub : level->get_subcommands({})) {
      if (i < argc && sub->get_name() == word) next = sub;
      names += (names.empty() ? "" : ", ") + sub->get_name();
    }
    const std::string where = path.empty() ? "" : path + ": ";
    if (i == argc) {
      return bfedge::cli::report_error(where + "no command given (expected one of: " + names + ")",
                                       bfedge::cli::kExitUsageError);
    }
    if (word == "-h" || word == "--help" || word == "--help-all" ||
        (level == &app && word == "--version")) {
      break;
    }
    if (next == nullptr) {
      return bfedge::cli::report_error(
          where + (word.rfind('-', 0) == 0 ? "unknown option '" : "unknown command '") + word +
              "' (expected one of: " + names + ")",
          bfedge::cli::kExitUsageError);
    }
    path += (path.empty() ? "" : " ") + word;
    level = next;
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
