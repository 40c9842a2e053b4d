#include "trace/trace_writer.hpp"

#include "core/file_identity.hpp"
#include "report/atomic_file.hpp"
#include "trace/hdf5_util.hpp"
#include "trace/trace_impl.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>

namespace vashista {

using h5::Handle;
using h5::Where;

namespace {

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

/// h5py's 16-bit float type: IEEE binary16 fields in a 2-byte float (little endian in the file).
Handle float16_type(bool native_order) {
  Handle t = h5::type_handle(H5Tcopy(H5T_IEEE_F32LE));
  H5Tset_fields(t.get(), 15, 10, 5, 0, 10);
  H5Tset_size(t.get(), 2);
  H5Tset_ebias(t.get(), 15);
  if (native_order) H5Tset_order(t.get(), H5Tget_order(H5T_NATIVE_UINT16));
  return t;
}

h5::DatasetLayout layout_of(const TraceWriteOptions& options) { return {options.gzip_level, options.chunk_bytes}; }

void write_dataset(hid_t loc, const std::string& name, const std::vector<hsize_t>& dims, hid_t file_type,
                   hid_t mem_type, const void* data, size_t element_size, const TraceWriteOptions& options,
                   const Where& where) {
  h5::write_dataset(loc, name, dims, file_type, mem_type, data, element_size, layout_of(options), where);
}

/// Real dataset stored in `dtype`. Values are rounded to nearest even, or upward when round_up.
void write_real(hid_t loc, const std::string& name, const double* data, const std::vector<hsize_t>& dims,
                StorageDtype dtype, const TraceWriteOptions& options, const Where& where, bool round_up = false) {
  size_t count = 1;
  for (hsize_t d : dims) count *= static_cast<size_t>(d);
  const auto check_fits = [&](size_t i, double stored) {
    VASHISTA_CHECK(!std::isfinite(data[i]) || std::isfinite(stored), ErrorKind::bad_input,
                   "{}: {}/{}: value {} (element {}) overflows {}", where.file, where.object, name, data[i], i,
                   to_string(dtype));
  };
  switch (dtype) {
    case StorageDtype::float64:
      write_dataset(loc, name, dims, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, data, 8, options, where);
      return;
    case StorageDtype::float32: {
      std::vector<float> buffer(count);
      for (size_t i = 0; i < count; ++i) {
        float v = static_cast<float>(data[i]);
        if (round_up && static_cast<double>(v) < data[i]) v = std::nextafter(v, INFINITY);
        check_fits(i, v);
        buffer[i] = v;
      }
      write_dataset(loc, name, dims, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, buffer.data(), 4, options, where);
      return;
    }
    case StorageDtype::float16:
    case StorageDtype::bfloat16: {
      const SmallFloatFormat format = dtype == StorageDtype::float16 ? kFloat16 : kBFloat16;
      std::vector<uint16_t> bits(count);
      for (size_t i = 0; i < count; ++i) {
        uint16_t b = encode_small_float(data[i], format);
        if (round_up && decode_small_float(b, format) < data[i]) {
          b = data[i] > 0 ? static_cast<uint16_t>(b + 1) : static_cast<uint16_t>(b - 1);  // next value up
        }
        check_fits(i, decode_small_float(b, format));
        bits[i] = b;
      }
      if (dtype == StorageDtype::float16) {
        Handle file_type = float16_type(false);
        Handle mem_type = float16_type(true);
        write_dataset(loc, name, dims, file_type.get(), mem_type.get(), bits.data(), 2, options, where);
      } else {
        write_dataset(loc, name, dims, H5T_STD_U16LE, H5T_NATIVE_UINT16, bits.data(), 2, options, where);
        Handle dset = h5::dataset_handle(H5Dopen2(loc, name.c_str(), H5P_DEFAULT));
        h5::write_string_attribute(dset.get(), "dtype", "bfloat16");
      }
      return;
    }
  }
}

void write_matrix(hid_t loc, const std::string& name, const Matrix& m, StorageDtype dtype,
                  const TraceWriteOptions& options, const Where& where) {
  write_real(loc, name, m.data(), {static_cast<hsize_t>(m.rows()), static_cast<hsize_t>(m.cols())}, dtype, options,
             where);
}

template <typename T>
void write_ints(hid_t loc, const std::string& name, const std::vector<T>& values, const std::vector<hsize_t>& dims,
                const TraceWriteOptions& options, const Where& where) {
  static_assert(sizeof(T) == 4 || sizeof(T) == 8);
  if constexpr (sizeof(T) == 8) {
    write_dataset(loc, name, dims, H5T_STD_I64LE, H5T_NATIVE_INT64, values.data(), 8, options, where);
  } else {
    write_dataset(loc, name, dims, H5T_STD_I32LE, H5T_NATIVE_INT32, values.data(), 4, options, where);
  }
}

void check_stream_shapes(const Stream& s, const std::string& file) {
  const std::string where = "/streams/" + s.name;
  VASHISTA_CHECK(!s.name.empty() && s.name.find('/') == std::string::npos && s.name != "." && s.name != "..",
                 ErrorKind::bad_input, "{}: stream name '{}' must be non-empty and contain no '/'", file, s.name);
  VASHISTA_CHECK(s.keys.rows() > 0 && s.keys.cols() > 0, ErrorKind::bad_input, "{}: {}/keys: empty ({} x {})", file,
                 where, s.keys.rows(), s.keys.cols());
  VASHISTA_CHECK(s.queries.rows() > 0, ErrorKind::bad_input, "{}: {}/queries: no queries (m = 0)", file, where);
  VASHISTA_CHECK(s.queries.cols() == s.keys.cols(), ErrorKind::bad_input,
                 "{}: {}/queries: d mismatch: queries have {} columns, keys have {}", file, where, s.queries.cols(),
                 s.keys.cols());
  const auto m = static_cast<size_t>(s.queries.rows());
  VASHISTA_CHECK(!s.has_values() || s.values.rows() == s.keys.rows(), ErrorKind::bad_input,
                 "{}: {}/values: {} rows, but keys have n = {}", file, where, s.values.rows(), s.keys.rows());
  VASHISTA_CHECK(s.query_length.empty() || s.query_length.size() == m, ErrorKind::bad_input,
                 "{}: {}/query_length: wrong length {} (expected m = {})", file, where, s.query_length.size(), m);
  VASHISTA_CHECK(s.query_head.empty() || s.query_head.size() == m, ErrorKind::bad_input,
                 "{}: {}/query_head: wrong length {} (expected m = {})", file, where, s.query_head.size(), m);
  VASHISTA_CHECK(s.position.empty() || s.position.size() == m, ErrorKind::bad_input,
                 "{}: {}/position: wrong length {} (expected m = {})", file, where, s.position.size(), m);
}

void write_kernel_group(hid_t stream_group, const KernelOutputs& k, Index n, Index m, Index dv, StorageDtype dtype,
                        const TraceWriteOptions& options, const Where& stream_where) {
  const Where where{stream_where.file, stream_where.object + "/kernel"};
  const size_t E = k.eps.size();
  VASHISTA_CHECK(E >= 1, ErrorKind::bad_input, "{}: {}/eps: no temperatures (E = 0)", where.file, where.object);
  VASHISTA_CHECK(k.selected_pages.size() == E && k.lse.rows() == static_cast<Index>(E) && k.lse.cols() == m &&
                     k.tail_bound.rows() == static_cast<Index>(E) && k.tail_bound.cols() == m &&
                     (k.output.empty() || k.output.size() == E),
                 ErrorKind::bad_input, "{}: {}: kernel outputs do not match [E, m] = [{}, {}]", where.file,
                 where.object, E, m);
  size_t pmax = 1;
  for (const auto& per_eps : k.selected_pages) {
    VASHISTA_CHECK(per_eps.size() == static_cast<size_t>(m), ErrorKind::bad_input,
                   "{}: {}/selected_pages: {} query lists (expected m = {})", where.file, where.object, per_eps.size(), m);
    for (const auto& list : per_eps) pmax = std::max(pmax, list.size());
  }
  for (const Matrix& o : k.output) {
    VASHISTA_CHECK(o.rows() == m && o.cols() >= 1 && (dv == 0 || o.cols() == dv), ErrorKind::bad_input,
                   "{}: {}/output: each [m, d_v] block must be [{}, {}], got [{}, {}]", where.file, where.object, m,
                   dv, o.rows(), o.cols());
  }
  (void)n;

  Handle g = h5::group_handle(H5Gcreate2(stream_group, "kernel", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  VASHISTA_CHECK(g.valid(), ErrorKind::io, "{}: {}: cannot create group", where.file, where.object);
  h5::write_string_attribute(g.get(), "name", k.name);
  h5::write_string_attribute(g.get(), "version", k.version);
  h5::write_string_attribute(g.get(), "bound", k.bound);
  h5::write_string_attribute(g.get(), "device", k.device);
  h5::write_string_attribute(g.get(), "compute_dtype", k.compute_dtype);
  h5::write_int_attribute(g.get(), "page_size", k.page_size);
  h5::write_int_attribute(g.get(), "page_budget", k.page_budget);
  h5::write_int_attribute(g.get(), "sink_pages", k.sink_pages);
  h5::write_int_attribute(g.get(), "recent_pages", k.recent_pages);

  write_real(g.get(), "eps", k.eps.data(), {E}, StorageDtype::float64, options, where);
  std::vector<int32_t> pages(E * static_cast<size_t>(m) * pmax, -1);
  for (size_t e = 0; e < E; ++e) {
    for (size_t j = 0; j < static_cast<size_t>(m); ++j) {
      const auto& list = k.selected_pages[e][j];
      std::copy(list.begin(), list.end(), pages.begin() + static_cast<std::ptrdiff_t>((e * static_cast<size_t>(m) + j) * pmax));
    }
  }
  write_ints(g.get(), "selected_pages", pages, {E, static_cast<hsize_t>(m), pmax}, options, where);
  if (!k.output.empty()) {
    const Index cols = k.output.front().cols();
    std::vector<double> flat;
    flat.reserve(E * static_cast<size_t>(m * cols));
    for (const Matrix& o : k.output) flat.insert(flat.end(), o.data(), o.data() + o.size());
    write_real(g.get(), "output", flat.data(), {E, static_cast<hsize_t>(m), static_cast<hsize_t>(cols)},
               k.output_storage, options, where);
  }
  // lse in the output's dtype (float64 for the double-precision reference: at eps = 1e-300 its lse ~1e300
  // overflowed float32 and the run failed at the end); tail_bound in `dtype`, rounded up.
  write_real(g.get(), "lse", k.lse.data(), {E, static_cast<hsize_t>(m)}, k.output_storage, options, where);
  write_real(g.get(), "tail_bound", k.tail_bound.data(), {E, static_cast<hsize_t>(m)}, dtype, options, where,
             /*round_up=*/true);
}

void write_planted(hid_t g, const PlantedTruth& p) {
  h5::write_string_attribute(g, "planted_model", p.model);
  if (!p.face.empty()) h5::write_int_array_attribute(g, "planted_face", p.face);
  if (!p.delta.empty()) h5::write_double_array_attribute(g, "planted_delta", p.delta, {p.delta.size()});
  if (std::isfinite(p.gap_min)) h5::write_double_attribute(g, "planted_gap_min", p.gap_min);
  if (!p.t.empty()) h5::write_double_array_attribute(g, "planted_t", p.t, {p.t.size()});
  if (p.weights.size() > 0) {
    std::vector<double> flat(p.weights.data(), p.weights.data() + p.weights.size());
    h5::write_double_array_attribute(g, "planted_weights", flat,
                                     {static_cast<hsize_t>(p.weights.rows()), static_cast<hsize_t>(p.weights.cols())});
  }
  if (p.normal_axis >= 0) h5::write_int_attribute(g, "planted_normal_axis", p.normal_axis);
  if (std::isfinite(p.normal_sign)) h5::write_double_attribute(g, "planted_normal_sign", p.normal_sign);
  if (std::isfinite(p.offset)) h5::write_double_attribute(g, "planted_offset", p.offset);
}

void write_stream(hid_t streams, const Stream& s, const TraceWriteOptions& options, const std::string& file) {
  check_stream_shapes(s, file);
  const Where where{file, "/streams/" + s.name};
  Handle g = h5::group_handle(H5Gcreate2(streams, s.name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  VASHISTA_CHECK(g.valid(), ErrorKind::io, "{}: {}: cannot create group (duplicate stream name?)", file, where.object);
  if (s.layer >= 0) h5::write_int_attribute(g.get(), "layer", s.layer);
  if (s.kv_head >= 0) h5::write_int_attribute(g.get(), "kv_head", s.kv_head);
  if (std::isfinite(s.scale)) h5::write_double_attribute(g.get(), "scale", s.scale);
  write_matrix(g.get(), "keys", s.keys, options.dtype, options, where);
  if (s.has_values()) write_matrix(g.get(), "values", s.values, options.dtype, options, where);
  write_matrix(g.get(), "queries", s.queries, options.dtype, options, where);
  const hsize_t m = static_cast<hsize_t>(s.queries.rows());
  if (!s.query_length.empty()) write_ints(g.get(), "query_length", s.query_length, {m}, options, where);
  if (!s.query_head.empty()) write_ints(g.get(), "query_head", s.query_head, {m}, options, where);
  if (!s.position.empty()) write_ints(g.get(), "position", s.position, {m}, options, where);
  if (s.kernel) {
    write_kernel_group(g.get(), *s.kernel, s.num_keys(), s.num_queries(), s.has_values() ? s.values.cols() : 0,
                       options.kernel_dtype, options, where);
  }
  if (s.planted) write_planted(g.get(), *s.planted);
}

void check_destination(const std::string& path, bool overwrite) {
  VASHISTA_CHECK(overwrite || !file_exists(path), ErrorKind::usage,
                 "{}: output file already exists (refusing to overwrite it)", path);
}

}  // namespace

void write_trace(const Trace& trace, const std::string& path, const TraceWriteOptions& options) {
  VASHISTA_CHECK(!trace.streams.empty(), ErrorKind::bad_input, "{}: /streams: no streams to write", path);
  VASHISTA_CHECK(options.gzip_level >= 0 && options.gzip_level <= 9, ErrorKind::usage,
                 "gzip level {} must be in [0, 9]", options.gzip_level);
  check_destination(path, options.overwrite);
  TemporaryPath temp(path);
  {
    Handle file = h5::create_output_file(temp);
    const hid_t root = file.get();
    h5::write_string_attribute(root, "format", "vashista-trace");
    h5::write_int_attribute(root, "version", 1);
    h5::write_string_attribute(root, "source", trace.source);
    h5::write_string_attribute(root, "created_by", trace.created_by);
    Handle streams = h5::group_handle(H5Gcreate2(root, "streams", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    VASHISTA_CHECK(streams.valid(), ErrorKind::io, "{}: /streams: cannot create group", path);
    for (const Stream& s : trace.streams) write_stream(streams.get(), s, options, path);
    streams.reset();
    h5::close_output_file(file, temp);
  }
  temp.commit();
}

void copy_trace_with_kernel(const std::string& src, const std::string& dst,
                            const std::map<std::string, KernelOutputs>& kernel_by_stream, StorageDtype kernel_dtype,
                            bool overwrite) {
  VASHISTA_CHECK(!same_file(src, dst), ErrorKind::usage, "{}: output must differ from the input trace {} (inputs are never modified)", dst,
                 src);
  const TraceFile in = open_trace(src);  // validates the root; read-only
  for (const auto& [name, kernel] : kernel_by_stream) {
    const auto& names = in.stream_names();
    VASHISTA_CHECK(std::find(names.begin(), names.end(), name) != names.end(), ErrorKind::bad_input,
                   "{}: /streams/{}: no such stream for the kernel outputs", src, name);
  }
  check_destination(dst, overwrite);
  TraceWriteOptions options;
  options.kernel_dtype = kernel_dtype;

  TemporaryPath temp(dst);
  {
    Handle out = h5::create_output_file(temp);
    const hid_t src_root = in.impl().file.get();
    h5::copy_attributes(src_root, out.get(), Where{src, "/"});
    Handle out_streams = h5::group_handle(H5Gcreate2(out.get(), "streams", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    VASHISTA_CHECK(out_streams.valid(), ErrorKind::io, "{}: /streams: cannot create group", dst);
    Handle in_streams = h5::open_group(src_root, "streams", Where{src, "/streams"});
    for (const std::string& name : in.stream_names()) {
      const std::string spath = "/streams/" + name;
      const auto it = kernel_by_stream.find(name);
      if (it == kernel_by_stream.end()) {
        h5::check_io(H5Ocopy(in_streams.get(), name.c_str(), out_streams.get(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT),
                     dst, spath + ": cannot copy stream");
        continue;
      }
      // Copy the stream's attributes and datasets except an old kernel group, then write the new one.
      Handle in_group = h5::open_group(in_streams.get(), name, Where{src, spath});
      Handle out_group = h5::group_handle(H5Gcreate2(out_streams.get(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
      VASHISTA_CHECK(out_group.valid(), ErrorKind::io, "{}: {}: cannot create group", dst, spath);
      h5::copy_attributes(in_group.get(), out_group.get(), Where{src, spath});
      std::vector<std::string> children;
      hsize_t index = 0;
      H5Literate(in_group.get(), H5_INDEX_NAME, H5_ITER_INC, &index,
                 [](hid_t, const char* child, const H5L_info_t*, void* data) -> herr_t {
                   static_cast<std::vector<std::string>*>(data)->emplace_back(child);
                   return 0;
                 },
                 &children);
      for (const std::string& child : children) {
        if (child == "kernel") continue;
        h5::check_io(H5Ocopy(in_group.get(), child.c_str(), out_group.get(), child.c_str(), H5P_DEFAULT, H5P_DEFAULT),
                     dst, spath + "/" + child + ": cannot copy");
      }
      // Shapes for validation come from the source stream's dataspaces.
      const Index m = stream_query_count(in, name);
      Handle keys = h5::open_dataset(in_group.get(), "keys", Where{src, spath + "/keys"});
      const auto kdims = h5::dataset_dims(keys.get(), Where{src, spath + "/keys"});
      Index dv = 0;
      if (h5::link_kind(in_group.get(), "values") == h5::LinkKind::dataset) {
        Handle values = h5::open_dataset(in_group.get(), "values", Where{src, spath + "/values"});
        const auto vdims = h5::dataset_dims(values.get(), Where{src, spath + "/values"});
        if (vdims.size() == 2) dv = static_cast<Index>(vdims[1]);
      }
      write_kernel_group(out_group.get(), it->second, kdims.empty() ? 0 : static_cast<Index>(kdims[0]), m, dv,
                         kernel_dtype, options, Where{dst, spath});
    }
    in_streams.reset();
    out_streams.reset();
    h5::close_output_file(out, temp);
  }
  temp.commit();
}

}  // namespace vashista
