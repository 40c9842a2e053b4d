#pragma once
// One setup_<cmd> per subcommand: it declares the subcommand's options on `app` (into an options
// struct it owns) and installs the callback that calls the library. The callback returns the
// process exit code. All logic lives in the library under src/.
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace vashista::cli {

using RunFunction = std::function<int()>;

void setup_certify(CLI::App& app, RunFunction& run);
void setup_sweep(CLI::App& app, RunFunction& run);
void setup_gen(CLI::App& app, RunFunction& run);
void setup_inspect(CLI::App& app, RunFunction& run);
void setup_kernel(CLI::App& app, RunFunction& run);

/// `--streams GLOB`, repeatable (`--streams 'hull*' --streams 'soft*'`): one pattern per occurrence, so that
/// `--streams 'hull*' trace.h5` leaves the trace to the positional argument.
inline CLI::Option* add_streams_option(CLI::App* sub, std::vector<std::string>& patterns) {
  return sub
      ->add_option("--streams", patterns,
                   "Only streams whose name matches this glob pattern (repeat the option for several patterns)")
      ->allow_extra_args(false);
}

/// Worker threads; 0 = OpenMP's default (all cores, or OMP_NUM_THREADS).
inline CLI::Option* add_threads_option(CLI::App* sub, int& threads) {
  return sub->add_option("--threads", threads, "Worker threads (0 = all cores; at most 1024)")->capture_default_str();
}

/// The exit codes every command may return (docs/cli.md); `specific` says what 0 and 1 mean for the command.
inline std::string exit_codes_footer(const std::string& specific) {
  return "Exit codes: " + specific +
         ", 2 bad input or usage, 3 I/O error, 4 device error, 5 internal error, 128 + signal interrupted (130 SIGINT, 143 SIGTERM, 129 SIGHUP, 131 SIGQUIT, 141 SIGPIPE; docs/cli.md).";
}

}  // namespace vashista::cli
