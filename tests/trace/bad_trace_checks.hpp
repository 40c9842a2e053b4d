#pragma once
// Checks of malformed traces shared by the validation tests: a good file to break, and the one-line
// bad_input message that read_trace and summarize_trace (inspect) must both give for it.
#include "trace/trace_reader.hpp"
#include "trace/trace_summary.hpp"
#include "trace/trace_writer.hpp"
#include "trace_test_util.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <functional>
#include <string>

namespace vashista::test {

/// A good file (one stream "s": n = 8, d = 3, d_v = 2, m = 4, float64, with a kernel group).
inline std::string good_file(const ScratchDir& dir, const std::string& name) {
  Trace trace;
  Stream s = small_stream("s", 8, 3, 2, 4, StorageDtype::float64);
  KernelOutputs k;
  k.page_size = 4;
  k.eps = {1.0};
  k.selected_pages = {{{0}, {0, 1}, {1}, {0}}};
  k.lse = Matrix::Constant(1, 4, 0.5);
  k.tail_bound = Matrix::Constant(1, 4, 1e-3);
  k.output = {Matrix::Zero(4, 2)};
  s.kernel = k;
  trace.streams.push_back(s);
  TraceWriteOptions options;
  options.dtype = StorageDtype::float64;
  const std::string path = dir.file(name);
  write_trace(trace, path, options);
  return path;
}

/// Reads the whole trace and returns the bad_input message (fails the test otherwise).
inline std::string bad_input_message(const std::string& path) {
  try {
    (void)read_trace(path);
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::bad_input);
    const std::string message = e.what();
    CHECK(message.find('\n') == std::string::npos);  // one line
    CHECK(message.find(std::filesystem::path(path).filename().string()) != std::string::npos);
    // inspect reports the same error
    CHECK_THROWS_WITH_AS(summarize_trace(path), message.c_str(), Error);
    return message;
  }
  FAIL("no error for " << path);
  return {};
}

/// Edits a fresh good file and checks the message names `object` and contains `problem`.
inline void expect_bad(const std::string& case_name, const std::function<void(hid_t)>& edit, const std::string& object,
                const std::string& problem) {
  ScratchDir dir("bad");
  const std::string path = good_file(dir, case_name + ".h5");
  edit_file(path, edit);
  const std::string message = bad_input_message(path);
  CAPTURE(case_name);
  CAPTURE(message);
  CHECK(message.find(object) != std::string::npos);
  CHECK(message.find(problem) != std::string::npos);
}

}  // namespace vashista::test
