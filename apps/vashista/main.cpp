// vashista: command-line front end. Parses arguments, dispatches to the library, maps errors to
// the documented exit codes (core/error.hpp, docs/cli.md).
#include "commands.hpp"
#include "core/error.hpp"
#include "report/atomic_file.hpp"
#include "trace/hdf5_guard.hpp"

#include <fmt/core.h>

#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <utility>

int main(int argc, char** argv) {
  CLI::App app{"vashista: certified sparse attention for long-context decoding (Vashista Sparse Attention)"};
  app.set_version_flag("--version", std::string("vashista ") + VASHISTA_VERSION);
  app.require_subcommand(1);
  app.footer("Exit codes: 0 ok, 1 bound violation / unsound certificate found, 2 bad input or usage,\n"
             "3 I/O error, 4 device error, 5 internal error, 130 interrupted. See docs/cli.md.");
  vashista::cli::RunFunction run;
  using namespace vashista::cli;
  for (auto setup : {setup_certify, setup_sweep, setup_gen, setup_inspect, setup_kernel}) {
    setup(app, run);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {  // one line; `--help` lists the options
    // A mistyped command reads as "A subcommand is required" to CLI11: name it and the commands instead.
    std::string message = e.what();
    if (argc > 1 && argv[1][0] != '-') {
      std::string commands;
      bool known = false;
      for (const CLI::App* sub : std::as_const(app).get_subcommands([](const CLI::App*) { return true; })) {
        known = known || sub->check_name(argv[1]);
        commands += (commands.empty() ? "" : ", ") + sub->get_name();
      }
      if (!known) message = fmt::format("unknown command '{}' (commands: {})", argv[1], commands);
    }
    fmt::print(stderr, "vashista: usage error: {} (see --help)\n", message);
    return 2;
  }
  vashista::install_interrupt_cleanup();  // SIGINT: remove partial outputs, exit 130
  vashista::install_hdf5_crash_report();  // a crash inside libhdf5 on a corrupt file: one line, exit 2
  try {
    return run ? run() : 2;
  } catch (const vashista::Error& e) {
    fmt::print(stderr, "vashista: error: {}\n", e.what());
    return vashista::exit_code_for(e.kind());
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "vashista: error: out of memory\n");
    return 3;
  } catch (const std::exception& e) {
    fmt::print(stderr, "vashista: internal error: {}\n", e.what());
    return 5;
  }
}
