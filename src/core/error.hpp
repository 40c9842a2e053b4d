#pragma once
// The one error type of vashista and its check macro.
//
// Results are not errors: a solve that cannot certify its face returns a status
// (see solvers/hull_projection.hpp). Only bad input, I/O faults, device faults and broken
// internal invariants throw vashista::Error. `apps/vashista` maps each ErrorKind to the
// documented process exit code (docs/cli.md):
//
//   exit 0  success, every bound holds
//   exit 1  a bound violation or an unsound kernel certificate was found (a finding, not an error)
//   exit 2  ErrorKind::usage or ErrorKind::bad_input (bad command line, malformed trace)
//   exit 3  ErrorKind::io          (a file could not be read or written for system reasons)
//   exit 4  ErrorKind::device      (CUDA device missing or failed)
//   exit 5  ErrorKind::internal    (a broken invariant: a bug in vashista)
//   exit 128 + signal: interrupted (130 SIGINT, 143 SIGTERM, 129 SIGHUP, 131 SIGQUIT, 141 SIGPIPE;
//            report/atomic_file.hpp: no partial output is left behind)
#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace vashista {

enum class ErrorKind { usage, bad_input, io, device, internal };

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const noexcept { return kind_; }

 private:
  ErrorKind kind_;
};

/// Process exit code for an error kind (see the table above).
constexpr int exit_code_for(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::usage:
    case ErrorKind::bad_input: return 2;
    case ErrorKind::io: return 3;
    case ErrorKind::device: return 4;
    case ErrorKind::internal: return 5;
  }
  return 5;
}

constexpr int kExitOk = 0;
constexpr int kExitViolation = 1;

}  // namespace vashista

/// VASHISTA_CHECK(condition, kind, fmt-format, args...): throw vashista::Error(kind, message)
/// when condition is false. Messages are one line and name the file, the object and the problem,
/// e.g. VASHISTA_CHECK(n > 0, ErrorKind::bad_input, "{}: {}: dataset is empty", file, path).
#define VASHISTA_CHECK(condition, kind, ...)                                        \
  do {                                                                             \
    if (!(condition)) {                                                            \
      throw ::vashista::Error(::vashista::kind, ::fmt::format(__VA_ARGS__));       \
    }                                                                              \
  } while (false)

/// VASHISTA_FAIL(kind, fmt-format, args...): throw unconditionally.
#define VASHISTA_FAIL(kind, ...) throw ::vashista::Error(::vashista::kind, ::fmt::format(__VA_ARGS__))
