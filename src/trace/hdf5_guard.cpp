#include "trace/hdf5_guard.hpp"

#include "core/error.hpp"
#include "core/printable.hpp"
#include "report/atomic_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

namespace vashista {

namespace {

constexpr int kExitBadInput = exit_code_for(ErrorKind::bad_input);
constexpr double kDefaultTimeoutSeconds = 120.0;
constexpr double kSecondsPerGiB = 60.0;

// Global state read by the watchdog thread and by signal handlers: atomics and a fixed buffer only.
std::atomic<int> guard_depth{0};
std::atomic<std::int64_t> deadline_ns{0};  // steady-clock deadline of the outermost guarded call
std::atomic<int> limit_seconds{0};
char where_text[2048] = {};                // "FILE: OBJECT", written before depth becomes 1

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// write(2) only (async-signal-safe).
void write_text(const char* text) {
  ssize_t ignored = ::write(STDERR_FILENO, text, std::strlen(text));
  (void)ignored;
}

void write_number(long value) {
  char digits[24];
  int len = 0;
  if (value < 0) value = 0;
  do {
    digits[len++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0 && len < 23);
  char text[24];
  for (int i = 0; i < len; ++i) text[i] = digits[len - 1 - i];
  text[len] = '\0';
  write_text(text);
}

[[noreturn]] void fail_inside_hdf5(const char* what, long number, const char* unit) {
  remove_pending_temporaries();
  write_text("vashista: error: ");
  write_text(where_text);
  write_text(": the HDF5 library ");
  write_text(what);
  write_number(number);
  write_text(unit);
  write_text(" reading it: corrupt file? (no output was written)\n");
  ::_exit(kExitBadInput);
}

void watchdog_loop() {
  while (true) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (guard_depth.load() > 0) {
      const std::int64_t deadline = deadline_ns.load();
      if (deadline > 0 && now_ns() > deadline) fail_inside_hdf5("did not return within ", limit_seconds.load(), " s");
    }
  }
}

void start_watchdog() {
  static std::once_flag once;
  std::call_once(once, [] { std::thread(watchdog_loop).detach(); });
}

double base_timeout_seconds() {
  const char* text = std::getenv("VASHISTA_HDF5_TIMEOUT");
  if (text == nullptr || *text == '\0') return kDefaultTimeoutSeconds;
  char* end = nullptr;
  const double value = std::strtod(text, &end);
  VASHISTA_CHECK(end != text && *end == '\0' && value > 0 && value <= 1e7, ErrorKind::usage,
                 "VASHISTA_HDF5_TIMEOUT = '{}' must be a number of seconds in (0, 1e7]", text);
  return value;
}

constexpr int kCrashSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
struct sigaction previous_actions[sizeof(kCrashSignals) / sizeof(int)];

void crash_handler(int signal_number, siginfo_t* info, void* context) {
  if (guard_depth.load() > 0) fail_inside_hdf5("crashed (signal ", signal_number, ")");
  // Not inside libhdf5: hand the signal to whoever handled it before (default: crash with a core).
  for (std::size_t k = 0; k < sizeof(kCrashSignals) / sizeof(int); ++k) {
    if (kCrashSignals[k] != signal_number) continue;
    const struct sigaction& previous = previous_actions[k];
    if (previous.sa_flags & SA_SIGINFO) {
      if (previous.sa_sigaction != nullptr) {
        previous.sa_sigaction(signal_number, info, context);
        return;
      }
    } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN && previous.sa_handler != nullptr) {
      previous.sa_handler(signal_number);
      return;
    }
  }
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

}  // namespace

Hdf5Guard::Hdf5Guard(const std::string& file, const std::string& object) {
  if (guard_depth.load() == 0) {
    const double base_seconds = base_timeout_seconds();  // may throw: before any state is set
    std::string text = printable(file + ": " + object);  // one line, whatever the names hold
    if (text.size() >= sizeof(where_text)) text.resize(sizeof(where_text) - 1);
    std::memcpy(where_text, text.c_str(), text.size() + 1);
    struct stat st {};
    const double gib = ::stat(file.c_str(), &st) == 0 ? static_cast<double>(st.st_size) / (1024.0 * 1024.0 * 1024.0) : 0.0;
    const double limit = base_seconds + kSecondsPerGiB * gib;
    limit_seconds.store(static_cast<int>(limit + 0.5));
    deadline_ns.store(now_ns() + static_cast<std::int64_t>(limit * 1e9));
    start_watchdog();
  }
  guard_depth.fetch_add(1);
}

Hdf5Guard::~Hdf5Guard() {
  if (guard_depth.fetch_sub(1) == 1) deadline_ns.store(0);
}

void install_hdf5_crash_report() {
  static std::once_flag once;
  std::call_once(once, [] {
    // An alternate stack, so that a crash from stack exhaustion inside libhdf5 still reports.
    static char alternate_stack[64 * 1024];
    stack_t ss{};
    ss.ss_sp = alternate_stack;
    ss.ss_size = sizeof(alternate_stack);
    sigaltstack(&ss, nullptr);
    for (std::size_t k = 0; k < sizeof(kCrashSignals) / sizeof(int); ++k) {
      struct sigaction action {};
      action.sa_sigaction = crash_handler;
      action.sa_flags = SA_SIGINFO | SA_ONSTACK;
      sigemptyset(&action.sa_mask);
      sigaction(kCrashSignals[k], &action, &previous_actions[k]);
    }
  });
}

}  // namespace vashista
