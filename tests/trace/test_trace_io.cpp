// Trace format v1: write/read round trips for every dtype, kernel group, copy_trace_with_kernel,
// atomic output, stream filters.
#include "report/atomic_file.hpp"
#include "trace/trace_reader.hpp"
#include "trace/trace_summary.hpp"
#include "trace/trace_writer.hpp"
#include "trace_test_util.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

using namespace vashista;
using vashista::test::ScratchDir;
using vashista::test::small_stream;

namespace {

KernelOutputs small_kernel(Index n, Index m, Index dv, StorageDtype dtype) {
  KernelOutputs k;
  k.name = "vsa-reference";
  k.version = "1";
  k.bound = "minmax";
  k.device = "cpu-reference";
  k.compute_dtype = "float64";
  k.page_size = 4;
  k.page_budget = 2;
  k.eps = {0.5, 1.0};
  const Index pages = (n + k.page_size - 1) / k.page_size;
  k.selected_pages.assign(2, std::vector<std::vector<int32_t>>(static_cast<size_t>(m)));
  k.lse.resize(2, m);
  k.tail_bound.resize(2, m);
  for (int e = 0; e < 2; ++e) {
    Matrix o(m, dv);
    for (Index j = 0; j < m; ++j) {
      k.selected_pages[e][j] = {0, static_cast<int32_t>(pages - 1)};
      if (j % 2 == 1) k.selected_pages[e][j].push_back(1);  // ragged lists: -1 padding in the file
      k.lse(e, j) = quantize(1.25 * (e + 1) + 0.5 * static_cast<double>(j), dtype);
      k.tail_bound(e, j) = quantize(std::ldexp(1.0, -3 - static_cast<int>(j)), dtype);
      for (Index c = 0; c < dv; ++c) o(j, c) = quantize(0.125 * static_cast<double>(c - j), dtype);
    }
    k.output.push_back(o);
  }
  return k;
}

void check_same_stream(const Stream& a, const Stream& b) {
  CHECK(a.name == b.name);
  CHECK(a.layer == b.layer);
  CHECK(a.kv_head == b.kv_head);
  CHECK(a.scale == b.scale);
  CHECK(a.keys == b.keys);  // exact: values are representable in the storage dtype
  CHECK(a.values == b.values);
  CHECK(a.queries == b.queries);
  CHECK(a.query_length == b.query_length);
  CHECK(a.query_head == b.query_head);
  CHECK(a.position == b.position);
}

}  // namespace

TEST_CASE("round trip for every storage dtype, including subnormals and extremes") {
  ScratchDir dir("roundtrip");
  for (StorageDtype dtype : {StorageDtype::float64, StorageDtype::float32, StorageDtype::float16, StorageDtype::bfloat16}) {
    const std::string dtype_name = to_string(dtype);
    CAPTURE(dtype_name);
    Trace trace;
    trace.source = "unit test";
    trace.created_by = "test_trace";
    trace.streams.push_back(small_stream("L00_H0", 37, 5, 3, 4, dtype, 7));
    trace.streams.push_back(small_stream("seq1.L01_H2", 9, 5, 2, 1, dtype, 8));
    Stream& s = trace.streams[0];
    // Extremes of the 16-bit formats: smallest/largest subnormal, smallest normal, largest finite.
    const double f16_min_sub = std::ldexp(1.0, -24), bf16_min_sub = std::ldexp(1.0, -133);
    if (dtype == StorageDtype::float16) {
      s.keys(0, 0) = f16_min_sub;
      s.keys(0, 1) = -std::ldexp(1023.0, -24);
      s.keys(0, 2) = std::ldexp(1.0, -14);
      s.keys(0, 3) = 65504.0;
      s.keys(0, 4) = -0.0;
    } else if (dtype == StorageDtype::bfloat16) {
      s.keys(0, 0) = bf16_min_sub;
      s.keys(0, 1) = -std::ldexp(127.0, -133);
      s.keys(0, 2) = std::ldexp(1.0, -126);
      s.keys(0, 3) = bfloat16_to_double(0x7f7f);
      s.keys(0, 4) = -0.0;
    } else {
      s.keys(0, 0) = dtype == StorageDtype::float32 ? static_cast<double>(std::numeric_limits<float>::denorm_min())
                                                   : std::numeric_limits<double>::denorm_min();
    }
    s.kernel = small_kernel(s.num_keys(), s.num_queries(), s.values.cols(), StorageDtype::float32);
    TraceWriteOptions options;
    options.dtype = dtype;
    options.chunk_bytes = 64;  // many chunks
    const std::string path = dir.file(std::string("t_") + to_string(dtype) + ".h5");
    write_trace(trace, path, options);

    const Trace back = read_trace(path);
    CHECK(back.format == "vashista-trace");
    CHECK(back.version == 1);
    CHECK(back.source == "unit test");
    CHECK(back.created_by == "test_trace");
    REQUIRE(back.streams.size() == 2);
    // HDF5 iterates names in order: "L00_H0" < "seq1.L01_H2"
    check_same_stream(back.streams[0], trace.streams[0]);
    check_same_stream(back.streams[1], trace.streams[1]);
    if (dtype == StorageDtype::float16 || dtype == StorageDtype::bfloat16) {
      CHECK(back.streams[0].keys(0, 4) == 0.0);
      CHECK(std::signbit(back.streams[0].keys(0, 4)));  // -0 survives
    }

    // Kernel group round trip (float32 storage of representable values: exact), -1 padding removed.
    REQUIRE(back.streams[0].kernel.has_value());
    const KernelOutputs& k = *back.streams[0].kernel;
    const KernelOutputs& k0 = *trace.streams[0].kernel;
    CHECK(k.name == k0.name);
    CHECK(k.bound == "minmax");
    CHECK(k.device == "cpu-reference");
    CHECK(k.page_size == 4);
    CHECK(k.page_budget == 2);
    CHECK(k.sink_pages == 1);
    CHECK(k.eps == k0.eps);
    CHECK(k.selected_pages == k0.selected_pages);
    CHECK(k.lse == k0.lse);
    CHECK(k.tail_bound == k0.tail_bound);
    REQUIRE(k.output.size() == 2);
    CHECK(k.output[1] == k0.output[1]);
    CHECK_FALSE(back.streams[1].kernel.has_value());

    // inspect sees the storage dtype and the chunked + gzip layout
    const TraceSummary summary = summarize_trace(path);
    REQUIRE(summary.streams.size() == 2);
    CHECK(summary.streams[0].dtype == to_string(dtype));
    CHECK(summary.streams[0].storage.find("chunked") == 0);
    CHECK(summary.streams[0].storage.find("gzip(4)") != std::string::npos);
    CHECK(summary.streams[0].kernel_E == 2);
    CHECK(summary.streams[0].query_length_min == 34);
    CHECK(summary.streams[0].query_length_max == 37);
  }
}

TEST_CASE("writer rounds to nearest even and rounds kernel tail_bound up") {
  ScratchDir dir("rounding");
  Trace trace;
  trace.streams.push_back(small_stream("s", 8, 2, 2, 2, StorageDtype::float64));
  trace.streams[0].keys(0, 0) = 1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -40);  // f16: just above a tie
  KernelOutputs k = small_kernel(8, 2, 2, StorageDtype::float64);
  k.tail_bound(0, 0) = 0.7;  // 0.7f < 0.7: the stored certificate must be the next float up
  k.lse(0, 0) = 0.7;         // ordinary rounding to nearest
  trace.streams[0].kernel = k;
  TraceWriteOptions options;
  options.dtype = StorageDtype::float16;
  write_trace(trace, dir.file("r.h5"), options);
  const Trace back = read_trace(dir.file("r.h5"));
  CHECK(back.streams[0].keys(0, 0) == 1.0 + std::ldexp(1.0, -10));
  REQUIRE(static_cast<double>(0.7f) < 0.7);
  CHECK(back.streams[0].kernel->tail_bound(0, 0) >= 0.7);
  CHECK(back.streams[0].kernel->tail_bound(0, 0) == static_cast<double>(std::nextafter(0.7f, 1.0f)));
  CHECK(back.streams[0].kernel->lse(0, 0) == static_cast<double>(0.7f));
  // a value beyond float16's range is refused, not silently turned into inf
  trace.streams[0].keys(1, 1) = 1e6;
  CHECK_THROWS_AS(write_trace(trace, dir.file("overflow.h5"), options), Error);
  CHECK_FALSE(std::filesystem::exists(dir.file("overflow.h5")));
}

TEST_CASE("atomic writes: no overwrite without permission, nothing left behind on failure") {
  ScratchDir dir("atomic");
  Trace trace;
  trace.streams.push_back(small_stream("a", 6, 3, 2, 2, StorageDtype::float32));
  const std::string path = dir.file("t.h5");
  write_trace(trace, path);
  try {
    write_trace(trace, path);
    FAIL("expected refusal to overwrite");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::usage);
    CHECK(std::string(e.what()).find("t.h5") != std::string::npos);
  }
  TraceWriteOptions overwrite;
  overwrite.overwrite = true;
  trace.streams[0].layer = 42;
  write_trace(trace, path, overwrite);
  CHECK(read_trace(path).streams[0].layer == 42);

  // A bad second stream fails after the first was written: no output, no temporary.
  Stream bad = small_stream("b", 6, 4, 2, 2, StorageDtype::float32);
  bad.queries = Matrix::Zero(2, 3);  // d mismatch
  trace.streams.push_back(bad);
  try {
    write_trace(trace, dir.file("fail.h5"));
    FAIL("expected bad_input");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::bad_input);
    CHECK(std::string(e.what()).find("/streams/b/queries") != std::string::npos);
  }
  CHECK(dir.count_entries() == 1);  // only t.h5

  // Missing directory: Error(io).
  try {
    write_trace(trace, dir.file("no_such_dir/x.h5"));
    FAIL("expected io");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::io);
  }
}

TEST_CASE("TemporaryPath and AtomicFile-style registry: pending temporaries are removable") {
  ScratchDir dir("temp");
  {
    TemporaryPath temp(dir.file("out.csv"));
    { std::ofstream(temp.path()) << "x\n"; }
    CHECK(std::filesystem::exists(temp.path()));
    remove_pending_temporaries();  // what the SIGINT handler does
    CHECK_FALSE(std::filesystem::exists(temp.path()));
  }
  {
    TemporaryPath temp(dir.file("out.csv"));
    { std::ofstream(temp.path()) << "y\n"; }
    temp.commit();
    remove_pending_temporaries();  // committed files are not touched
  }
  CHECK(std::filesystem::exists(dir.file("out.csv")));
  CHECK(dir.count_entries() == 1);
  {
    TemporaryPath temp(dir.file("gone.csv"));
    { std::ofstream(temp.path()) << "z\n"; }
  }  // destroyed without commit
  CHECK(dir.count_entries() == 1);
}

TEST_CASE("stream filters and the per-stream interface") {
  ScratchDir dir("filters");
  Trace trace;
  for (const char* name : {"L00_H0", "L00_H1", "L01_H0"}) trace.streams.push_back(small_stream(name, 5, 2, 2, 3, StorageDtype::float32));
  write_trace(trace, dir.file("t.h5"));
  const TraceFile file = open_trace(dir.file("t.h5"));
  CHECK(file.stream_names().size() == 3);
  CHECK(list_streams(file, {"L00_*"}) == std::vector<std::string>{"L00_H0", "L00_H1"});
  CHECK(list_streams(file, {"*_H0", "L00_H1"}).size() == 3);
  CHECK_THROWS_WITH_AS(list_streams(file, {"nothing*"}),
                       doctest::Contains("no stream matches --streams nothing* (streams: L00_H0, L00_H1, L01_H0)"), Error);
  CHECK(stream_query_count(file, "L01_H0") == 3);
  CHECK(read_stream(file, "L01_H0").num_keys() == 5);
  CHECK_THROWS_AS(read_stream(file, "L02_H0"), Error);
  TraceReadOptions options;
  options.stream_patterns = {"L01*"};
  CHECK(read_trace(dir.file("t.h5"), options).streams.size() == 1);
  options.stream_patterns = {"zzz"};
  CHECK_THROWS_AS(read_trace(dir.file("t.h5"), options), Error);
}

TEST_CASE("copy_trace_with_kernel keeps original dtypes and storage, adds and replaces kernel groups") {
  ScratchDir dir("copy");
  Trace trace;
  trace.source = "copy test";
  trace.streams.push_back(small_stream("a", 10, 4, 3, 2, StorageDtype::bfloat16));
  trace.streams.push_back(small_stream("b", 12, 4, 3, 3, StorageDtype::bfloat16));
  trace.streams[1].kernel = small_kernel(12, 3, 3, StorageDtype::float32);
  TraceWriteOptions options;
  options.dtype = StorageDtype::bfloat16;
  options.gzip_level = 7;
  const std::string src = dir.file("src.h5");
  write_trace(trace, src, options);
  std::ifstream before_stream(src, std::ios::binary);
  const std::string before((std::istreambuf_iterator<char>(before_stream)), {});

  std::map<std::string, KernelOutputs> kernels;
  kernels["a"] = small_kernel(10, 2, 3, StorageDtype::float32);
  KernelOutputs replacement = small_kernel(12, 3, 3, StorageDtype::float32);
  replacement.device = "NVIDIA H100";
  replacement.eps = {2.0, 4.0};
  kernels["b"] = replacement;
  const std::string dst = dir.file("dst.h5");
  copy_trace_with_kernel(src, dst, kernels);

  std::ifstream after_stream(src, std::ios::binary);
  const std::string after((std::istreambuf_iterator<char>(after_stream)), {});
  CHECK(before == after);  // the input is never modified

  const TraceSummary summary = summarize_trace(dst);
  CHECK(summary.source == "copy test");
  REQUIRE(summary.streams.size() == 2);
  for (const StreamInfo& info : summary.streams) {
    CHECK(info.dtype == "bfloat16");
    CHECK(info.storage.find("gzip(7)") != std::string::npos);
    CHECK(info.has_kernel);
  }
  const Trace original = read_trace(src);
  const Trace copied = read_trace(dst);
  check_same_stream(copied.streams[0], original.streams[0]);
  check_same_stream(copied.streams[1], original.streams[1]);
  CHECK(copied.streams[0].kernel->selected_pages == kernels["a"].selected_pages);
  CHECK(copied.streams[1].kernel->device == "NVIDIA H100");
  CHECK(copied.streams[1].kernel->eps == std::vector<double>{2.0, 4.0});

  // Refusals: same file, unknown stream, kernel shape mismatch (and no output left behind).
  CHECK_THROWS_AS(copy_trace_with_kernel(src, src, kernels), Error);
  const size_t entries = dir.count_entries();
  std::map<std::string, KernelOutputs> unknown{{"zzz", kernels["a"]}};
  CHECK_THROWS_AS(copy_trace_with_kernel(src, dir.file("x.h5"), unknown), Error);
  std::map<std::string, KernelOutputs> wrong{{"a", small_kernel(10, 5, 3, StorageDtype::float32)}};
  try {
    copy_trace_with_kernel(src, dir.file("y.h5"), wrong);
    FAIL("expected bad_input");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::bad_input);
    CHECK(std::string(e.what()).find("/streams/a/kernel") != std::string::npos);
  }
  CHECK(dir.count_entries() == entries);
}
