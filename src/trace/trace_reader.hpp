#pragma once
// Reading and validating traces in format v1 (docs/trace-format.md).
//
// Two interfaces:
//   read_trace(path)                  the whole file in memory (small traces, tests);
//   open_trace / list_streams / read_stream
//                                     one stream at a time, so that memory is bounded by the
//                                     largest stream, not the file.
// Every malformed input throws Error(bad_input) with a one-line message
// "<file>: <object path>: <problem>"; a missing or unreadable file is also bad_input (exit 2), since
// it is a wrong argument rather than a system fault. Files are opened read-only (H5F_ACC_RDONLY) and
// HDF5's own error stack is silenced.
#include "trace/trace.hpp"

#include <memory>
#include <string>
#include <vector>

namespace vashista {

struct TraceReadOptions {
  /// Glob patterns (fnmatch) on stream names; empty = every stream.
  std::vector<std::string> stream_patterns;
};

/// An open trace file (read-only). Root attributes are validated on open. Movable, not copyable;
/// closes the file when destroyed.
class TraceFile {
 public:
  TraceFile(TraceFile&&) noexcept;
  TraceFile& operator=(TraceFile&&) noexcept;
  ~TraceFile();

  const std::string& path() const { return path_; }
  const std::string& format() const { return format_; }
  int version() const { return version_; }
  const std::string& source() const { return source_; }
  const std::string& created_by() const { return created_by_; }
  /// Every stream name under /streams, in HDF5 name order (at least one; checked on open).
  const std::vector<std::string>& stream_names() const { return stream_names_; }

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  friend TraceFile open_trace(const std::string& path);
  TraceFile();
  std::unique_ptr<Impl> impl_;
  std::string path_, format_, source_, created_by_;
  int version_ = 0;
  std::vector<std::string> stream_names_;
};

/// Opens `path` read-only and checks: an HDF5 file, not truncated, root attributes format =
/// "vashista-trace" and version = 1, a /streams group with at least one stream.
TraceFile open_trace(const std::string& path);

/// Stream names matching any of the glob patterns (all when `patterns` is empty), in file order.
/// Error(usage) naming the patterns when nothing matches.
std::vector<std::string> list_streams(const TraceFile& file, const std::vector<std::string>& patterns = {});

/// Reads and validates one stream (keys, queries, optional values / query_length / query_head /
/// position, kernel group, planted truth). Error(bad_input) when `name` is not a stream.
Stream read_stream(const TraceFile& file, const std::string& name);

/// Number of queries m of a stream, from its dataspace only (no data read).
Index stream_query_count(const TraceFile& file, const std::string& name);

/// The whole trace (streams filtered by options.stream_patterns; Error(bad_input) when patterns are
/// given and none matches).
Trace read_trace(const std::string& path, const TraceReadOptions& options = {});

}  // namespace vashista
