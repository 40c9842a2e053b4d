#include "trace/hdf5_util.hpp"

#include "trace/small_float.hpp"

#include <algorithm>
#include <limits>
#include <mutex>
#include <new>

namespace vashista::h5 {

void silence_errors() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

LinkKind link_kind(hid_t loc, const std::string& name) {
  if (H5Lexists(loc, name.c_str(), H5P_DEFAULT) <= 0) return LinkKind::absent;
  H5O_info_t info;
  if (H5Oget_info_by_name(loc, name.c_str(), &info, H5P_DEFAULT) < 0) return LinkKind::broken;
  switch (info.type) {
    case H5O_TYPE_GROUP: return LinkKind::group;
    case H5O_TYPE_DATASET: return LinkKind::dataset;
    default: return LinkKind::other;
  }
}

namespace {

void check_not_broken(LinkKind kind, const Where& where) {
  VASHISTA_CHECK(kind != LinkKind::broken, ErrorKind::bad_input,
                 "{}: {}: is a link whose target cannot be opened (dangling soft or external link?)", where.file,
                 where.object);
}

/// A dataset's values must be stored in the trace itself: a virtual dataset reads the fill value where a
/// source file is missing, and external raw storage reads zeros past the end of its file, both silently.
void check_storage_in_file(hid_t dataset, const Where& where) {
  Handle plist = plist_handle(H5Dget_create_plist(dataset));
  VASHISTA_CHECK(plist.valid(), ErrorKind::bad_input, "{}: {}: cannot read the dataset's storage (corrupt file?)",
                 where.file, where.object);
  VASHISTA_CHECK(H5Pget_layout(plist.get()) != H5D_VIRTUAL, ErrorKind::bad_input,
                 "{}: {}: virtual dataset (unsupported: a missing source would read as fill values; copy the data "
                 "into the trace, e.g. with h5repack -l CHUNK=...)",
                 where.file, where.object);
  VASHISTA_CHECK(H5Pget_external_count(plist.get()) == 0, ErrorKind::bad_input,
                 "{}: {}: external raw storage (unsupported: the values must be stored in the trace file)", where.file,
                 where.object);
}

}  // namespace

Handle open_group(hid_t loc, const std::string& name, const Where& where) {
  const LinkKind kind = link_kind(loc, name);
  VASHISTA_CHECK(kind != LinkKind::absent, ErrorKind::bad_input, "{}: {}: missing group", where.file, where.object);
  check_not_broken(kind, where);
  VASHISTA_CHECK(kind == LinkKind::group, ErrorKind::bad_input, "{}: {}: is not a group", where.file, where.object);
  Handle g = group_handle(H5Gopen2(loc, name.c_str(), H5P_DEFAULT));
  VASHISTA_CHECK(g.valid(), ErrorKind::bad_input, "{}: {}: cannot open group (corrupt file?)", where.file, where.object);
  return g;
}

Handle open_dataset(hid_t loc, const std::string& name, const Where& where) {
  const LinkKind kind = link_kind(loc, name);
  VASHISTA_CHECK(kind != LinkKind::absent, ErrorKind::bad_input, "{}: {}: missing dataset", where.file, where.object);
  check_not_broken(kind, where);
  VASHISTA_CHECK(kind == LinkKind::dataset, ErrorKind::bad_input, "{}: {}: is not a dataset", where.file, where.object);
  Handle d = dataset_handle(H5Dopen2(loc, name.c_str(), H5P_DEFAULT));
  VASHISTA_CHECK(d.valid(), ErrorKind::bad_input, "{}: {}: cannot open dataset (corrupt file?)", where.file, where.object);
  check_storage_in_file(d.get(), where);
  return d;
}

std::vector<hsize_t> dataset_dims(hid_t dataset, const Where& where) {
  Handle space = space_handle(H5Dget_space(dataset));
  VASHISTA_CHECK(space.valid(), ErrorKind::bad_input, "{}: {}: cannot read dataspace", where.file, where.object);
  const H5S_class_t cls = H5Sget_simple_extent_type(space.get());
  if (cls == H5S_SCALAR) return {};
  VASHISTA_CHECK(cls == H5S_SIMPLE, ErrorKind::bad_input, "{}: {}: dataset has no data (null dataspace)", where.file,
                 where.object);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  VASHISTA_CHECK(rank >= 0, ErrorKind::bad_input, "{}: {}: cannot read rank", where.file, where.object);
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return dims;
}

namespace {

/// Largest expansion of stored bytes into data bytes that a real dataset can have: deflate's
/// maximum ratio is ~1032:1; 2048 leaves room for shuffle + deflate on constant data.
constexpr double kMaxExpansion = 2048.0;
/// Datasets up to this many data bytes are read whatever their storage says (fill values only).
constexpr double kAlwaysPlausibleBytes = 64.0 * 1024 * 1024;

/// Element count of the dataset, checked before anything is allocated for it: the product of the
/// dimensions must not overflow, and the data it claims must be plausible for the bytes the file
/// stores for it (a corrupt dataspace claiming 1e18 elements is bad input, not "out of memory").
hsize_t element_count(hid_t dataset, const Where& where, double element_bytes) {
  hsize_t count = 1;
  for (hsize_t d : dataset_dims(dataset, where)) {
    VASHISTA_CHECK(d == 0 || count <= std::numeric_limits<hsize_t>::max() / d, ErrorKind::bad_input,
                   "{}: {}: dataspace dimensions overflow (corrupt file?)", where.file, where.object);
    count *= d;
  }
  const double data_bytes = static_cast<double>(count) * element_bytes;
  const double stored = static_cast<double>(H5Dget_storage_size(dataset));
  VASHISTA_CHECK(data_bytes <= std::max(kAlwaysPlausibleBytes, stored * kMaxExpansion), ErrorKind::bad_input,
                 "{}: {}: dataspace claims {} elements ({:.3g} GB) but the file stores {:.0f} bytes for it "
                 "(corrupt file?)",
                 where.file, where.object, count, data_bytes / 1e9, stored);
  return count;
}

/// Allocates `count` values, turning an allocation failure into a one-line error naming the object.
template <typename T>
std::vector<T> allocate_for(hsize_t count, const Where& where) {
  try {
    return std::vector<T>(static_cast<size_t>(count));
  } catch (const std::bad_alloc&) {
    VASHISTA_FAIL(ErrorKind::io, "{}: {}: cannot allocate {:.3g} GB to read this dataset (out of memory)", where.file,
                  where.object, static_cast<double>(count) * sizeof(T) / 1e9);
  }
}

/// True when a float type has the IEEE 754 binary16 / binary32 / binary64 layout of its size (sign bit,
/// exponent position, width and bias, mantissa width, implied leading bit): what h5py and every framework
/// write. Anything else (e.g. a custom exponent bias) would be converted by HDF5 into other values.
bool is_ieee_float(hid_t type) {
  struct Layout {
    size_t size, spos, epos, esize, msize, ebias;
  };
  constexpr Layout kIeee[] = {{2, 15, 10, 5, 10, 15}, {4, 31, 23, 8, 23, 127}, {8, 63, 52, 11, 52, 1023}};
  const size_t size = H5Tget_size(type);
  size_t spos = 0, epos = 0, esize = 0, mpos = 0, msize = 0;
  if (H5Tget_fields(type, &spos, &epos, &esize, &mpos, &msize) < 0) return false;
  for (const Layout& l : kIeee) {
    if (l.size == size)
      return spos == l.spos && epos == l.epos && esize == l.esize && mpos == 0 && msize == l.msize &&
             H5Tget_ebias(type) == l.ebias && H5Tget_norm(type) == H5T_NORM_IMPLIED && H5Tget_offset(type) == 0 &&
             H5Tget_precision(type) == 8 * size;
  }
  return false;
}

/// Name of an HDF5 type class for messages.
std::string type_class_name(H5T_class_t cls) {
  switch (cls) {
    case H5T_TIME: return "time";
    case H5T_STRING: return "string";
    case H5T_BITFIELD: return "bitfield";
    case H5T_OPAQUE: return "opaque";
    case H5T_COMPOUND: return "compound (e.g. complex)";
    case H5T_REFERENCE: return "reference";
    case H5T_ENUM: return "enum (e.g. bool)";
    case H5T_VLEN: return "variable-length";
    case H5T_ARRAY: return "array";
    default: return fmt::format("HDF5 type class {}", static_cast<int>(cls));
  }
}

enum class RealKind { float_native, float16, bfloat16, unsupported };

RealKind classify_real(hid_t dataset, std::string* name) {
  Handle type = type_handle(H5Dget_type(dataset));
  if (!type.valid()) {
    *name = "unreadable type";
    return RealKind::unsupported;
  }
  const H5T_class_t cls = H5Tget_class(type.get());
  const size_t size = H5Tget_size(type.get());
  const bool uint16 = cls == H5T_INTEGER && size == 2 && H5Tget_sign(type.get()) == H5T_SGN_NONE;
  // The `dtype` attribute tags bfloat16 bits stored as uint16; on any dataset it must be one string, and
  // "bfloat16" only on uint16 data.
  if (H5Aexists(dataset, "dtype") > 0) {
    std::optional<std::string> tag;
    try {
      tag = read_string_attribute(dataset, "dtype", Where{"", ""});
    } catch (const Error&) {
      *name = "with a 'dtype' attribute that is not one string";
      return RealKind::unsupported;
    }
    if (*tag == "bfloat16") {
      if (uint16) {
        *name = "bfloat16";
        return RealKind::bfloat16;
      }
      *name = "dtype=\"bfloat16\" attribute on a non-uint16 dataset";
      return RealKind::unsupported;
    }
    if (uint16) {
      *name = fmt::format("uint16 with dtype=\"{}\" attribute (bfloat16 bits need dtype=\"bfloat16\")", *tag);
      return RealKind::unsupported;
    }
  }
  if (cls == H5T_FLOAT && is_ieee_float(type.get())) {
    static constexpr const char* kNames[] = {"float16", "float32", "float64"};
    *name = kNames[size == 2 ? 0 : size == 4 ? 1 : 2];
    return size == 2 ? RealKind::float16 : RealKind::float_native;
  }
  if (cls == H5T_INTEGER) {
    *name = fmt::format("{}int{}", H5Tget_sign(type.get()) == H5T_SGN_NONE ? "u" : "", 8 * size);
    if (uint16) *name += " without dtype=\"bfloat16\" attribute";
  } else if (cls == H5T_FLOAT) {
    *name = fmt::format("{}-bit float of non-IEEE layout", 8 * size);
  } else {
    *name = type_class_name(cls);
  }
  return RealKind::unsupported;
}

}  // namespace

std::string dataset_dtype_name(hid_t dataset) {
  std::string name;
  classify_real(dataset, &name);
  return name;
}

std::vector<double> read_real_dataset(hid_t dataset, const Where& where) {
  std::string name;
  const RealKind kind = classify_real(dataset, &name);
  VASHISTA_CHECK(kind != RealKind::unsupported, ErrorKind::bad_input,
                 "{}: {}: unsupported dtype {} (expected float64, float32, float16 or bfloat16)", where.file,
                 where.object, name);
  const hsize_t count = element_count(dataset, where, kind == RealKind::float_native ? 4.0 : 2.0);
  std::vector<double> out = allocate_for<double>(count, where);
  if (count == 0) return out;
  herr_t status = 0;
  if (kind == RealKind::float_native) {
    status = H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data());
  } else {
    std::vector<uint16_t> bits = allocate_for<uint16_t>(count, where);
    if (kind == RealKind::bfloat16) {
      status = H5Dread(dataset, H5T_NATIVE_UINT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, bits.data());
    } else {
      // Read the 16-bit pattern unchanged (only byte order converted) and decode it ourselves.
      Handle file_type = type_handle(H5Dget_type(dataset));
      Handle mem_type = type_handle(H5Tcopy(file_type.get()));
      H5Tset_order(mem_type.get(), H5Tget_order(H5T_NATIVE_UINT16));
      status = H5Dread(dataset, mem_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bits.data());
    }
    if (status >= 0) {
      const SmallFloatFormat format = kind == RealKind::bfloat16 ? kBFloat16 : kFloat16;
      for (size_t i = 0; i < bits.size(); ++i) out[i] = decode_small_float(bits[i], format);
    }
  }
  VASHISTA_CHECK(status >= 0, ErrorKind::bad_input, "{}: {}: cannot read data (truncated or corrupt file?)",
                 where.file, where.object);
  return out;
}

std::vector<int64_t> read_integer_dataset(hid_t dataset, const Where& where) {
  Handle type = type_handle(H5Dget_type(dataset));
  VASHISTA_CHECK(type.valid() && H5Tget_class(type.get()) == H5T_INTEGER, ErrorKind::bad_input,
                 "{}: {}: unsupported dtype (expected an integer dataset, int32 or int64)", where.file, where.object);
  const hsize_t count = element_count(dataset, where, 4.0);
  std::vector<int64_t> out = allocate_for<int64_t>(count, where);
  if (count == 0) return out;
  // HDF5 clamps a uint64 beyond INT64_MAX when converting: such values are read as uint64 and refused.
  const bool wide_unsigned = H5Tget_sign(type.get()) == H5T_SGN_NONE && H5Tget_size(type.get()) >= 8;
  const herr_t status =
      H5Dread(dataset, wide_unsigned ? H5T_NATIVE_UINT64 : H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data());
  VASHISTA_CHECK(status >= 0, ErrorKind::bad_input, "{}: {}: cannot read data (truncated or corrupt file?)",
                 where.file, where.object);
  if (wide_unsigned) {
    for (size_t i = 0; i < out.size(); ++i)
      VASHISTA_CHECK(out[i] >= 0, ErrorKind::bad_input, "{}: {}: [{}] = {} is beyond the int64 range", where.file,
                     where.object, i, static_cast<uint64_t>(out[i]));
  }
  return out;
}

std::string dataset_storage_description(hid_t dataset) {
  Handle plist = plist_handle(H5Dget_create_plist(dataset));
  if (!plist.valid()) return "?";
  const H5D_layout_t layout = H5Pget_layout(plist.get());
  if (layout == H5D_CONTIGUOUS) return "contiguous";
  if (layout == H5D_COMPACT) return "compact";
  if (layout != H5D_CHUNKED) return "?";
  hsize_t chunk[H5S_MAX_RANK];
  const int rank = H5Pget_chunk(plist.get(), H5S_MAX_RANK, chunk);
  std::string text = "chunked [";
  for (int i = 0; i < rank; ++i) text += fmt::format("{}{}", i ? "," : "", chunk[i]);
  text += "]";
  const int nfilters = H5Pget_nfilters(plist.get());
  for (int i = 0; i < nfilters; ++i) {
    unsigned flags = 0;
    size_t nelmts = 4;
    unsigned values[4] = {0, 0, 0, 0};
    char fname[64] = {0};
    unsigned config = 0;
    const H5Z_filter_t id =
        H5Pget_filter2(plist.get(), static_cast<unsigned>(i), &flags, &nelmts, values, sizeof(fname), fname, &config);
    text += i == 0 ? " " : "+";
    if (id == H5Z_FILTER_DEFLATE) {
      text += nelmts > 0 ? fmt::format("gzip({})", values[0]) : "gzip";
    } else if (id == H5Z_FILTER_SHUFFLE) {
      text += "shuffle";
    } else if (id == H5Z_FILTER_FLETCHER32) {
      text += "fletcher32";
    } else if (id == H5Z_FILTER_SZIP) {
      text += "szip";
    } else {
      text += fmt::format("filter{}", static_cast<int>(id));
    }
  }
  return text;
}

bool has_attribute(hid_t obj, const std::string& name) { return H5Aexists(obj, name.c_str()) > 0; }

namespace {

Handle open_attribute(hid_t obj, const std::string& name, const Where& where) {
  Handle attr = attr_handle(H5Aopen(obj, name.c_str(), H5P_DEFAULT));
  VASHISTA_CHECK(attr.valid(), ErrorKind::bad_input, "{}: {}: cannot open attribute '{}'", where.file, where.object,
                 name);
  return attr;
}

std::vector<hsize_t> attribute_dims(hid_t attr) {
  Handle space = space_handle(H5Aget_space(attr));
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(static_cast<size_t>(rank > 0 ? rank : 0));
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return dims;
}

hsize_t attribute_count(hid_t attr) {
  Handle space = space_handle(H5Aget_space(attr));
  if (H5Sget_simple_extent_type(space.get()) == H5S_NULL) return 0;
  hsize_t count = 1;
  for (hsize_t d : attribute_dims(attr)) count *= d;
  return count;
}

}  // namespace

size_t attribute_rank(hid_t obj, const std::string& name, const Where& where) {
  Handle attr = open_attribute(obj, name, where);
  return attribute_dims(attr.get()).size();
}

std::optional<std::string> read_string_attribute(hid_t obj, const std::string& name, const Where& where) {
  if (!has_attribute(obj, name)) return std::nullopt;
  Handle attr = open_attribute(obj, name, where);
  Handle type = type_handle(H5Aget_type(attr.get()));
  VASHISTA_CHECK(H5Tget_class(type.get()) == H5T_STRING, ErrorKind::bad_input,
                 "{}: {}: attribute '{}' is not a string", where.file, where.object, name);
  VASHISTA_CHECK(attribute_count(attr.get()) == 1, ErrorKind::bad_input,
                 "{}: {}: attribute '{}' must hold one string", where.file, where.object, name);
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle mem = type_handle(H5Tcopy(H5T_C_S1));
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
    char* text = nullptr;
    VASHISTA_CHECK(H5Aread(attr.get(), mem.get(), &text) >= 0, ErrorKind::bad_input,
                   "{}: {}: cannot read attribute '{}'", where.file, where.object, name);
    std::string value = text != nullptr ? text : "";
    H5free_memory(text);
    return value;
  }
  // Fixed length: the stored bytes as they are (HDF5's string conversion would stop at the first NUL and
  // read "abc\0junk" as "abc"), then the padding removed: NULs, or trailing spaces for space padding.
  const size_t size = H5Tget_size(type.get());
  std::string buffer(size, '\0');
  Handle mem = type_handle(H5Tcopy(type.get()));
  VASHISTA_CHECK(size > 0 && H5Aread(attr.get(), mem.get(), buffer.data()) >= 0, ErrorKind::bad_input,
                 "{}: {}: cannot read attribute '{}'", where.file, where.object, name);
  const size_t length = std::min(buffer.find('\0'), size);
  VASHISTA_CHECK(buffer.find_first_not_of('\0', length) == std::string::npos, ErrorKind::bad_input,
                 "{}: {}: attribute '{}' holds a NUL character", where.file, where.object, name);
  buffer.resize(length);
  if (H5Tget_strpad(type.get()) == H5T_STR_SPACEPAD) buffer.erase(buffer.find_last_not_of(' ') + 1);
  return buffer;
}

std::optional<int64_t> read_int_attribute(hid_t obj, const std::string& name, const Where& where) {
  auto values = read_int_array_attribute(obj, name, where);
  if (!values) return std::nullopt;
  VASHISTA_CHECK(values->size() == 1, ErrorKind::bad_input, "{}: {}: attribute '{}' must hold one integer",
                 where.file, where.object, name);
  return values->front();
}

std::optional<std::vector<int64_t>> read_int_array_attribute(hid_t obj, const std::string& name, const Where& where) {
  if (!has_attribute(obj, name)) return std::nullopt;
  Handle attr = open_attribute(obj, name, where);
  Handle type = type_handle(H5Aget_type(attr.get()));
  VASHISTA_CHECK(H5Tget_class(type.get()) == H5T_INTEGER, ErrorKind::bad_input,
                 "{}: {}: attribute '{}' is not an integer", where.file, where.object, name);
  std::vector<int64_t> values(static_cast<size_t>(attribute_count(attr.get())));
  if (!values.empty()) {
    VASHISTA_CHECK(H5Aread(attr.get(), H5T_NATIVE_INT64, values.data()) >= 0, ErrorKind::bad_input,
                   "{}: {}: cannot read attribute '{}'", where.file, where.object, name);
  }
  return values;
}

std::optional<std::pair<std::vector<double>, std::vector<hsize_t>>> read_real_array_attribute(
    hid_t obj, const std::string& name, const Where& where) {
  if (!has_attribute(obj, name)) return std::nullopt;
  Handle attr = open_attribute(obj, name, where);
  Handle type = type_handle(H5Aget_type(attr.get()));
  const H5T_class_t cls = H5Tget_class(type.get());
  VASHISTA_CHECK(cls == H5T_FLOAT || cls == H5T_INTEGER, ErrorKind::bad_input,
                 "{}: {}: attribute '{}' is not a number", where.file, where.object, name);
  std::vector<double> values(static_cast<size_t>(attribute_count(attr.get())));
  if (!values.empty()) {
    VASHISTA_CHECK(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, values.data()) >= 0, ErrorKind::bad_input,
                   "{}: {}: cannot read attribute '{}'", where.file, where.object, name);
  }
  return std::make_pair(std::move(values), attribute_dims(attr.get()));
}

std::optional<double> read_double_attribute(hid_t obj, const std::string& name, const Where& where) {
  auto values = read_real_array_attribute(obj, name, where);
  if (!values) return std::nullopt;
  VASHISTA_CHECK(values->first.size() == 1, ErrorKind::bad_input, "{}: {}: attribute '{}' must hold one number",
                 where.file, where.object, name);
  return values->first.front();
}

namespace {

void replace_attribute(hid_t obj, const std::string& name) {
  if (H5Aexists(obj, name.c_str()) > 0) H5Adelete(obj, name.c_str());
}

void write_attribute_raw(hid_t obj, const std::string& name, hid_t type, hid_t space, const void* data) {
  replace_attribute(obj, name);
  Handle attr = attr_handle(H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT));
  VASHISTA_CHECK(attr.valid() && H5Awrite(attr.get(), type, data) >= 0, ErrorKind::io,
                 "cannot write attribute '{}'", name);
}

}  // namespace

void write_string_attribute(hid_t obj, const std::string& name, const std::string& value) {
  // Variable-length UTF-8, as h5py writes Python str (h5py reads it back as str, not bytes).
  Handle type = type_handle(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  Handle space = space_handle(H5Screate(H5S_SCALAR));
  const char* text = value.c_str();
  write_attribute_raw(obj, name, type.get(), space.get(), &text);
}

void write_int_attribute(hid_t obj, const std::string& name, int64_t value) {
  Handle space = space_handle(H5Screate(H5S_SCALAR));
  replace_attribute(obj, name);
  Handle attr = attr_handle(H5Acreate2(obj, name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT));
  VASHISTA_CHECK(attr.valid() && H5Awrite(attr.get(), H5T_NATIVE_INT64, &value) >= 0, ErrorKind::io,
                 "cannot write attribute '{}'", name);
}

void write_double_attribute(hid_t obj, const std::string& name, double value) {
  Handle space = space_handle(H5Screate(H5S_SCALAR));
  replace_attribute(obj, name);
  Handle attr = attr_handle(H5Acreate2(obj, name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT));
  VASHISTA_CHECK(attr.valid() && H5Awrite(attr.get(), H5T_NATIVE_DOUBLE, &value) >= 0, ErrorKind::io,
                 "cannot write attribute '{}'", name);
}

void write_int_array_attribute(hid_t obj, const std::string& name, const std::vector<int64_t>& values) {
  const hsize_t dims[1] = {values.size()};
  Handle space = space_handle(values.empty() ? H5Screate(H5S_NULL) : H5Screate_simple(1, dims, nullptr));
  replace_attribute(obj, name);
  Handle attr = attr_handle(H5Acreate2(obj, name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT));
  VASHISTA_CHECK(attr.valid(), ErrorKind::io, "cannot write attribute '{}'", name);
  if (!values.empty()) {
    VASHISTA_CHECK(H5Awrite(attr.get(), H5T_NATIVE_INT64, values.data()) >= 0, ErrorKind::io,
                   "cannot write attribute '{}'", name);
  }
}

void write_double_array_attribute(hid_t obj, const std::string& name, const std::vector<double>& values,
                                  const std::vector<hsize_t>& dims) {
  Handle space = space_handle(values.empty() ? H5Screate(H5S_NULL)
                                             : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
  replace_attribute(obj, name);
  Handle attr = attr_handle(H5Acreate2(obj, name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT));
  VASHISTA_CHECK(attr.valid(), ErrorKind::io, "cannot write attribute '{}'", name);
  if (!values.empty()) {
    VASHISTA_CHECK(H5Awrite(attr.get(), H5T_NATIVE_DOUBLE, values.data()) >= 0, ErrorKind::io,
                   "cannot write attribute '{}'", name);
  }
}

namespace {

struct CopyContext {
  hid_t dst;
  const Where* where;
  std::string failed;
};

herr_t copy_one_attribute(hid_t src, const char* name, const H5A_info_t*, void* data) {
  auto* ctx = static_cast<CopyContext*>(data);
  Handle attr = attr_handle(H5Aopen(src, name, H5P_DEFAULT));
  Handle type = type_handle(H5Aget_type(attr.get()));
  Handle space = space_handle(H5Aget_space(attr.get()));
  if (!attr.valid() || !type.valid() || !space.valid()) {
    ctx->failed = name;
    return -1;
  }
  const hssize_t count = H5Sget_simple_extent_npoints(space.get());
  std::vector<unsigned char> buffer(H5Tget_size(type.get()) * static_cast<size_t>(count > 0 ? count : 0) + 1);
  if (count > 0 && H5Aread(attr.get(), type.get(), buffer.data()) < 0) {
    ctx->failed = name;
    return -1;
  }
  Handle out = attr_handle(H5Acreate2(ctx->dst, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
  const bool ok = out.valid() && (count <= 0 || H5Awrite(out.get(), type.get(), buffer.data()) >= 0);
  if (count > 0 && H5Tdetect_class(type.get(), H5T_VLEN) > 0) {
    H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, buffer.data());
  } else if (count > 0 && H5Tis_variable_str(type.get()) > 0) {
    H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, buffer.data());
  }
  if (!ok) {
    ctx->failed = name;
    return -1;
  }
  return 0;
}

}  // namespace

void copy_attributes(hid_t src, hid_t dst, const Where& where) {
  CopyContext ctx{dst, &where, {}};
  hsize_t index = 0;
  const herr_t status = H5Aiterate2(src, H5_INDEX_NAME, H5_ITER_NATIVE, &index, copy_one_attribute, &ctx);
  VASHISTA_CHECK(status >= 0, ErrorKind::io, "{}: {}: cannot copy attribute '{}'", where.file, where.object,
                 ctx.failed);
}

void check_io(herr_t status, const std::string& file, const std::string& what) {
  VASHISTA_CHECK(status >= 0, ErrorKind::io, "{}: {}", file, what);
}

namespace {

/// Chunked (+ shuffle + gzip) creation property list for a dataset of `dims` with elements of
/// `element_size` bytes: chunks span all trailing dimensions and as many leading rows as fit.
Handle chunked_plist(const std::vector<hsize_t>& dims, size_t element_size, const DatasetLayout& layout) {
  Handle plist = plist_handle(H5Pcreate(H5P_DATASET_CREATE));
  hsize_t row_elems = 1;
  for (size_t i = 1; i < dims.size(); ++i) row_elems *= dims[i];
  const hsize_t row_bytes = std::max<hsize_t>(1, row_elems * element_size);
  std::vector<hsize_t> chunk = dims;
  chunk[0] = std::clamp<hsize_t>(static_cast<hsize_t>(layout.chunk_bytes) / row_bytes, 1, dims[0]);
  H5Pset_chunk(plist.get(), static_cast<int>(chunk.size()), chunk.data());
  if (layout.gzip_level > 0) {
    H5Pset_shuffle(plist.get());
    H5Pset_deflate(plist.get(), static_cast<unsigned>(std::min(layout.gzip_level, 9)));
  }
  return plist;
}

}  // namespace

void write_dataset(hid_t loc, const std::string& name, const std::vector<hsize_t>& dims, hid_t file_type,
                   hid_t mem_type, const void* data, size_t element_size, const DatasetLayout& layout,
                   const Where& where) {
  Handle space = space_handle(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
  bool empty = false;
  for (hsize_t d : dims) empty = empty || d == 0;
  Handle plist = empty ? plist_handle(H5Pcreate(H5P_DATASET_CREATE)) : chunked_plist(dims, element_size, layout);
  Handle dset = dataset_handle(H5Dcreate2(loc, name.c_str(), file_type, space.get(), H5P_DEFAULT, plist.get(), H5P_DEFAULT));
  VASHISTA_CHECK(dset.valid(), ErrorKind::io, "{}: {}/{}: cannot create dataset", where.file, where.object, name);
  if (!empty) {
    check_io(H5Dwrite(dset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), where.file,
             fmt::format("{}/{}: cannot write dataset", where.object, name));
  }
}

Handle create_group(hid_t loc, const std::string& name, const Where& where) {
  Handle g = group_handle(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  VASHISTA_CHECK(g.valid(), ErrorKind::io, "{}: {}: cannot create group", where.file, where.object);
  return g;
}

Handle create_output_file(const TemporaryPath& temp) {
  silence_errors();
  Handle file = file_handle(H5Fcreate(temp.path().c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT));
  VASHISTA_CHECK(file.valid(), ErrorKind::io, "{}: cannot create output file (directory missing or not writable?)",
                 temp.final_path());
  return file;
}

void close_output_file(Handle& file, const TemporaryPath& temp) {
  const hid_t id = file.release();  // closed here so that H5Fclose's status can be checked
  check_io(H5Fclose(id), temp.final_path(), "cannot finish writing the file (disk full?)");
}

}  // namespace vashista::h5
