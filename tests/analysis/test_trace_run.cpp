// run_over_streams (analysis/trace_run.hpp): an error raised by a solver while a stream is evaluated names
// the trace and the stream (the solvers' own messages name only the query).
#include "analysis/trace_run.hpp"
#include "trace/trace_test_util.hpp"
#include "trace/trace_writer.hpp"

#include <doctest/doctest.h>

namespace vashista {

TEST_CASE("run_over_streams: a solver's error names the file and the stream") {
  test::ScratchDir dir("trace_run");
  Trace trace;
  trace.streams.push_back(test::small_stream("fine", 8, 3, 2, 2, StorageDtype::float64));
  Stream huge = test::small_stream("huge", 8, 3, 2, 2, StorageDtype::float64);
  huge.keys *= 1e160;  // finite, but beyond what the hull certificate handles (norms up to ~1e154)
  trace.streams.push_back(huge);
  TraceWriteOptions options;
  options.dtype = StorageDtype::float64;
  const std::string path = dir.file("huge_keys.h5");
  write_trace(trace, path, options);

  TraceRunSettings settings;
  settings.path = path;
  settings.plan.models.softmax = false;
  settings.plan.eps = {1.0};
  settings.progress = false;
  std::string message;
  try {
    run_over_streams(settings, [](const Stream&, const std::vector<QueryRecord>&) {});
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::bad_input);
    message = e.what();
  }
  CAPTURE(message);
  CHECK(message.find(path + ": /streams/huge: hull projection: keys: row 0") == 0);
  CHECK(message.find('\n') == std::string::npos);
}

}  // namespace vashista
