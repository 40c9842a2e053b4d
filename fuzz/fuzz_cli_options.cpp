// libFuzzer harness: the command line of apps/vashista (its subcommand setups, not its main).
// Input: arguments separated by NUL bytes. Parsing must end in success or a CLI11 error; the
// command itself is not run (no file is touched).
#include "commands.hpp"

#include <cstdint>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  std::vector<std::string> args{"vashista"};
  std::string current;
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      args.push_back(current);
      current.clear();
    } else {
      current.push_back(static_cast<char>(data[i]));
    }
  }
  args.push_back(current);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  CLI::App app{"vashista"};
  app.set_version_flag("--version", std::string("vashista ") + VASHISTA_VERSION);
  app.require_subcommand(1);
  vashista::cli::RunFunction run;
  for (auto setup : {vashista::cli::setup_certify, vashista::cli::setup_sweep, vashista::cli::setup_gen,
                     vashista::cli::setup_inspect, vashista::cli::setup_kernel}) {
    setup(app, run);
  }
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::Error&) {
  }
  return 0;
}
