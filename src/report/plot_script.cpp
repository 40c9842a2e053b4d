#include "report/plot_script.hpp"

#include "core/error.hpp"

#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>

extern char** environ;

namespace vashista {

void run_plot_script(const std::string& script, const std::vector<std::string>& arguments) {
  const char* env_dir = std::getenv("VASHISTA_PLOTS_DIR");
  const std::filesystem::path dir = env_dir ? env_dir : VASHISTA_PLOTS_DIR;
  const std::filesystem::path path = dir / script;
  VASHISTA_CHECK(std::filesystem::exists(path), ErrorKind::io, "{}: plotting script not found (set VASHISTA_PLOTS_DIR)",
                 path.string());
  const char* python = std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  std::vector<std::string> args{python, path.string()};
  args.insert(args.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, python, nullptr, nullptr, argv.data(), environ);
  VASHISTA_CHECK(rc == 0, ErrorKind::io, "{}: cannot start python3 to draw the figures", path.string());
  int status = 0;
  waitpid(pid, &status, 0);
  VASHISTA_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, ErrorKind::io,
                 "{}: plotting script failed (exit status {})", path.string(), WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

}  // namespace vashista
