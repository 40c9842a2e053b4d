#pragma once
// Atomic output files: every output is written to a temporary file in the same directory as its
// final path and renamed into place only when complete (rename(2) is atomic within a directory).
// A failed or interrupted run therefore never leaves a partial output file behind.
//
// Live temporaries are kept in a fixed-size, lock-free registry so that a signal handler (SIGINT, SIGTERM,
// SIGHUP, SIGQUIT, SIGPIPE: install_interrupt_cleanup()) can remove them with unlink(2) only
// (remove_pending_temporaries(), async-signal-safe).
// TemporaryPath and the registry are header-only so that libraries that do not link
// vashista_report (e.g. the trace writer, which lets HDF5 write the temporary) can use them.
#include "core/error.hpp"
#include "core/file_identity.hpp"

#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <vector>

namespace vashista {

namespace detail {

/// One registry slot: state 0 = free, 1 = being written, 2 = holds a live path.
struct PendingSlot {
  std::atomic<int> state{0};
  char path[4096] = {};
};

/// A fixed-size, lock-free set of paths that a signal handler may read (only atomics and the slots' bytes).
template <std::size_t N>
struct PathRegistry {
  std::array<PendingSlot, N> slots;

  /// Registers `path`; returns the slot index, or -1 when the registry is full or the path too long
  /// (the path is then still cleaned up by its owner, just not by a signal handler).
  int add(const std::string& path) {
    if (path.size() + 1 > sizeof(PendingSlot::path)) return -1;
    for (std::size_t i = 0; i < slots.size(); ++i) {
      int expected = 0;
      if (slots[i].state.compare_exchange_strong(expected, 1)) {
        std::memcpy(slots[i].path, path.c_str(), path.size() + 1);
        slots[i].state.store(2);
        return static_cast<int>(i);
      }
    }
    return -1;
  }
  void remove(int slot) {
    if (slot >= 0) slots[static_cast<std::size_t>(slot)].state.store(0);
  }
};

constexpr std::size_t kMaxPendingTemporaries = 64;

inline PathRegistry<kMaxPendingTemporaries>& pending_registry() {
  static PathRegistry<kMaxPendingTemporaries> registry;
  return registry;
}

inline int register_pending(const std::string& path) { return pending_registry().add(path); }
inline void unregister_pending(int slot) { pending_registry().remove(slot); }

}  // namespace detail

/// Unlinks every registered live temporary. Only unlink(2) and atomics: callable from a signal
/// handler before _exit(128 + signal).
inline void remove_pending_temporaries() noexcept {
  for (auto& slot : detail::pending_registry().slots) {
    if (slot.state.load() == 2) ::unlink(slot.path);
  }
}

/// A registered temporary path next to `final_path` ("<final>.tmp-<pid>-<random>"). The owner
/// writes it by any means, then commit() renames it onto final_path. The destructor removes the
/// temporary when commit() was not reached (error, exception). A symbolic link is followed (its target
/// is replaced, the link stays); a path naming a directory, a device, a FIFO or a socket is refused with
/// Error(usage) at once, before any work (renaming onto it would replace it by a regular file).
class TemporaryPath {
 public:
  explicit TemporaryPath(const std::string& final_path) : final_(replacement_path(final_path)) {
    VASHISTA_CHECK(!final_.empty(), ErrorKind::usage, "empty output file name");
    const PathKind kind = path_kind(final_);
    VASHISTA_CHECK(kind == PathKind::absent || kind == PathKind::regular, ErrorKind::usage,
                   "{}: {}: an output file is written to a temporary and renamed into place", final_path,
                   kind == PathKind::directory ? "is a directory" : "not a regular file");
    std::random_device rd;
    temp_ = fmt::format("{}.tmp-{}-{:08x}", final_, static_cast<long>(::getpid()), rd());
    slot_ = detail::register_pending(temp_);
  }
  TemporaryPath(const TemporaryPath&) = delete;
  TemporaryPath& operator=(const TemporaryPath&) = delete;
  ~TemporaryPath() {
    if (!committed_) ::unlink(temp_.c_str());
    detail::unregister_pending(slot_);
  }

  const std::string& path() const { return temp_; }
  const std::string& final_path() const { return final_; }
  bool committed() const { return committed_; }

  /// Renames the temporary onto the final path; Error(io) when that fails (temporary removed).
  void commit() {
    VASHISTA_CHECK(!committed_, ErrorKind::internal, "{}: committed twice", final_);
    if (std::rename(temp_.c_str(), final_.c_str()) != 0) {
      const int err = errno;
      ::unlink(temp_.c_str());
      VASHISTA_FAIL(ErrorKind::io, "{}: cannot rename temporary file into place: {}", final_, std::strerror(err));
    }
    committed_ = true;
  }

 private:
  std::string final_;
  std::string temp_;
  int slot_ = -1;
  bool committed_ = false;
};

/// A text output file written atomically: write to stream(), then commit(). Opening fails at once
/// (Error(io)) when the directory is not writable, so a bad output path fails before the work.
/// Without commit() (exception, early return) the temporary is removed and nothing appears.
/// A path naming a stream (a character device, FIFO or socket: /dev/null, a named pipe) is written in
/// place instead, since it cannot be replaced (core/file_identity.hpp); a path naming this process's
/// standard output or error (/dev/stdout, /proc/self/fd/2, or the file stdout was redirected to) is
/// written through std::cout / std::cerr, so that it neither overwrites what the process prints there
/// (a second open file has its own offset) nor replaces the file under it; a directory or a block device
/// is refused (Error(usage), TemporaryPath).
class AtomicFile {
 public:
  explicit AtomicFile(const std::string& path);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile() = default;  // TemporaryPath removes an uncommitted temporary

  std::ostream& stream() { return shared_ != nullptr ? *shared_ : out_; }
  const std::string& path() const { return path_; }
  /// Flushes, checks the stream, closes and renames into place. Error(io) on any write failure.
  void commit();

 private:
  std::string path_;
  std::ostream* shared_ = nullptr;     // std::cout or std::cerr when the path names one of them
  std::optional<TemporaryPath> temp_;  // empty when the path is a stream, written in place
  std::ofstream out_;
};

/// Directories created for a run's outputs (`--plot DIR` and whichever of its parents did not exist). A
/// failed or interrupted run removes them again, innermost first, with rmdir(2): only a directory that this
/// object created and that is empty by then (its temporaries removed) goes, never one that existed before
/// the run and never a file. keep() once the run has succeeded. The paths are also registered for the
/// signal handler of install_interrupt_cleanup().
class CreatedDirectories {
 public:
  CreatedDirectories() = default;
  CreatedDirectories(const CreatedDirectories&) = delete;
  CreatedDirectories& operator=(const CreatedDirectories&) = delete;
  ~CreatedDirectories();  // removes the directories (when still empty) unless keep() was called

  /// Creates `dir` and its missing parents, recording each one created here; Error(io) naming `what` (e.g.
  /// "--plot DIR") when one cannot be created.
  void create(const std::string& dir, const std::string& what);
  /// The run succeeded: the directories stay.
  void keep();

 private:
  std::vector<std::string> created_;  // outermost first
  std::vector<int> slots_;            // their signal-handler registry slots (-1: not registered)
};

/// Installs a handler for SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGPIPE that removes pending temporaries
/// and the directories created for outputs (CreatedDirectories), prints one line on stderr and exits with
/// 128 + the signal number (130 SIGINT, 143 SIGTERM, 129 SIGHUP, 131 SIGQUIT, 141 SIGPIPE: the reader of
/// an output pipe went away, e.g. `certify t.h5 --per-query /dev/stdout | head -1`). Idempotent.
void install_interrupt_cleanup();

}  // namespace vashista
