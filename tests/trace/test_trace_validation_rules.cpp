// Validation rules of docs/trace-format.md not covered by test_trace_validation.cpp: every malformed
// input gives Error(bad_input) with one line naming the file, the object path and the problem; the
// storage variants the doc promises to read (byte order, fletcher32, scale-offset) read exactly.
#include "trace/trace_reader.hpp"
#include "trace/trace_summary.hpp"
#include "trace/trace_writer.hpp"
#include "bad_trace_checks.hpp"
#include "trace_test_util.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>

using namespace vashista;
using namespace vashista::test;

namespace {

// --- local helpers ------------------------------------------------------------------------------

/// An edit that runs `edit` on the group `group` of the file.
std::function<void(hid_t)> in_group(const std::string& group, const std::function<void(hid_t)>& edit) {
  return [group, edit](hid_t f) {
    const hid_t g = H5Gopen2(f, group.c_str(), H5P_DEFAULT);
    edit(g);
    H5Gclose(g);
  };
}

/// (Re)writes a numeric attribute of type `file_type` from doubles; dims {} = scalar.
void write_number_attr(hid_t obj, const char* name, hid_t file_type, const std::vector<hsize_t>& dims,
                       const std::vector<double>& values) {
  if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
  const hid_t space = dims.empty() ? H5Screate(H5S_SCALAR)
                                   : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  const hid_t attr = H5Acreate2(obj, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(attr, H5T_NATIVE_DOUBLE, values.data());
  H5Aclose(attr);
  H5Sclose(space);
}

void write_double_attr(hid_t obj, const char* name, double value) {
  write_number_attr(obj, name, H5T_IEEE_F64LE, {}, {value});
}

/// (Re)writes dataset `object` with the rows of `x` stored as `file_type`, created with `dcpl`.
void write_matrix_dataset(hid_t file, const std::string& object, const Matrix& x, hid_t file_type,
                          hid_t dcpl = H5P_DEFAULT) {
  if (H5Lexists(file, object.c_str(), H5P_DEFAULT) > 0) H5Ldelete(file, object.c_str(), H5P_DEFAULT);
  const hsize_t dims[2] = {static_cast<hsize_t>(x.rows()), static_cast<hsize_t>(x.cols())};
  const hid_t space = H5Screate_simple(2, dims, nullptr);
  const hid_t dset = H5Dcreate2(file, object.c_str(), file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  REQUIRE(dset >= 0);
  REQUIRE(H5Dwrite(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x.data()) >= 0);
  H5Dclose(dset);
  H5Sclose(space);
}

/// 8 x 3 keys with distinct values exact in float32 (row-major, like the trace).
Matrix distinct_keys() {
  Matrix k(8, 3);
  for (Index i = 0; i < k.size(); ++i) k.data()[i] = -2.5 + 0.375 * static_cast<double>(i);
  return k;
}

/// A chunked dataset creation property list (chunks of 3 rows).
hid_t chunked_dcpl() {
  const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  const hsize_t chunk[2] = {3, 3};
  H5Pset_chunk(dcpl, 2, chunk);
  return dcpl;
}

/// A valid hull planted truth for the good file (n = 8, m = 4, F = {1, 4}), as raw attributes.
void plant_hull(hid_t g) {
  write_string_attr(g, "planted_model", "hull");
  write_number_attr(g, "planted_face", H5T_STD_I64LE, {2}, {1, 4});
  write_number_attr(g, "planted_delta", H5T_IEEE_F64LE, {4}, {0.5, 0.6, 0.7, 0.8});
  write_double_attr(g, "planted_gap_min", 0.5);
  write_number_attr(g, "planted_t", H5T_IEEE_F64LE, {4}, {1.0, 1.2, 1.4, 1.6});
  write_number_attr(g, "planted_weights", H5T_IEEE_F64LE, {4, 2}, {0.25, 0.75, 0.5, 0.5, 0.4, 0.6, 0.3, 0.7});
  write_number_attr(g, "planted_normal_axis", H5T_STD_I64LE, {}, {2});
  write_double_attr(g, "planted_normal_sign", -1.0);
  write_double_attr(g, "planted_offset", 0.0);
}

/// Plants the hull truth, then breaks it with `edit` (both on /streams/s).
std::function<void(hid_t)> planted_then(const std::function<void(hid_t)>& edit) {
  return in_group("streams/s", [edit](hid_t g) {
    plant_hull(g);
    edit(g);
  });
}

constexpr double kTwoTo31 = 2147483648.0;  // INT32_MAX + 1

}  // namespace

TEST_CASE("zero dimensions, scalar and null dataspaces, a group instead of keys") {
  // keys [n, d] with d >= 1 (the reader names it "zero-dimensional keys")
  expect_bad("keys_d0", [](hid_t f) { replace_dataset(f, "streams/s/keys", {8, 0}); }, "/streams/s/keys",
             "zero-dimensional keys (d = 0)");
  // values [n, d_v]: the doc gives no d_v = 0 case; the reader refuses it
  expect_bad("values_dv0", [](hid_t f) { replace_dataset(f, "streams/s/values", {8, 0}); }, "/streams/s/values",
             "zero-dimensional values (d_v = 0)");
  // keys must be a rank-2 dataset: a scalar is rank 0, a null dataspace holds nothing
  expect_bad("keys_scalar", [](hid_t f) {
    H5Ldelete(f, "streams/s/keys", H5P_DEFAULT);
    const hid_t space = H5Screate(H5S_SCALAR);
    H5Dclose(H5Dcreate2(f, "streams/s/keys", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    H5Sclose(space);
  }, "/streams/s/keys", "wrong rank 0 (expected 2)");
  expect_bad("keys_null_space", [](hid_t f) {
    H5Ldelete(f, "streams/s/keys", H5P_DEFAULT);
    const hid_t space = H5Screate(H5S_NULL);
    H5Dclose(H5Dcreate2(f, "streams/s/keys", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    H5Sclose(space);
  }, "/streams/s/keys", "dataset has no data (null dataspace)");
  expect_bad("keys_group", [](hid_t f) {
    H5Ldelete(f, "streams/s/keys", H5P_DEFAULT);
    H5Gclose(H5Gcreate2(f, "streams/s/keys", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  }, "/streams/s/keys", "is not a dataset");
}

TEST_CASE("integer ranges: query_head, layer, kv_head") {
  // query_head [m] int, >= 0 (read into int32)
  expect_bad("query_head_negative",
             [](hid_t f) { replace_dataset(f, "streams/s/query_head", {4}, -1.0, H5T_STD_I64LE); },
             "/streams/s/query_head", "query_head[0] = -1 must be a non-negative int32");
  expect_bad("query_head_big",
             [](hid_t f) { replace_dataset(f, "streams/s/query_head", {4}, kTwoTo31, H5T_STD_I64LE); },
             "/streams/s/query_head", "query_head[0] = 2147483648 must be a non-negative int32");
  // layer / kv_head: integer attributes (int32 in memory)
  expect_bad("layer_big", in_group("streams/s", [](hid_t g) { write_int_attr(g, "layer", 1LL << 31); }),
             "/streams/s", "attribute 'layer' = 2147483648 out of range");
  expect_bad("kv_head_small", in_group("streams/s", [](hid_t g) { write_int_attr(g, "kv_head", -(1LL << 31) - 1); }),
             "/streams/s", "attribute 'kv_head' = -2147483649 out of range");
  expect_bad("layer_float", in_group("streams/s", [](hid_t g) { write_double_attr(g, "layer", 3.0); }), "/streams/s",
             "attribute 'layer' is not an integer");
  // indices >= 0 (a stored -1 read as "absent" before)
  expect_bad("layer_negative", in_group("streams/s", [](hid_t g) { write_int_attr(g, "layer", -1); }), "/streams/s",
             "attribute 'layer' = -1 must be >= 0");
  expect_bad("kv_head_negative", in_group("streams/s", [](hid_t g) { write_int_attr(g, "kv_head", -7); }),
             "/streams/s", "attribute 'kv_head' = -7 must be >= 0");
}

TEST_CASE("scale and version attributes: type, count, value") {
  // scale: float, finite and > 0
  const auto scale = [](double v) { return in_group("streams/s", [v](hid_t g) { write_double_attr(g, "scale", v); }); };
  expect_bad("scale_nan", scale(std::nan("")), "/streams/s", "attribute scale = nan must be finite and > 0");
  expect_bad("scale_inf", scale(INFINITY), "/streams/s", "attribute scale = inf must be finite and > 0");
  expect_bad("scale_zero", scale(0.0), "/streams/s", "attribute scale = 0 must be finite and > 0");
  expect_bad("scale_string", in_group("streams/s", [](hid_t g) { write_string_attr(g, "scale", "0.5"); }),
             "/streams/s", "attribute 'scale' is not a number");
  expect_bad("scale_pair",
             in_group("streams/s", [](hid_t g) { write_number_attr(g, "scale", H5T_IEEE_F64LE, {2}, {0.5, 0.5}); }),
             "/streams/s", "attribute 'scale' must hold one number");
  // version: integer, must be 1
  expect_bad("version_string", [](hid_t f) { write_string_attr(f, "version", "1"); }, ": /:",
             "attribute 'version' is not an integer");
  expect_bad("version_float", [](hid_t f) { write_double_attr(f, "version", 1.0); }, ": /:",
             "attribute 'version' is not an integer");
  expect_bad("version_pair", [](hid_t f) { write_number_attr(f, "version", H5T_STD_I64LE, {2}, {1, 1}); }, ": /:",
             "attribute 'version' must hold one integer");
  expect_bad("version_null", [](hid_t f) {
    H5Adelete(f, "version");
    const hid_t space = H5Screate(H5S_NULL);
    H5Aclose(H5Acreate2(f, "version", H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT));
    H5Sclose(space);
  }, ": /:", "attribute 'version' must hold one integer");
  // format: a string
  expect_bad("format_int", [](hid_t f) { write_int_attr(f, "format", 1); }, ": /:", "attribute 'format' is not a string");
}

TEST_CASE("kernel group: eps, page attributes, output shape") {
  const std::string k = "/streams/s/kernel";
  // eps [E], E >= 1, every value finite and > 0
  expect_bad("eps_empty", [](hid_t f) { replace_dataset(f, "streams/s/kernel/eps", {0}); }, k + "/eps",
             "no temperatures (E = 0)");
  expect_bad("eps_nan", [](hid_t f) { poke(f, "streams/s/kernel/eps", 0, std::nan("")); }, k + "/eps",
             "eps[0] = nan must be finite and > 0");
  expect_bad("eps_inf", [](hid_t f) { poke(f, "streams/s/kernel/eps", 0, INFINITY); }, k + "/eps",
             "eps[0] = inf must be finite and > 0");
  expect_bad("eps_zero", [](hid_t f) { poke(f, "streams/s/kernel/eps", 0, 0.0); }, k + "/eps",
             "eps[0] = 0 must be finite and > 0");
  expect_bad("eps_int", [](hid_t f) { replace_dataset(f, "streams/s/kernel/eps", {1}, 1.0, H5T_STD_I32LE); },
             k + "/eps", "unsupported dtype int32");
  // page_budget, sink_pages, recent_pages: int attributes >= 0
  for (const char* name : {"page_budget", "sink_pages", "recent_pages"}) {
    CAPTURE(name);
    expect_bad(std::string("negative_") + name, in_group("streams/s/kernel", [name](hid_t g) {
      write_int_attr(g, name, -1);
    }), k, "page_budget, sink_pages and recent_pages must be >= 0");
  }
  expect_bad("page_size_big", in_group("streams/s/kernel", [](hid_t g) { write_int_attr(g, "page_size", 1LL << 32); }),
             k, "attribute 'page_size' = 4294967296 out of range");
  expect_bad("kernel_name_int", in_group("streams/s/kernel", [](hid_t g) { write_int_attr(g, "name", 7); }), k,
             "attribute 'name' is not a string");
  // output [E, m, d_v]
  expect_bad("output_rank2", [](hid_t f) { replace_dataset(f, "streams/s/kernel/output", {1, 4}); }, k + "/output",
             "wrong rank 2 (expected 3)");
  expect_bad("output_E", [](hid_t f) { replace_dataset(f, "streams/s/kernel/output", {2, 4, 2}); }, k + "/output",
             "shape [2,4,2] does not match [E, m, d_v] = [1, 4, d_v]");
  expect_bad("output_m", [](hid_t f) { replace_dataset(f, "streams/s/kernel/output", {1, 3, 2}); }, k + "/output",
             "shape [1,3,2] does not match [E, m, d_v]");
  expect_bad("output_dv0", [](hid_t f) { replace_dataset(f, "streams/s/kernel/output", {1, 4, 0}); }, k + "/output",
             "shape [1,4,0] does not match [E, m, d_v]");
  // selected_pages: an integer dataset
  expect_bad("pages_float", [](hid_t f) { replace_dataset(f, "streams/s/kernel/selected_pages", {1, 4, 1}, 0.0); },
             k + "/selected_pages", "unsupported dtype (expected an integer dataset");
  // kernel/ is a group
  expect_bad("kernel_dataset", [](hid_t f) {
    H5Ldelete(f, "streams/s/kernel", H5P_DEFAULT);
    replace_dataset(f, "streams/s/kernel", {1});
  }, k, "is not a group");
}

TEST_CASE("planted truth attributes") {
  // control: the planted hull truth written by plant_hull reads back as written
  {
    ScratchDir dir("planted");
    const std::string path = good_file(dir, "planted.h5");
    edit_file(path, in_group("streams/s", plant_hull));
    const Stream s = read_trace(path).streams.at(0);
    REQUIRE(s.planted.has_value());
    CHECK(s.planted->model == "hull");
    CHECK(s.planted->face == std::vector<int64_t>{1, 4});
    CHECK(s.planted->delta == std::vector<double>{0.5, 0.6, 0.7, 0.8});
    CHECK(s.planted->gap_min == 0.5);
    CHECK(s.planted->t == std::vector<double>{1.0, 1.2, 1.4, 1.6});
    CHECK(s.planted->weights.rows() == 4);
    CHECK(s.planted->weights(3, 1) == 0.7);
    CHECK(s.planted->normal_axis == 2);
    CHECK(s.planted->normal_sign == -1.0);
    CHECK(s.planted->offset == 0.0);
  }
  const std::string s = "/streams/s";
  // planted_model: string, softmax or hull
  expect_bad("model_other", planted_then([](hid_t g) { write_string_attr(g, "planted_model", "linear"); }), s,
             "planted_model = 'linear' (expected softmax or hull)");
  expect_bad("model_int", planted_then([](hid_t g) { write_int_attr(g, "planted_model", 1); }), s,
             "attribute 'planted_model' is not a string");
  // planted_face: int64 key indices in [0, n)
  expect_bad("face_range",
             planted_then([](hid_t g) { write_number_attr(g, "planted_face", H5T_STD_I64LE, {2}, {1, 8}); }), s,
             "planted_face holds 8 outside [0, 8)");
  expect_bad("face_negative",
             planted_then([](hid_t g) { write_number_attr(g, "planted_face", H5T_STD_I64LE, {2}, {-1, 4}); }), s,
             "planted_face holds -1 outside [0, 8)");
  expect_bad("face_float",
             planted_then([](hid_t g) { write_number_attr(g, "planted_face", H5T_IEEE_F64LE, {2}, {1, 4}); }), s,
             "attribute 'planted_face' is not an integer");
  // planted_delta / planted_t: float64 [m]
  expect_bad("delta_length",
             planted_then([](hid_t g) { write_number_attr(g, "planted_delta", H5T_IEEE_F64LE, {3}, {1, 1, 1}); }), s,
             "attribute 'planted_delta' has shape [3] (expected [m] = [4])");
  expect_bad("delta_string", planted_then([](hid_t g) { write_string_attr(g, "planted_delta", "0.5"); }), s,
             "attribute 'planted_delta' is not a number");
  expect_bad("t_length",
             planted_then([](hid_t g) { write_number_attr(g, "planted_t", H5T_IEEE_F64LE, {5}, {1, 1, 1, 1, 1}); }),
             s, "attribute 'planted_t' has shape [5] (expected [m] = [4])");
  // planted_gap_min / planted_offset / planted_normal_sign: one float64
  expect_bad("gap_min_pair",
             planted_then([](hid_t g) { write_number_attr(g, "planted_gap_min", H5T_IEEE_F64LE, {2}, {0.5, 0.5}); }),
             s, "attribute 'planted_gap_min' must hold one number");
  expect_bad("offset_pair",
             planted_then([](hid_t g) { write_number_attr(g, "planted_offset", H5T_IEEE_F64LE, {2}, {0, 0}); }), s,
             "attribute 'planted_offset' must hold one number");
  expect_bad("normal_sign_string", planted_then([](hid_t g) { write_string_attr(g, "planted_normal_sign", "-"); }),
             s, "attribute 'planted_normal_sign' is not a number");
  // planted_weights: float64 [m, |F|]
  expect_bad("weights_size", planted_then([](hid_t g) {
    write_number_attr(g, "planted_weights", H5T_IEEE_F64LE, {4, 3}, std::vector<double>(12, 1.0 / 3));
  }), s, "planted_weights has shape [4,3] (must be [m, |F|] = [4,2])");
  // planted_normal_axis: one int64 (int32 in memory)
  expect_bad("normal_axis_float", planted_then([](hid_t g) { write_double_attr(g, "planted_normal_axis", 2.0); }), s,
             "attribute 'planted_normal_axis' is not an integer");
  expect_bad("normal_axis_big", planted_then([](hid_t g) { write_int_attr(g, "planted_normal_axis", 1LL << 31); }),
             s, "attribute 'planted_normal_axis' = 2147483648 out of range");
  // The documented shapes and ranges beyond the types (each was read without error before):
  // planted_face sorted distinct and one-dimensional
  expect_bad("face_unsorted",
             planted_then([](hid_t g) { write_number_attr(g, "planted_face", H5T_STD_I64LE, {2}, {4, 1}); }), s,
             "attribute 'planted_face' must hold sorted distinct key indices");
  expect_bad("face_duplicate",
             planted_then([](hid_t g) { write_number_attr(g, "planted_face", H5T_STD_I64LE, {2}, {1, 1}); }), s,
             "attribute 'planted_face' must hold sorted distinct key indices");
  expect_bad("face_2d",
             planted_then([](hid_t g) { write_number_attr(g, "planted_face", H5T_STD_I64LE, {1, 2}, {1, 4}); }), s,
             "attribute 'planted_face' must be one-dimensional");
  // planted_delta / planted_t: rank 1, finite
  expect_bad("delta_2d",
             planted_then([](hid_t g) { write_number_attr(g, "planted_delta", H5T_IEEE_F64LE, {2, 2}, {1, 1, 1, 1}); }),
             s, "attribute 'planted_delta' has shape [2,2] (expected [m] = [4])");
  expect_bad("delta_nan", planted_then([](hid_t g) {
    write_number_attr(g, "planted_delta", H5T_IEEE_F64LE, {4}, {0.5, std::nan(""), 0.7, 0.8});
  }), s, "attribute 'planted_delta' holds a non-finite value");
  expect_bad("t_inf", planted_then([](hid_t g) {
    write_number_attr(g, "planted_t", H5T_IEEE_F64LE, {4}, {1.0, 1.0, INFINITY, 1.0});
  }), s, "attribute 'planted_t' holds a non-finite value");
  // planted_weights: exactly [m, |F|] (a transposed or flat array was reshaped), in the open simplex
  expect_bad("weights_transposed", planted_then([](hid_t g) {
    write_number_attr(g, "planted_weights", H5T_IEEE_F64LE, {2, 4}, std::vector<double>(8, 0.5));
  }), s, "planted_weights has shape [2,4] (must be [m, |F|] = [4,2])");
  expect_bad("weights_flat", planted_then([](hid_t g) {
    write_number_attr(g, "planted_weights", H5T_IEEE_F64LE, {8}, std::vector<double>(8, 0.5));
  }), s, "planted_weights has shape [8] (must be [m, |F|] = [4,2])");
  for (const double w : {-0.25, 0.0, 1.5, std::nan("")}) {
    expect_bad("weights_outside", planted_then([w](hid_t g) {
      write_number_attr(g, "planted_weights", H5T_IEEE_F64LE, {4, 2}, {0.25, 0.75, w, 0.5, 0.4, 0.6, 0.3, 0.7});
    }), s, "attribute 'planted_weights' must lie in the open simplex");
  }
  // planted_normal_axis a coordinate of d = 3; planted_normal_sign +1 or -1
  for (const long long axis : {3LL, 7LL, -1LL, -3LL}) {
    expect_bad("normal_axis_range", planted_then([axis](hid_t g) { write_int_attr(g, "planted_normal_axis", axis); }),
               s, "is not a coordinate in [0, d = 3)");
  }
  for (const double sign : {0.5, 0.0, std::nan("")}) {
    expect_bad("normal_sign_value", planted_then([sign](hid_t g) { write_double_attr(g, "planted_normal_sign", sign); }),
               s, "attribute 'planted_normal_sign'");
  }
  // planted_gap_min finite and > 0; planted_offset finite
  expect_bad("gap_min_nan", planted_then([](hid_t g) { write_double_attr(g, "planted_gap_min", std::nan("")); }), s,
             "attribute 'planted_gap_min' = nan is not finite");
  expect_bad("gap_min_negative", planted_then([](hid_t g) { write_double_attr(g, "planted_gap_min", -1.0); }), s,
             "attribute 'planted_gap_min' must be > 0");
  expect_bad("offset_inf", planted_then([](hid_t g) { write_double_attr(g, "planted_offset", INFINITY); }), s,
             "attribute 'planted_offset' = inf is not finite");
}

TEST_CASE("storage variants read exactly: big-endian, fletcher32, scale-offset") {
  const Matrix keys = distinct_keys();
  const auto read_keys = [](const std::string& path) { return read_trace(path).streams.at(0).keys; };
  ScratchDir dir("storage");
  // any byte order
  for (const hid_t type : {H5T_IEEE_F64BE, H5T_IEEE_F32BE}) {
    const std::string path = good_file(dir, type == H5T_IEEE_F64BE ? "be64.h5" : "be32.h5");
    edit_file(path, [&](hid_t f) { write_matrix_dataset(f, "streams/s/keys", keys, type); });
    CHECK(read_keys(path) == keys);
  }
  // fletcher32 on chunked data
  {
    const std::string path = good_file(dir, "fletcher.h5");
    edit_file(path, [&](hid_t f) {
      const hid_t dcpl = chunked_dcpl();
      H5Pset_fletcher32(dcpl);
      write_matrix_dataset(f, "streams/s/keys", keys, H5T_IEEE_F64LE, dcpl);
      H5Pclose(dcpl);
    });
    CHECK(read_keys(path) == keys);
    CHECK(summarize_trace(path).streams.at(0).storage == "chunked [3,3] fletcher32");
  }
  // scale-offset (lossy; the reference is HDF5's own read of the same dataset)
  {
    const std::string path = good_file(dir, "scaleoffset.h5");
    Matrix coarse = keys;
    for (Index i = 0; i < coarse.size(); ++i) coarse.data()[i] += 1e-4 * static_cast<double>(i % 5);
    edit_file(path, [&](hid_t f) {
      const hid_t dcpl = chunked_dcpl();
      H5Pset_scaleoffset(dcpl, H5Z_SO_FLOAT_DSCALE, 2);
      write_matrix_dataset(f, "streams/s/keys", coarse, H5T_IEEE_F64LE, dcpl);
      H5Pclose(dcpl);
    });
    Matrix reference(8, 3);
    edit_file(path, [&](hid_t f) {
      const hid_t dset = H5Dopen2(f, "streams/s/keys", H5P_DEFAULT);
      REQUIRE(H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, reference.data()) >= 0);
      H5Dclose(dset);
    });
    CHECK(reference != coarse);                                 // the filter did round
    CHECK((reference - coarse).cwiseAbs().maxCoeff() <= 0.006);  // to 2 decimals
    CHECK(read_keys(path) == reference);
  }
}

TEST_CASE("fletcher32: a corrupted data byte is a one-line read error") {
  ScratchDir dir("corrupt");
  const std::string path = good_file(dir, "corrupt.h5");
  Matrix keys = distinct_keys();
  const double marker = 1234.5678125;  // bytes found once in the file
  keys(5, 1) = marker;
  edit_file(path, [&](hid_t f) {
    const hid_t dcpl = chunked_dcpl();
    H5Pset_fletcher32(dcpl);
    write_matrix_dataset(f, "streams/s/keys", keys, H5T_IEEE_F64LE, dcpl);
    H5Pclose(dcpl);
  });
  REQUIRE(read_trace(path).streams.at(0).keys == keys);

  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::string pattern;  // the marker as H5T_IEEE_F64LE stores it
  for (int b = 0; b < 8; ++b) pattern += static_cast<char>((std::bit_cast<uint64_t>(marker) >> (8 * b)) & 0xff);
  const size_t at = bytes.find(pattern);
  REQUIRE(at != std::string::npos);
  REQUIRE(bytes.find(pattern, at + 1) == std::string::npos);
  bytes[at] = static_cast<char>(bytes[at] ^ 0x01);  // lowest mantissa bit: still a finite value
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  const std::string message = bad_input_message(path);
  CAPTURE(message);
  CHECK(message.find("/streams/s/keys: cannot read data (truncated or corrupt file?)") != std::string::npos);
}

TEST_CASE("a trace path that is not a regular file") {
  ScratchDir dir("special");
  const std::string fifo = dir.file("fifo.h5");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(bad_input_message(fifo).find("fifo.h5: not a regular file") != std::string::npos);
  const std::string directory = dir.file("directory.h5");
  std::filesystem::create_directory(directory);
  CHECK(bad_input_message(directory).find("directory.h5: not a regular file") != std::string::npos);
}
