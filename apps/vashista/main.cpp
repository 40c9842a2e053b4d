// vashista: command-line front end. Parses arguments, dispatches to the library, maps errors to
// the documented exit codes (core/error.hpp, docs/cli.md).
#include "commands.hpp"
#include "core/error.hpp"
#include "core/printable.hpp"
#include "report/atomic_file.hpp"
#include "trace/hdf5_guard.hpp"

#include <fmt/core.h>

#include <cstdio>
#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <utility>

namespace {

// The exit code once standard output is flushed: a report that could not be written (`vashista certify
// t.h5 > out.txt` on a full disk, or > /dev/full) is an I/O error (exit 3, one line on stderr), not a
// success with an empty or truncated file.
int with_stdout_flushed(int code) {
  std::cout.flush();
  if (!std::cout || std::fflush(stdout) != 0 || std::ferror(stdout)) {
    fmt::print(stderr, "vashista: error: standard output: write failed (disk full or closed?)\n");
    return code == 0 || code == vashista::kExitViolation ? 3 : code;
  }
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vashista: certified sparse attention for long-context decoding (Vashista Sparse Attention)"};
  app.set_version_flag("--version", std::string("vashista ") + VASHISTA_VERSION);
  app.require_subcommand(1);
  app.footer(vashista::cli::exit_codes_footer("0 ok, 1 a bound violation or unsound certificate found (certify, sweep)"));
  vashista::cli::RunFunction run;
  using namespace vashista::cli;
  for (auto setup : {setup_certify, setup_sweep, setup_gen, setup_inspect, setup_kernel}) {
    setup(app, run);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return with_stdout_flushed(app.exit(e));
  } catch (const CLI::CallForAllHelp& e) {
    return with_stdout_flushed(app.exit(e));
  } catch (const CLI::CallForVersion& e) {
    return with_stdout_flushed(app.exit(e));
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
    fmt::print(stderr, "vashista: usage error: {} (see --help)\n", vashista::printable(message));
    return 2;
  }
  // SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE: remove partial outputs, exit 128 + signal (130 for SIGINT)
  vashista::install_interrupt_cleanup();
  vashista::install_hdf5_crash_report();  // a crash inside libhdf5 on a corrupt file: one line, exit 2
  try {
    return with_stdout_flushed(run ? run() : 2);
  } catch (const vashista::Error& e) {
    fmt::print(stderr, "vashista: error: {}\n", vashista::printable(e.what()));  // one line, whatever a file held
    return vashista::exit_code_for(e.kind());
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "vashista: error: out of memory\n");
    return 3;
  } catch (const std::exception& e) {
    fmt::print(stderr, "vashista: internal error: {}\n", vashista::printable(e.what()));
    return 5;
  }
}
