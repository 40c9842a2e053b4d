#include "report/plot_script.hpp"

#include "core/error.hpp"
#include "core/file_identity.hpp"

#include <spawn.h>
#include <sys/wait.h>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <system_error>

extern char** environ;

namespace vashista {

void prepare_plot_outputs(const std::string& dir, const std::string& option, const std::string& stem, std::string& csv,
                          std::string& json, CreatedDirectories& created) {
  for (const std::string* path : {&csv, &json})
    VASHISTA_CHECK(path->empty() || path_kind(*path) != PathKind::stream, ErrorKind::usage,
                   "{} {}: the figures are drawn from the CSV and JSON read back from their files, and {} is a stream "
                   "(device, FIFO or socket), not a file",
                   option, dir, *path);
  std::error_code error;
  const auto status = std::filesystem::status(dir, error);
  VASHISTA_CHECK(!std::filesystem::exists(status) || std::filesystem::is_directory(status), ErrorKind::usage,
                 "{} {}: exists and is not a directory", option, dir);
  created.create(dir, option + " " + dir);
  if (csv.empty()) csv = (std::filesystem::path(dir) / (stem + ".csv")).string();
  if (json.empty()) json = (std::filesystem::path(dir) / (stem + ".json")).string();
}

namespace {

// Longest script line quoted in an error (a matplotlib ValueError lists every backend: ~400 characters).
constexpr std::size_t kMaxQuotedLine = 500;

// The last non-empty line of what the script wrote to `file` (its stderr), at most kMaxQuotedLine characters;
// read from the last 64 KiB only.
std::string last_nonempty_line(std::FILE* file) {
  constexpr long kTail = 64 * 1024;
  std::fseek(file, 0, SEEK_END);
  const long size = std::ftell(file);
  std::fseek(file, size > kTail ? size - kTail : 0, SEEK_SET);
  std::string text(static_cast<std::size_t>(size > kTail ? kTail : (size > 0 ? size : 0)), '\0');
  text.resize(std::fread(text.data(), 1, text.size(), file));
  const std::size_t end = text.find_last_not_of(" \t\r\n");
  if (end == std::string::npos) return "";
  const std::size_t newline = text.find_last_of('\n', end);
  const std::size_t begin = newline == std::string::npos ? 0 : newline + 1;
  std::string line = text.substr(begin, end + 1 - begin);
  if (line.size() > kMaxQuotedLine) line = line.substr(0, kMaxQuotedLine) + "...";
  return line;
}

// Copies the captured stderr of a script that succeeded (warnings) to our stderr.
void pass_on(std::FILE* file) {
  std::rewind(file);
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof(buffer), file)) > 0;) std::fwrite(buffer, 1, n, stderr);
}

}  // namespace

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
  // The script's stderr goes to an anonymous temporary file (tmpfile(3): already unlinked, so nothing is
  // left behind whatever happens); without one, it goes to ours as is.
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> captured(std::tmpfile(), &std::fclose);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (captured) posix_spawn_file_actions_adddup2(&actions, fileno(captured.get()), STDERR_FILENO);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, python, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  VASHISTA_CHECK(rc == 0, ErrorKind::io, "{}: cannot start python3 to draw the figures: {}", path.string(), std::strerror(rc));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (ok) {
    if (captured) pass_on(captured.get());
    std::cout << "figures written to " << figure_dir << "\n";
    return;
  }
  const std::string how = WIFEXITED(status) ? fmt::format("exit status {}", WEXITSTATUS(status))
                          : WIFSIGNALED(status) ? fmt::format("killed by signal {}", WTERMSIG(status))
                                                : std::string("ended abnormally");
  const std::string last = captured ? last_nonempty_line(captured.get()) : std::string();
  VASHISTA_FAIL(ErrorKind::io, "{}: plotting script failed ({}){}{}", path.string(), how, last.empty() ? "" : ": ", last);
}

}  // namespace vashista
