// Every malformed input gives Error(bad_input) with a one-line message naming the file and the
// object path (docs/trace-format.md, "Errors"). Bad files are made by editing a good one with the
// HDF5 C API, or by truncating / replacing it.
#include "bad_trace_checks.hpp"
#include "trace_test_util.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using namespace vashista;
using namespace vashista::test;

TEST_CASE("file-level errors: missing, not HDF5, truncated, root attributes, no streams") {
  ScratchDir dir("file");
  CHECK(bad_input_message(dir.file("does_not_exist.h5")).find("cannot open trace") != std::string::npos);

  { std::ofstream(dir.file("text.h5")) << "this is not an HDF5 file\n"; }
  CHECK(bad_input_message(dir.file("text.h5")).find("not an HDF5 file") != std::string::npos);

  const std::string good = good_file(dir, "good.h5");
  for (const double fraction : {0.5, 0.9}) {
    const std::string cut = dir.file("truncated.h5");
    std::filesystem::copy_file(good, cut, std::filesystem::copy_options::overwrite_existing);
    const auto size = std::filesystem::file_size(cut);
    std::filesystem::resize_file(cut, static_cast<uintmax_t>(static_cast<double>(size) * fraction));
    const std::string message = bad_input_message(cut);
    CAPTURE(message);
    CHECK((message.find("truncated") != std::string::npos || message.find("corrupt") != std::string::npos));
  }

  expect_bad("no_format", [](hid_t f) { H5Adelete(f, "format"); }, ": /:", "missing root attribute 'format'");
  expect_bad("wrong_format", [](hid_t f) { write_string_attr(f, "format", "other-trace"); }, ": /:",
             "format = 'other-trace'");
  expect_bad("no_version", [](hid_t f) { H5Adelete(f, "version"); }, ": /:", "missing root attribute 'version'");
  expect_bad("version_2", [](hid_t f) { write_int_attr(f, "version", 2); }, ": /:", "unknown format version 2");
  expect_bad("no_streams_group", [](hid_t f) { H5Ldelete(f, "streams", H5P_DEFAULT); }, "/streams", "missing group");
  expect_bad("empty_streams", [](hid_t f) { H5Ldelete(f, "streams/s", H5P_DEFAULT); }, "/streams", "no streams");
  expect_bad("stream_not_group", [](hid_t f) {
    H5Ldelete(f, "streams/s", H5P_DEFAULT);
    replace_dataset(f, "streams/s", {2});
  }, "/streams/s", "is not a group");
}

TEST_CASE("stream-level errors name the dataset") {
  expect_bad("missing_keys", [](hid_t f) { H5Ldelete(f, "streams/s/keys", H5P_DEFAULT); }, "/streams/s/keys",
             "missing dataset");
  expect_bad("missing_queries", [](hid_t f) { H5Ldelete(f, "streams/s/queries", H5P_DEFAULT); },
             "/streams/s/queries", "missing dataset");
  expect_bad("keys_rank1", [](hid_t f) { replace_dataset(f, "streams/s/keys", {8}); }, "/streams/s/keys", "wrong rank 1");
  expect_bad("queries_rank3", [](hid_t f) { replace_dataset(f, "streams/s/queries", {4, 3, 1}); },
             "/streams/s/queries", "wrong rank 3");
  expect_bad("d_mismatch", [](hid_t f) { replace_dataset(f, "streams/s/queries", {4, 5}); }, "/streams/s/queries",
             "d mismatch");
  expect_bad("n_zero", [](hid_t f) {
    H5Ldelete(f, "streams/s/values", H5P_DEFAULT);
    H5Ldelete(f, "streams/s/kernel", H5P_DEFAULT);
    H5Ldelete(f, "streams/s/query_length", H5P_DEFAULT);
    replace_dataset(f, "streams/s/keys", {0, 3});
  }, "/streams/s/keys", "n = 0");
  expect_bad("m_zero", [](hid_t f) { replace_dataset(f, "streams/s/queries", {0, 3}); }, "/streams/s/queries", "m = 0");
  expect_bad("values_rows", [](hid_t f) { replace_dataset(f, "streams/s/values", {7, 2}); }, "/streams/s/values",
             "7 rows, but keys have n = 8");
  expect_bad("query_length_zero", [](hid_t f) { replace_dataset(f, "streams/s/query_length", {4}, 0.0, H5T_STD_I64LE); },
             "/streams/s/query_length", "query_length[0] = 0 is outside [1, n = 8]");
  expect_bad("query_length_big", [](hid_t f) { replace_dataset(f, "streams/s/query_length", {4}, 9.0, H5T_STD_I32LE); },
             "/streams/s/query_length", "= 9 is outside [1, n = 8]");
  expect_bad("query_length_length", [](hid_t f) { replace_dataset(f, "streams/s/query_length", {3}, 2.0, H5T_STD_I64LE); },
             "/streams/s/query_length", "wrong length 3");
  expect_bad("query_length_float", [](hid_t f) { replace_dataset(f, "streams/s/query_length", {4}, 2.0); },
             "/streams/s/query_length", "unsupported dtype");
  expect_bad("query_head_length", [](hid_t f) { replace_dataset(f, "streams/s/query_head", {5}, 0.0, H5T_STD_I32LE); },
             "/streams/s/query_head", "wrong length 5");
  expect_bad("position_length", [](hid_t f) { replace_dataset(f, "streams/s/position", {2}, 0.0, H5T_STD_I64LE); },
             "/streams/s/position", "wrong length 2");
  expect_bad("bad_scale", [](hid_t f) {
    const hid_t g = H5Gopen2(f, "streams/s", H5P_DEFAULT);
    write_int_attr(g, "scale", -1);
    H5Gclose(g);
  }, "/streams/s", "scale = -1");
}

TEST_CASE("NaN / Inf anywhere in keys, values, queries: the row is named") {
  expect_bad("nan_keys", [](hid_t f) { poke(f, "streams/s/keys", 3 * 3 + 1, std::nan("")); }, "/streams/s/keys",
             "row 3 holds a non-finite value (nan in column 1)");
  expect_bad("inf_values", [](hid_t f) { poke(f, "streams/s/values", 7 * 2 + 0, -INFINITY); }, "/streams/s/values",
             "row 7 holds a non-finite value (-inf in column 0)");
  expect_bad("inf_queries", [](hid_t f) { poke(f, "streams/s/queries", 2 * 3 + 2, INFINITY); }, "/streams/s/queries",
             "row 2 holds a non-finite value (inf in column 2)");
  // 16-bit storage: a float16 inf pattern is decoded and rejected the same way.
  ScratchDir dir("nan16");
  Trace trace;
  trace.streams.push_back(small_stream("h", 4, 2, 2, 1, StorageDtype::float16));
  trace.streams[0].keys(2, 1) = INFINITY;  // the writer stores it (non-finite input is not an overflow)
  TraceWriteOptions options;
  options.dtype = StorageDtype::float16;
  write_trace(trace, dir.file("inf16.h5"), options);
  CHECK(bad_input_message(dir.file("inf16.h5")).find("/streams/h/keys: row 2") != std::string::npos);
}

TEST_CASE("unsupported dtypes") {
  expect_bad("int_keys", [](hid_t f) { replace_dataset(f, "streams/s/keys", {8, 3}, 1.0, H5T_STD_I32LE); },
             "/streams/s/keys", "unsupported dtype int32");
  expect_bad("uint16_no_tag", [](hid_t f) { replace_dataset(f, "streams/s/keys", {8, 3}, 1.0, H5T_STD_U16LE); },
             "/streams/s/keys", "uint16 without dtype=\"bfloat16\"");
  expect_bad("bf16_tag_on_float", [](hid_t f) {
    const hid_t d = H5Dopen2(f, "streams/s/queries", H5P_DEFAULT);
    write_string_attr(d, "dtype", "bfloat16");
    H5Dclose(d);
  }, "/streams/s/queries", "unsupported dtype");
  expect_bad("string_values", [](hid_t f) {
    H5Ldelete(f, "streams/s/values", H5P_DEFAULT);
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, 4);
    const hsize_t dims[2] = {8, 2};
    const hid_t space = H5Screate_simple(2, dims, nullptr);
    H5Dclose(H5Dcreate2(f, "streams/s/values", type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    H5Sclose(space);
    H5Tclose(type);
  }, "/streams/s/values", "unsupported dtype");
}

TEST_CASE("values stored outside the trace, dangling links, odd floats, tags and strings are refused") {
  // A virtual dataset whose source is missing reads as its fill value; external raw storage reads zeros past
  // the end of its file: both were read silently.
  expect_bad("virtual_keys", [](hid_t f) {
    H5Ldelete(f, "streams/s/keys", H5P_DEFAULT);
    const hsize_t dims[2] = {8, 3};
    const hid_t space = H5Screate_simple(2, dims, nullptr);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_virtual(dcpl, space, "/nonexistent/source.h5", "/k", space);
    H5Dclose(H5Dcreate2(f, "streams/s/keys", H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
    H5Pclose(dcpl);
    H5Sclose(space);
  }, "/streams/s/keys", "virtual dataset");
  expect_bad("external_values", [](hid_t f) {
    H5Ldelete(f, "streams/s/values", H5P_DEFAULT);
    const hsize_t dims[2] = {8, 2};
    const hid_t space = H5Screate_simple(2, dims, nullptr);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_external(dcpl, "/nonexistent/raw.bin", 0, 8 * 2 * 8);
    H5Dclose(H5Dcreate2(f, "streams/s/values", H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
    H5Pclose(dcpl);
    H5Sclose(space);
  }, "/streams/s/values", "external raw storage");
  expect_bad("dangling_soft_link", [](hid_t f) {
    H5Ldelete(f, "streams/s/queries", H5P_DEFAULT);
    H5Lcreate_soft("/nowhere", f, "streams/s/queries", H5P_DEFAULT, H5P_DEFAULT);
  }, "/streams/s/queries", "is a link whose target cannot be opened");
  // A float32 with another exponent bias would be converted by HDF5 into other numbers.
  expect_bad("non_ieee_float32", [](hid_t f) {
    const hid_t type = H5Tcopy(H5T_IEEE_F32LE);
    H5Tset_ebias(type, 100);
    replace_dataset(f, "streams/s/keys", {8, 3}, 0.5, type);
    H5Tclose(type);
  }, "/streams/s/keys", "32-bit float of non-IEEE layout");
  expect_bad("dtype_tag_not_a_string", [](hid_t f) {
    const hid_t d = H5Dopen2(f, "streams/s/queries", H5P_DEFAULT);
    write_int_attr(d, "dtype", 16);
    H5Dclose(d);
  }, "/streams/s/queries", "'dtype' attribute that is not one string");
  expect_bad("uint16_other_tag", [](hid_t f) {
    replace_dataset(f, "streams/s/keys", {8, 3}, 1.0, H5T_STD_U16LE);
    const hid_t d = H5Dopen2(f, "streams/s/keys", H5P_DEFAULT);
    write_string_attr(d, "dtype", "float16");
    H5Dclose(d);
  }, "/streams/s/keys", "uint16 with dtype=\"float16\" attribute");
  // HDF5's string conversion stops at a NUL: "vashista-trace\0junk" was read as "vashista-trace".
  expect_bad("format_with_nul", [](hid_t f) { write_string_attr(f, "format", std::string("vashista-trace\0junk", 19)); },
             ": /:", "attribute 'format' holds a NUL character");
  // HDF5 clamps a uint64 beyond INT64_MAX to INT64_MAX when converting.
  expect_bad("query_length_uint64", [](hid_t f) {
    replace_dataset(f, "streams/s/query_length", {4}, 2.0, H5T_STD_U64LE);
    poke(f, "streams/s/query_length", 1, 9223372036854775808.0);
  }, "/streams/s/query_length", "[1] = 9223372036854775808 is beyond the int64 range");
}

TEST_CASE("kernel group shape mismatches") {
  expect_bad("kernel_lse", [](hid_t f) { replace_dataset(f, "streams/s/kernel/lse", {1, 3}); }, "/streams/s/kernel/lse",
             "does not match [E, m]");
  expect_bad("kernel_tail", [](hid_t f) { replace_dataset(f, "streams/s/kernel/tail_bound", {2, 4}); },
             "/streams/s/kernel/tail_bound", "does not match [E, m]");
  expect_bad("kernel_missing_eps", [](hid_t f) { H5Ldelete(f, "streams/s/kernel/eps", H5P_DEFAULT); },
             "/streams/s/kernel/eps", "missing dataset");
  expect_bad("kernel_bad_eps", [](hid_t f) { poke(f, "streams/s/kernel/eps", 0, -1.0); }, "/streams/s/kernel/eps",
             "eps[0] = -1");
  expect_bad("kernel_pages_shape", [](hid_t f) {
    replace_dataset(f, "streams/s/kernel/selected_pages", {1, 3, 2}, 0.0, H5T_STD_I32LE);
  }, "/streams/s/kernel/selected_pages", "[E, m, Pmax]");
  expect_bad("kernel_page_range", [](hid_t f) {
    replace_dataset(f, "streams/s/kernel/selected_pages", {1, 4, 2}, 2.0, H5T_STD_I32LE);  // n = 8, B = 4: pages 0, 1
  }, "/streams/s/kernel/selected_pages", "is not a page index in [0, 2)");
  expect_bad("kernel_output_dv", [](hid_t f) { replace_dataset(f, "streams/s/kernel/output", {1, 4, 5}); },
             "/streams/s/kernel/output", "d_v = 5 does not match values d_v = 2");
  expect_bad("kernel_page_size", [](hid_t f) {
    const hid_t g = H5Gopen2(f, "streams/s/kernel", H5P_DEFAULT);
    write_int_attr(g, "page_size", 0);
    H5Gclose(g);
  }, "/streams/s/kernel", "page_size = 0");
}

TEST_CASE("readers never open inputs for writing; chunked and contiguous both read") {
  ScratchDir dir("ro");
  const std::string path = good_file(dir, "g.h5");
  // contiguous (unchunked) datasets written with the raw API are read like chunked ones
  edit_file(path, [](hid_t f) { replace_dataset(f, "streams/s/values", {8, 2}, 0.25); });
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::group_read |
                                         std::filesystem::perms::others_read);
  const Trace t = read_trace(path);
  CHECK(t.streams[0].values(5, 1) == 0.25);
  CHECK(summarize_trace(path).streams[0].storage.find("chunked") == 0);
  CHECK(open_trace(path).stream_names() == std::vector<std::string>{"s"});
}
