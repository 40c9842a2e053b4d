#pragma once
// One setup_<cmd> per subcommand: it declares the subcommand's options on `app` (into an options
// struct it owns) and installs the callback that calls the library. The callback returns the
// process exit code. All logic lives in the library under src/.
#include <CLI/CLI.hpp>

#include <functional>

namespace vashista::cli {

using RunFunction = std::function<int()>;

void setup_certify(CLI::App& app, RunFunction& run);
void setup_sweep(CLI::App& app, RunFunction& run);
void setup_gen(CLI::App& app, RunFunction& run);
void setup_inspect(CLI::App& app, RunFunction& run);
void setup_kernel(CLI::App& app, RunFunction& run);

}  // namespace vashista::cli
