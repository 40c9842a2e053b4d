#include "report/plot_script.hpp"

#include "core/error.hpp"
#include "core/file_identity.hpp"

#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <system_error>

extern char** environ;

namespace vashista {

void prepare_plot_outputs(const std::string& dir, const std::string& option, const std::string& stem, std::string& csv,
                          std::string& json) {
  for (const std::string* path : {&csv, &json})
    VASHISTA_CHECK(path->empty() || path_kind(*path) != PathKind::stream, ErrorKind::usage,
                   "{} {}: the figures are drawn from the CSV and JSON read back from their files, and {} is a stream "
                   "(device, FIFO or socket), not a file",
                   option, dir, *path);
  std::error_code error;
  const auto status = std::filesystem::status(dir, error);
  VASHISTA_CHECK(!std::filesystem::exists(status) || std::filesystem::is_directory(status), ErrorKind::usage,
                 "{} {}: exists and is not a directory", option, dir);
  std::filesystem::create_directories(dir, error);
  VASHISTA_CHECK(!error, ErrorKind::io, "{} {}: cannot create the directory: {}", option, dir, error.message());
  if (csv.empty()) csv = (std::filesystem::path(dir) / (stem + ".csv")).string();
  if (json.empty()) json = (std::filesystem::path(dir) / (stem + ".json")).string();
}

void draw_figures(const std::string& script, const std::vector<std::string>& arguments, const std::string& figure_dir) {
  std::cout.flush();
  const char* env_dir = std::getenv("VASHISTA_PLOTS_DIR");
  const std::filesystem::path dir = env_dir ? env_dir : VASHISTA_PLOTS_DIR;
  const std::filesystem::path path = dir / script;
  std::error_code error;
  VASHISTA_CHECK(std::filesystem::exists(path, error), ErrorKind::io, "{}: plotting script not found (set VASHISTA_PLOTS_DIR)",
                 path.string());
  const char* python = std::filesystem::exists("/usr/bin/python3", error) ? "/usr/bin/python3" : "python3";
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
  std::cout << "figures written to " << figure_dir << "\n";
}

}  // namespace vashista
