#include "report/atomic_file.hpp"

#include <csignal>
#include <cstring>

namespace vashista {

AtomicFile::AtomicFile(const std::string& path) : temp_(path) {
  out_.open(temp_.path(), std::ios::out | std::ios::trunc | std::ios::binary);
  VASHISTA_CHECK(out_.is_open(), ErrorKind::io, "{}: cannot create output file: {}", path, std::strerror(errno));
}

void AtomicFile::commit() {
  out_.flush();
  const bool ok = static_cast<bool>(out_);
  out_.close();
  VASHISTA_CHECK(ok && !out_.fail(), ErrorKind::io, "{}: write failed", temp_.final_path());
  temp_.commit();
}

namespace {
void interrupt_handler(int) {
  remove_pending_temporaries();
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
