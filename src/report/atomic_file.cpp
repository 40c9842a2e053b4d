#include "report/atomic_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string_view>
#include <system_error>
#include <vector>

namespace vashista {

AtomicFile::AtomicFile(const std::string& path) : path_(path) {
  const int standard = standard_stream_number(path);
  if (standard != 0) shared_ = standard == STDOUT_FILENO ? &std::cout : &std::cerr;
  if (shared_ != nullptr) return;
  if (path_kind(path) != PathKind::stream) temp_.emplace(path);
  out_.open(temp_ ? temp_->path() : path, std::ios::out | std::ios::trunc | std::ios::binary);
  VASHISTA_CHECK(out_.is_open(), ErrorKind::io, "{}: cannot create output file: {}", path, std::strerror(errno));
}

void AtomicFile::commit() {
  if (shared_ != nullptr) {
    shared_->flush();
    VASHISTA_CHECK(static_cast<bool>(*shared_), ErrorKind::io, "{}: write failed", path_);
    return;
  }
  out_.flush();
  const bool ok = static_cast<bool>(out_);
  out_.close();
  VASHISTA_CHECK(ok && !out_.fail(), ErrorKind::io, "{}: write failed", path_);
  if (temp_) temp_->commit();
}

namespace {

// Directories created for outputs (CreatedDirectories), registered for the signal handler like the
// temporaries of atomic_file.hpp.
detail::PathRegistry<32> created_directories;

// rmdir(2) on every registered directory, last slot first: one CreatedDirectories takes increasing slots
// from the outermost directory inwards, so children go before their parents. rmdir removes only an empty
// directory. Only rmdir(2) and atomics: async-signal-safe.
void remove_registered_directories() noexcept {
  auto& slots = created_directories.slots;
  for (std::size_t i = slots.size(); i-- > 0;) {
    if (slots[i].state.load() == 2) ::rmdir(slots[i].path);
  }
}

// The signals that end a run with the cleanup, each with its one line for stderr. SIGPIPE: a reader of an
// output pipe (stdout into `| head`, a named pipe) went away; the run cannot deliver that output.
struct HandledSignal {
  int number;
  std::string_view message;
};
constexpr HandledSignal kHandledSignals[] = {
    {SIGINT, "vashista: interrupted; no partial output left (temporary files removed)\n"},
    {SIGTERM, "vashista: interrupted; no partial output left (SIGTERM received; temporary files removed)\n"},
    {SIGHUP, "vashista: interrupted; no partial output left (SIGHUP received; temporary files removed)\n"},
    {SIGQUIT, "vashista: interrupted; no partial output left (SIGQUIT received; temporary files removed)\n"},
    {SIGPIPE, "vashista: interrupted; no partial output left (SIGPIPE: the reader of an output pipe went away; "
              "temporary files removed)\n"},
};

void interrupt_handler(int signal_number) {
  remove_pending_temporaries();
  remove_registered_directories();  // after the temporaries, which they may hold
  // write(2) only: async-signal-safe. Says that no partial output was left (docs/cli.md, exit 128 + signal).
  for (const HandledSignal& handled : kHandledSignals) {
    if (handled.number != signal_number) continue;
    ssize_t ignored = ::write(STDERR_FILENO, handled.message.data(), handled.message.size());
    (void)ignored;
  }
  ::_exit(128 + signal_number);
}

}  // namespace

CreatedDirectories::~CreatedDirectories() {
  for (std::size_t i = created_.size(); i-- > 0;) {
    ::rmdir(created_[i].c_str());  // only while empty: files the run committed there stay
    created_directories.remove(slots_[i]);
  }
}

void CreatedDirectories::create(const std::string& dir, const std::string& what) {
  namespace fs = std::filesystem;
  fs::path target = fs::path(dir).lexically_normal();
  if (!target.has_filename() && target.has_parent_path()) target = target.parent_path();  // "d/" -> "d"
  std::vector<fs::path> missing;  // innermost first
  std::error_code error;
  for (fs::path p = target; !p.empty() && !fs::exists(fs::symlink_status(p, error)); p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (std::size_t i = missing.size(); i-- > 0;) {
    const std::string path = missing[i].string();
    if (::mkdir(path.c_str(), 0777) != 0) {
      const int err = errno;
      VASHISTA_CHECK(err == EEXIST && fs::is_directory(path, error), ErrorKind::io,
                     "{}: cannot create the directory {}: {}", what, path, std::strerror(err));
      continue;  // made by someone else meanwhile: not ours to remove
    }
    created_.push_back(path);
    slots_.push_back(created_directories.add(path));
  }
}

void CreatedDirectories::keep() {
  for (const int slot : slots_) created_directories.remove(slot);
  created_.clear();
  slots_.clear();
}

void install_interrupt_cleanup() {
  struct sigaction action {};
  action.sa_handler = interrupt_handler;
  sigemptyset(&action.sa_mask);
  for (const HandledSignal& handled : kHandledSignals) sigaddset(&action.sa_mask, handled.number);
  for (const HandledSignal& handled : kHandledSignals) {
    // A signal this process was started with ignored stays ignored (`nohup vashista ...` ignores SIGHUP; a
    // parent that ignores SIGPIPE gets write errors, exit 3, temporaries removed), except SIGINT and SIGTERM,
    // always handled (a shell starts a background job with SIGINT ignored).
    struct sigaction previous {};
    sigaction(handled.number, nullptr, &previous);
    const bool always = handled.number == SIGINT || handled.number == SIGTERM;
    if (!always && previous.sa_handler == SIG_IGN) continue;
    sigaction(handled.number, &action, nullptr);
  }
}

}  // namespace vashista
