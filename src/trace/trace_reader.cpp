#include "trace/trace_reader.hpp"

#include "trace/hdf5_guard.hpp"
#include "trace/hdf5_util.hpp"
#include "trace/trace_impl.hpp"

#include <fcntl.h>
#include <fnmatch.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <string_view>

namespace vashista {

using h5::Handle;
using h5::Where;

TraceFile::TraceFile() : impl_(std::make_unique<Impl>()) {}
TraceFile::TraceFile(TraceFile&&) noexcept = default;
TraceFile& TraceFile::operator=(TraceFile&&) noexcept = default;
TraceFile::~TraceFile() {
  if (impl_ && impl_->file.valid()) {  // H5Fclose flushes metadata caches: guarded like every read
    const Hdf5Guard guard(path_, "/ (closing the file)");
    impl_.reset();
  }
}

namespace {

herr_t collect_link_name(hid_t, const char* name, const H5L_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}

std::vector<std::string> child_names(hid_t group) {
  std::vector<std::string> names;
  hsize_t index = 0;
  H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &index, collect_link_name, &names);
  return names;
}

std::string stream_path(const std::string& name) { return "/streams/" + name; }

/// Row-major n x cols matrix from a flat vector.
Matrix to_matrix(const std::vector<double>& flat, hsize_t rows, hsize_t cols) {
  Matrix m(static_cast<Index>(rows), static_cast<Index>(cols));
  if (!flat.empty()) std::memcpy(m.data(), flat.data(), flat.size() * sizeof(double));
  return m;
}

/// Error naming the first row with a NaN or Inf.
void check_finite_rows(const Matrix& m, const Where& where) {
  for (Index i = 0; i < m.rows(); ++i) {
    for (Index c = 0; c < m.cols(); ++c) {
      const double v = m(i, c);
      VASHISTA_CHECK(std::isfinite(v), ErrorKind::bad_input, "{}: {}: row {} holds a non-finite value ({} in column {})",
                     where.file, where.object, i, v, c);
    }
  }
}

struct Dataset {
  Handle handle;
  std::vector<hsize_t> dims;
  Where where;
};

std::optional<Dataset> open_optional(hid_t group, const std::string& group_path, const std::string& name,
                                     const std::string& file, size_t rank) {
  Where where{file, group_path + "/" + name};
  if (h5::link_kind(group, name) == h5::LinkKind::absent) return std::nullopt;
  Dataset d{h5::open_dataset(group, name, where), {}, where};
  d.dims = h5::dataset_dims(d.handle.get(), where);
  VASHISTA_CHECK(d.dims.size() == rank, ErrorKind::bad_input, "{}: {}: wrong rank {} (expected {})", file, where.object,
                 d.dims.size(), rank);
  return d;
}

Dataset open_required(hid_t group, const std::string& group_path, const std::string& name, const std::string& file,
                      size_t rank) {
  auto d = open_optional(group, group_path, name, file, rank);
  VASHISTA_CHECK(d.has_value(), ErrorKind::bad_input, "{}: {}/{}: missing dataset", file, group_path, name);
  return std::move(*d);
}

Matrix read_matrix(const Dataset& d) {
  return to_matrix(h5::read_real_dataset(d.handle.get(), d.where), d.dims[0], d.dims[1]);
}

std::vector<int64_t> read_index_vector(const Dataset& d, hsize_t expected_length, const char* length_name) {
  VASHISTA_CHECK(d.dims[0] == expected_length, ErrorKind::bad_input, "{}: {}: wrong length {} (expected {} = {})",
                 d.where.file, d.where.object, d.dims[0], length_name, expected_length);
  return h5::read_integer_dataset(d.handle.get(), d.where);
}

int optional_int(hid_t obj, const char* name, int fallback, const Where& where) {
  const auto v = h5::read_int_attribute(obj, name, where);
  if (!v) return fallback;
  VASHISTA_CHECK(*v >= INT32_MIN && *v <= INT32_MAX, ErrorKind::bad_input, "{}: {}: attribute '{}' = {} out of range",
                 where.file, where.object, name, *v);
  return static_cast<int>(*v);
}

KernelOutputs read_kernel(hid_t stream_group, const std::string& spath, const std::string& file, Index n, Index m,
                          Index dv) {
  const std::string kpath = spath + "/kernel";
  const Where where{file, kpath};
  Handle group = h5::open_group(stream_group, "kernel", where);
  KernelOutputs k;
  k.name = h5::read_string_attribute(group.get(), "name", where).value_or("");
  k.version = h5::read_string_attribute(group.get(), "version", where).value_or("");
  k.bound = h5::read_string_attribute(group.get(), "bound", where).value_or("");
  k.device = h5::read_string_attribute(group.get(), "device", where).value_or("");
  k.compute_dtype = h5::read_string_attribute(group.get(), "compute_dtype", where).value_or("");
  k.page_size = optional_int(group.get(), "page_size", 16, where);
  k.page_budget = optional_int(group.get(), "page_budget", 0, where);
  k.sink_pages = optional_int(group.get(), "sink_pages", 1, where);
  k.recent_pages = optional_int(group.get(), "recent_pages", 1, where);
  VASHISTA_CHECK(k.page_size >= 1, ErrorKind::bad_input, "{}: {}: page_size = {} must be >= 1", file, kpath,
                 k.page_size);
  VASHISTA_CHECK(k.page_budget >= 0 && k.sink_pages >= 0 && k.recent_pages >= 0, ErrorKind::bad_input,
                 "{}: {}: page_budget, sink_pages and recent_pages must be >= 0", file, kpath);

  const Dataset eps = open_required(group.get(), kpath, "eps", file, 1);
  const hsize_t E = eps.dims[0];
  VASHISTA_CHECK(E >= 1, ErrorKind::bad_input, "{}: {}: no temperatures (E = 0)", file, eps.where.object);
  k.eps = h5::read_real_dataset(eps.handle.get(), eps.where);
  for (size_t e = 0; e < k.eps.size(); ++e) {
    VASHISTA_CHECK(std::isfinite(k.eps[e]) && k.eps[e] > 0, ErrorKind::bad_input,
                   "{}: {}: eps[{}] = {} must be finite and > 0", file, eps.where.object, e, k.eps[e]);
  }
  const auto expect_dims = [&](const Dataset& d, std::vector<hsize_t> expected, const char* shape) {
    VASHISTA_CHECK(d.dims == expected, ErrorKind::bad_input, "{}: {}: shape [{}] does not match {} = [{}]", file,
                   d.where.object, fmt::join(d.dims, ","), shape, fmt::join(expected, ","));
  };

  const Dataset sel = open_required(group.get(), kpath, "selected_pages", file, 3);
  VASHISTA_CHECK(sel.dims[0] == E && sel.dims[1] == static_cast<hsize_t>(m), ErrorKind::bad_input,
                 "{}: {}: shape [{}] does not match [E, m, Pmax] = [{}, {}, *]", file, sel.where.object,
                 fmt::join(sel.dims, ","), E, m);
  const std::vector<int64_t> pages = h5::read_integer_dataset(sel.handle.get(), sel.where);
  const int64_t num_pages = (n + k.page_size - 1) / k.page_size;
  const hsize_t pmax = sel.dims[2];
  k.selected_pages.assign(E, std::vector<std::vector<int32_t>>(static_cast<size_t>(m)));
  for (hsize_t e = 0; e < E; ++e) {
    for (hsize_t j = 0; j < static_cast<hsize_t>(m); ++j) {
      auto& list = k.selected_pages[e][j];
      for (hsize_t p = 0; p < pmax; ++p) {
        const int64_t page = pages[(e * static_cast<hsize_t>(m) + j) * pmax + p];
        if (page == -1) continue;  // padding
        VASHISTA_CHECK(page >= 0 && page < num_pages, ErrorKind::bad_input,
                       "{}: {}: [{},{},{}] = {} is not a page index in [0, {}) (n = {}, page_size = {})", file,
                       sel.where.object, e, j, p, page, num_pages, n, k.page_size);
        list.push_back(static_cast<int32_t>(page));
      }
    }
  }

  const Dataset lse = open_required(group.get(), kpath, "lse", file, 2);
  expect_dims(lse, {E, static_cast<hsize_t>(m)}, "[E, m]");
  k.lse = to_matrix(h5::read_real_dataset(lse.handle.get(), lse.where), E, static_cast<hsize_t>(m));
  const Dataset tail = open_required(group.get(), kpath, "tail_bound", file, 2);
  expect_dims(tail, {E, static_cast<hsize_t>(m)}, "[E, m]");
  k.tail_bound = to_matrix(h5::read_real_dataset(tail.handle.get(), tail.where), E, static_cast<hsize_t>(m));

  if (auto out = open_optional(group.get(), kpath, "output", file, 3)) {
    VASHISTA_CHECK(out->dims[0] == E && out->dims[1] == static_cast<hsize_t>(m) && out->dims[2] >= 1,
                   ErrorKind::bad_input, "{}: {}: shape [{}] does not match [E, m, d_v] = [{}, {}, d_v]", file,
                   out->where.object, fmt::join(out->dims, ","), E, m);
    VASHISTA_CHECK(dv == 0 || out->dims[2] == static_cast<hsize_t>(dv), ErrorKind::bad_input,
                   "{}: {}: d_v = {} does not match values d_v = {}", file, out->where.object, out->dims[2], dv);
    const std::vector<double> flat = h5::read_real_dataset(out->handle.get(), out->where);
    k.output_storage = parse_storage_dtype(h5::dataset_dtype_name(out->handle.get()));  // read_real_dataset checked it
    const hsize_t per = static_cast<hsize_t>(m) * out->dims[2];
    for (hsize_t e = 0; e < E; ++e) {
      Matrix o(m, static_cast<Index>(out->dims[2]));
      std::memcpy(o.data(), flat.data() + e * per, per * sizeof(double));
      k.output.push_back(std::move(o));
    }
  }
  return k;
}

/// The planted truth of a synthetic stream (docs/trace-format.md, "Planted truth"), checked against its
/// documented shapes and ranges: only inspect shows it, but a test that compares with it must not read garbage.
std::optional<PlantedTruth> read_planted(hid_t group, const Where& where, Index n, Index d, Index m) {
  const auto model = h5::read_string_attribute(group, "planted_model", where);
  if (!model) return std::nullopt;
  const auto fail_unless = [&](bool ok, const char* name, std::string_view problem) {
    VASHISTA_CHECK(ok, ErrorKind::bad_input, "{}: {}: attribute '{}' {}", where.file, where.object, name, problem);
  };
  PlantedTruth p;
  p.model = *model;
  VASHISTA_CHECK(p.model == "softmax" || p.model == "hull", ErrorKind::bad_input,
                 "{}: {}: planted_model = '{}' (expected softmax or hull)", where.file, where.object, p.model);
  p.face = h5::read_int_array_attribute(group, "planted_face", where).value_or(std::vector<int64_t>{});
  for (size_t k = 0; k < p.face.size(); ++k) {
    const int64_t i = p.face[k];
    VASHISTA_CHECK(i >= 0 && i < n, ErrorKind::bad_input, "{}: {}: planted_face holds {} outside [0, {})", where.file,
                   where.object, i, n);
    fail_unless(k == 0 || p.face[k - 1] < i, "planted_face", "must hold sorted distinct key indices");
  }
  if (h5::has_attribute(group, "planted_face"))
    fail_unless(h5::attribute_rank(group, "planted_face", where) == 1, "planted_face", "must be one-dimensional");
  const auto vector_attr = [&](const char* name) {
    auto v = h5::read_real_array_attribute(group, name, where);
    if (!v) return std::vector<double>{};
    VASHISTA_CHECK(v->first.size() == static_cast<size_t>(m) && v->second.size() == 1, ErrorKind::bad_input,
                   "{}: {}: attribute '{}' has shape [{}] (expected [m] = [{}])", where.file, where.object, name,
                   fmt::join(v->second, ","), m);
    for (double x : v->first) fail_unless(std::isfinite(x), name, "holds a non-finite value");
    return v->first;
  };
  const auto number_attr = [&](const char* name) {
    const double x = h5::read_double_attribute(group, name, where).value_or(kNaN);
    if (h5::has_attribute(group, name)) fail_unless(std::isfinite(x), name, fmt::format("= {} is not finite", x));
    return x;
  };
  p.delta = vector_attr("planted_delta");
  p.gap_min = number_attr("planted_gap_min");
  fail_unless(!(p.gap_min <= 0), "planted_gap_min", "must be > 0");
  if (p.model == "hull") {
    p.t = vector_attr("planted_t");
    if (auto w = h5::read_real_array_attribute(group, "planted_weights", where)) {
      const std::vector<hsize_t> shape{static_cast<hsize_t>(m), p.face.size()};
      VASHISTA_CHECK(w->second == shape, ErrorKind::bad_input, "{}: {}: planted_weights has shape [{}] (must be [m, |F|] = [{}])",
                     where.file, where.object, fmt::join(w->second, ","), fmt::join(shape, ","));
      for (double x : w->first) fail_unless(x > 0 && x <= 1, "planted_weights", "must lie in the open simplex (0 < w <= 1)");
      p.weights = to_matrix(w->first, static_cast<hsize_t>(m), p.face.size());
    }
    if (h5::has_attribute(group, "planted_normal_axis")) {
      p.normal_axis = optional_int(group, "planted_normal_axis", -1, where);
      fail_unless(p.normal_axis >= 0 && p.normal_axis < d, "planted_normal_axis",
                  fmt::format("= {} is not a coordinate in [0, d = {})", p.normal_axis, d));
    }
    p.normal_sign = number_attr("planted_normal_sign");
    fail_unless(std::isnan(p.normal_sign) || std::fabs(p.normal_sign) == 1, "planted_normal_sign", "must be +1 or -1");
    p.offset = number_attr("planted_offset");
  }
  return p;
}

}  // namespace

TraceFile open_trace(const std::string& path) {
  h5::silence_errors();
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    VASHISTA_FAIL(ErrorKind::bad_input, "{}: cannot open trace: {}", path, std::strerror(errno));
  }
  VASHISTA_CHECK(S_ISREG(st.st_mode), ErrorKind::bad_input, "{}: not a regular file", path);
  // An unreadable file would read as "not an HDF5 file" below: its own reason first (e.g. permission denied).
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  VASHISTA_CHECK(fd >= 0, ErrorKind::bad_input, "{}: cannot open trace: {}", path, std::strerror(errno));
  ::close(fd);
  const Hdf5Guard guard(path, "/ (opening the file and reading its root attributes and stream list)");
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  VASHISTA_CHECK(is_hdf5 > 0, ErrorKind::bad_input, "{}: not an HDF5 file", path);

  TraceFile file;
  file.path_ = path;
  file.impl_->file = h5::file_handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  VASHISTA_CHECK(file.impl_->file.valid(), ErrorKind::bad_input,
                 "{}: cannot open: truncated or corrupt HDF5 file ({} bytes)", path, static_cast<long long>(st.st_size));
  const hid_t root = file.impl_->file.get();
  const Where where{path, "/"};
  const auto format = h5::read_string_attribute(root, "format", where);
  VASHISTA_CHECK(format.has_value(), ErrorKind::bad_input, "{}: /: missing root attribute 'format' (not a vashista trace)",
                 path);
  VASHISTA_CHECK(*format == "vashista-trace", ErrorKind::bad_input,
                 "{}: /: root attribute format = '{}' (expected 'vashista-trace')", path, *format);
  const auto version = h5::read_int_attribute(root, "version", where);
  VASHISTA_CHECK(version.has_value(), ErrorKind::bad_input, "{}: /: missing root attribute 'version'", path);
  VASHISTA_CHECK(*version == 1, ErrorKind::bad_input, "{}: /: unknown format version {} (this reader knows version 1)",
                 path, *version);
  file.format_ = *format;
  file.version_ = static_cast<int>(*version);
  file.source_ = h5::read_string_attribute(root, "source", where).value_or("");
  file.created_by_ = h5::read_string_attribute(root, "created_by", where).value_or("");

  Handle streams = h5::open_group(root, "streams", Where{path, "/streams"});
  for (const std::string& name : child_names(streams.get())) {
    VASHISTA_CHECK(h5::link_kind(streams.get(), name) == h5::LinkKind::group, ErrorKind::bad_input,
                   "{}: /streams/{}: is not a group (every child of /streams is a stream group)", path, name);
    file.stream_names_.push_back(name);
  }
  VASHISTA_CHECK(!file.stream_names_.empty(), ErrorKind::bad_input, "{}: /streams: no streams", path);
  return file;
}

std::vector<std::string> list_streams(const TraceFile& file, const std::vector<std::string>& patterns) {
  if (patterns.empty()) return file.stream_names();
  std::vector<std::string> out;
  for (const std::string& name : file.stream_names()) {
    for (const std::string& pattern : patterns) {
      if (::fnmatch(pattern.c_str(), name.c_str(), 0) == 0) {
        out.push_back(name);
        break;
      }
    }
  }
  if (out.empty()) {
    const std::vector<std::string>& all = file.stream_names();
    constexpr size_t kNamesShown = 8;
    const std::vector<std::string> shown(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), kNamesShown)));
    VASHISTA_FAIL(ErrorKind::usage, "{}: no stream matches --streams {} (streams: {}{})", file.path(), fmt::join(patterns, " "),
                  fmt::join(shown, ", "), all.size() > kNamesShown ? fmt::format(", ... {} in all", all.size()) : "");
  }
  return out;
}

Index stream_query_count(const TraceFile& file, const std::string& name) {
  const std::string spath = stream_path(name);
  const Hdf5Guard guard(file.path(), spath);
  Handle group = h5::open_group(file.impl().file.get(), spath, Where{file.path(), spath});
  const Dataset q = open_required(group.get(), spath, "queries", file.path(), 2);
  return static_cast<Index>(q.dims[0]);
}

Stream read_stream(const TraceFile& file, const std::string& name) {
  const std::string& path = file.path();
  const std::string spath = stream_path(name);
  const Where where{path, spath};
  const Hdf5Guard guard(path, spath);
  Handle group = h5::open_group(file.impl().file.get(), spath, where);
  const hid_t g = group.get();

  Stream s;
  s.name = name;
  s.layer = optional_int(g, "layer", -1, where);
  s.kv_head = optional_int(g, "kv_head", -1, where);
  // Indices, >= 0 (-1 stands for "absent" in memory: a stored -1 would read as no attribute).
  for (const auto& [attribute, value] : {std::pair{"layer", s.layer}, std::pair{"kv_head", s.kv_head}}) {
    VASHISTA_CHECK(value >= 0 || !h5::has_attribute(g, attribute), ErrorKind::bad_input,
                   "{}: {}: attribute '{}' = {} must be >= 0", path, spath, attribute, value);
  }

  const Dataset keys = open_required(g, spath, "keys", path, 2);
  const hsize_t n = keys.dims[0], d = keys.dims[1];
  VASHISTA_CHECK(n > 0, ErrorKind::bad_input, "{}: {}: no keys (n = 0)", path, keys.where.object);
  VASHISTA_CHECK(d > 0, ErrorKind::bad_input, "{}: {}: zero-dimensional keys (d = 0)", path, keys.where.object);
  const Dataset queries = open_required(g, spath, "queries", path, 2);
  const hsize_t m = queries.dims[0];
  VASHISTA_CHECK(queries.dims[1] == d, ErrorKind::bad_input, "{}: {}: d mismatch: queries have {} columns, keys have {}",
                 path, queries.where.object, queries.dims[1], d);
  VASHISTA_CHECK(m > 0, ErrorKind::bad_input, "{}: {}: no queries (m = 0)", path, queries.where.object);
  auto values = open_optional(g, spath, "values", path, 2);
  if (values) {
    VASHISTA_CHECK(values->dims[0] == n, ErrorKind::bad_input, "{}: {}: {} rows, but keys have n = {}", path,
                   values->where.object, values->dims[0], n);
    VASHISTA_CHECK(values->dims[1] > 0, ErrorKind::bad_input, "{}: {}: zero-dimensional values (d_v = 0)", path,
                   values->where.object);
  }

  if (const auto scale = h5::read_double_attribute(g, "scale", where)) {
    VASHISTA_CHECK(std::isfinite(*scale) && *scale > 0, ErrorKind::bad_input,
                   "{}: {}: attribute scale = {} must be finite and > 0", path, spath, *scale);
    s.scale = *scale;
  } else {
    s.scale = 1.0 / std::sqrt(static_cast<double>(d));
  }

  if (auto ql = open_optional(g, spath, "query_length", path, 1)) {
    s.query_length = read_index_vector(*ql, m, "m");
    for (size_t j = 0; j < s.query_length.size(); ++j) {
      const int64_t len = s.query_length[j];
      VASHISTA_CHECK(len >= 1 && static_cast<hsize_t>(len) <= n, ErrorKind::bad_input,
                     "{}: {}: query_length[{}] = {} is outside [1, n = {}]", path, ql->where.object, j, len, n);
    }
  }
  if (auto qh = open_optional(g, spath, "query_head", path, 1)) {
    const auto heads = read_index_vector(*qh, m, "m");
    for (size_t j = 0; j < heads.size(); ++j) {
      VASHISTA_CHECK(heads[j] >= 0 && heads[j] <= INT32_MAX, ErrorKind::bad_input,
                     "{}: {}: query_head[{}] = {} must be a non-negative int32", path, qh->where.object, j, heads[j]);
      s.query_head.push_back(static_cast<int32_t>(heads[j]));
    }
  }
  if (auto pos = open_optional(g, spath, "position", path, 1)) s.position = read_index_vector(*pos, m, "m");

  s.keys = read_matrix(keys);
  check_finite_rows(s.keys, keys.where);
  s.queries = read_matrix(queries);
  check_finite_rows(s.queries, queries.where);
  if (values) {
    s.values = read_matrix(*values);
    check_finite_rows(s.values, values->where);
  }

  const h5::LinkKind kernel_kind = h5::link_kind(g, "kernel");
  if (kernel_kind != h5::LinkKind::absent) {
    s.kernel = read_kernel(g, spath, path, static_cast<Index>(n), static_cast<Index>(m),
                           values ? static_cast<Index>(values->dims[1]) : 0);
  }
  s.planted = read_planted(g, where, static_cast<Index>(n), static_cast<Index>(d), static_cast<Index>(m));
  return s;
}

Trace read_trace(const std::string& path, const TraceReadOptions& options) {
  const TraceFile file = open_trace(path);
  Trace trace;
  trace.format = file.format();
  trace.version = file.version();
  trace.source = file.source();
  trace.created_by = file.created_by();
  const std::vector<std::string> names = list_streams(file, options.stream_patterns);
  for (const std::string& name : names) trace.streams.push_back(read_stream(file, name));
  return trace;
}

}  // namespace vashista
