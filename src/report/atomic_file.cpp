#include "report/atomic_file.hpp"

#include <csignal>
#include <cstring>
#include <unistd.h>

#include <iostream>

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
void interrupt_handler(int) {
  remove_pending_temporaries();
  // write(2) only: async-signal-safe. Says that no partial output was left (docs/cli.md, exit 130).
  static const char kMessage[] = "vashista: interrupted; no partial output left (temporary files removed)\n";
  ssize_t ignored = ::write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
  (void)ignored;
  ::_exit(kExitInterrupted);
}
}  // namespace

void install_interrupt_cleanup() {
  struct sigaction action {};
  action.sa_handler = interrupt_handler;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

}  // namespace vashista
