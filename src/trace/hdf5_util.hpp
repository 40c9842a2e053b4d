#pragma once
// Internal to src/trace: RAII ownership of HDF5 identifiers and small typed helpers around the
// HDF5 1.10 C API. Not part of the public interface (it includes hdf5.h; vashista_trace links HDF5
// privately). Every helper reports failure through vashista::Error with the file and object path.
#include "core/conventions.hpp"
#include "core/error.hpp"
#include "report/atomic_file.hpp"

#include <hdf5.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vashista::h5 {

/// Silences HDF5's automatic error printing (once per process): nothing from HDF5 reaches the
/// terminal; our own one-line errors say what failed.
void silence_errors();

/// Owns one hid_t and closes it with the matching H5?close.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
      closer_ = other.closer_;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  hid_t get() const { return id_; }
  /// Gives up ownership without closing (the caller closes and checks the status).
  hid_t release() { return std::exchange(id_, H5I_INVALID_HID); }
  bool valid() const { return id_ >= 0; }
  void reset() {
    if (id_ >= 0 && closer_ != nullptr) closer_(id_);
    id_ = H5I_INVALID_HID;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

inline Handle file_handle(hid_t id) { return Handle(id, H5Fclose); }
inline Handle group_handle(hid_t id) { return Handle(id, H5Gclose); }
inline Handle dataset_handle(hid_t id) { return Handle(id, H5Dclose); }
inline Handle space_handle(hid_t id) { return Handle(id, H5Sclose); }
inline Handle type_handle(hid_t id) { return Handle(id, H5Tclose); }
inline Handle attr_handle(hid_t id) { return Handle(id, H5Aclose); }
inline Handle plist_handle(hid_t id) { return Handle(id, H5Pclose); }
inline Handle object_handle(hid_t id) { return Handle(id, H5Oclose); }

/// Context for error messages: "<file>: <object path>".
struct Where {
  std::string file;
  std::string object;
};

/// Kind of a link below `loc`: absent, group, dataset, other (e.g. a named datatype) or broken (a soft or
/// external link whose target cannot be opened).
enum class LinkKind { absent, group, dataset, other, broken };
LinkKind link_kind(hid_t loc, const std::string& name);

/// Opens a group / dataset that must exist (Error(bad_input) naming where otherwise). A dataset's values
/// must be stored in the file: virtual datasets and external raw storage are refused.
Handle open_group(hid_t loc, const std::string& name, const Where& where);
Handle open_dataset(hid_t loc, const std::string& name, const Where& where);

/// Dimensions of a dataset's simple dataspace.
std::vector<hsize_t> dataset_dims(hid_t dataset, const Where& where);

/// Reads a floating-point dataset (float64/32, IEEE-like float16, bfloat16 as uint16 with attribute
/// dtype="bfloat16") into doubles, row-major. Error(bad_input) on any other dtype.
std::vector<double> read_real_dataset(hid_t dataset, const Where& where);
/// Storage dtype name of a real dataset as the format names it, or a description of an unsupported one.
std::string dataset_dtype_name(hid_t dataset);
/// Reads an integer dataset (any integer width/sign) into int64. Error(bad_input) otherwise.
std::vector<int64_t> read_integer_dataset(hid_t dataset, const Where& where);
/// Layout and filters in words: "contiguous", "chunked [64,64] gzip(4)+shuffle".
std::string dataset_storage_description(hid_t dataset);

/// Attributes. std::nullopt when absent; Error(bad_input) when present with the wrong type/shape.
bool has_attribute(hid_t obj, const std::string& name);
/// Rank of an attribute's dataspace (0 for a scalar).
size_t attribute_rank(hid_t obj, const std::string& name, const Where& where);
std::optional<std::string> read_string_attribute(hid_t obj, const std::string& name, const Where& where);
std::optional<int64_t> read_int_attribute(hid_t obj, const std::string& name, const Where& where);
std::optional<double> read_double_attribute(hid_t obj, const std::string& name, const Where& where);
std::optional<std::vector<int64_t>> read_int_array_attribute(hid_t obj, const std::string& name, const Where& where);
/// Real attribute of any shape, flattened row-major, with its dimensions.
std::optional<std::pair<std::vector<double>, std::vector<hsize_t>>> read_real_array_attribute(
    hid_t obj, const std::string& name, const Where& where);

void write_string_attribute(hid_t obj, const std::string& name, const std::string& value);
void write_int_attribute(hid_t obj, const std::string& name, int64_t value);
void write_double_attribute(hid_t obj, const std::string& name, double value);
void write_int_array_attribute(hid_t obj, const std::string& name, const std::vector<int64_t>& values);
void write_double_array_attribute(hid_t obj, const std::string& name, const std::vector<double>& values,
                                  const std::vector<hsize_t>& dims);

/// Storage of a written dataset: chunks of whole trailing dimensions and as many leading rows as fit in
/// chunk_bytes; byte shuffle + gzip at gzip_level when > 0 (0 = uncompressed).
struct DatasetLayout {
  int gzip_level = 4;
  int chunk_bytes = 1 << 16;
};

/// Creates dataset `name` (file_type, `dims`) below `loc` with `layout` (contiguous when a dimension is 0)
/// and writes `data` (mem_type, element_size bytes each, row-major). Error(io) naming where on failure.
void write_dataset(hid_t loc, const std::string& name, const std::vector<hsize_t>& dims, hid_t file_type,
                   hid_t mem_type, const void* data, size_t element_size, const DatasetLayout& layout,
                   const Where& where);

/// Creates group `name` below `loc` (Error(io) naming where otherwise).
Handle create_group(hid_t loc, const std::string& name, const Where& where);

/// Creates the HDF5 file at an atomic output's temporary path (Error(io) naming the final path), and
/// closes it checking H5Fclose's status (a full disk shows there); the caller then commits `temp`.
Handle create_output_file(const TemporaryPath& temp);
void close_output_file(Handle& file, const TemporaryPath& temp);

/// Copies every attribute of `src` onto `dst` with its original type.
void copy_attributes(hid_t src, hid_t dst, const Where& where);

/// Throws Error(io) "<file>: <what>" when status < 0 (for write-side HDF5 calls).
void check_io(herr_t status, const std::string& file, const std::string& what);
inline hid_t check_id(hid_t id, const std::string& file, const std::string& what) {
  check_io(id < 0 ? -1 : 0, file, what);
  return id;
}

}  // namespace vashista::h5
