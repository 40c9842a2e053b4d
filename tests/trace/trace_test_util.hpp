#pragma once
// Helpers for trace tests: a scratch directory, a small valid trace, and raw HDF5 edits to make
// malformed files. (hdf5.h: test_trace gets libhdf5 through vashista_trace; the include directory
// is found here directly because HDF5 is a private dependency of vashista_trace.)
#if __has_include(<hdf5.h>)
#include <hdf5.h>
#else
#include <hdf5/serial/hdf5.h>
#endif

#include "trace/storage_dtype.hpp"
#include "trace/trace.hpp"

#include <filesystem>
#include <functional>
#include <random>
#include <string>

namespace vashista::test {

/// A fresh directory under the system temp dir, removed at scope exit.
struct ScratchDir {
  std::filesystem::path path;
  explicit ScratchDir(const std::string& tag) {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() / ("vashista_test_" + tag + "_" + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
  size_t count_entries() const {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(path)) ++n;
    return n;
  }
};

/// A small stream with every optional dataset; values representable in `dtype`.
inline Stream small_stream(const std::string& name, Index n, Index d, Index dv, Index m, StorageDtype dtype,
                           unsigned seed = 1) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> U(-3.0, 3.0);
  const auto fill = [&](Index rows, Index cols) {
    Matrix x(rows, cols);
    for (Index i = 0; i < x.size(); ++i) x.data()[i] = quantize(U(gen), dtype);
    return x;
  };
  Stream s;
  s.name = name;
  s.layer = 3;
  s.kv_head = 1;
  s.scale = 0.25;
  s.keys = fill(n, d);
  s.values = fill(n, dv);
  s.queries = fill(m, d);
  for (Index j = 0; j < m; ++j) {
    s.query_length.push_back(n - m + j + 1);
    s.query_head.push_back(static_cast<int32_t>(j % 2));
    s.position.push_back(n - m + j);
  }
  return s;
}

/// Opens `path` read-write and runs `edit(file_id)` on it (to break a good file on purpose).
inline void edit_file(const std::string& path, const std::function<void(hid_t)>& edit) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  if (file < 0) throw std::runtime_error("edit_file: cannot open " + path);
  edit(file);
  H5Fclose(file);
}

/// Replaces dataset `object` by a float64 dataset of the given shape filled with `fill`.
inline void replace_dataset(hid_t file, const std::string& object, std::vector<hsize_t> dims, double fill = 0.5,
                            hid_t file_type = H5T_IEEE_F64LE) {
  if (H5Lexists(file, object.c_str(), H5P_DEFAULT) > 0) H5Ldelete(file, object.c_str(), H5P_DEFAULT);
  hsize_t count = 1;
  for (hsize_t d : dims) count *= d;
  std::vector<double> data(count, fill);
  const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  const hid_t dset = H5Dcreate2(file, object.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (count > 0) H5Dwrite(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data());
  H5Dclose(dset);
  H5Sclose(space);
}

/// Writes element `index` (flat) of a float64/float32 dataset.
inline void poke(hid_t file, const std::string& object, hsize_t index, double value) {
  const hid_t dset = H5Dopen2(file, object.c_str(), H5P_DEFAULT);
  const hid_t space = H5Dget_space(dset);
  const int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  std::vector<hsize_t> coord(static_cast<size_t>(rank));
  for (int r = rank - 1; r >= 0; --r) {
    coord[static_cast<size_t>(r)] = index % dims[static_cast<size_t>(r)];
    index /= dims[static_cast<size_t>(r)];
  }
  H5Sselect_elements(space, H5S_SELECT_SET, 1, coord.data());
  const hsize_t one = 1;
  const hid_t mem = H5Screate_simple(1, &one, nullptr);
  H5Dwrite(dset, H5T_NATIVE_DOUBLE, mem, space, H5P_DEFAULT, &value);
  H5Sclose(mem);
  H5Sclose(space);
  H5Dclose(dset);
}

inline void write_int_attr(hid_t obj, const char* name, long long value) {
  if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t attr = H5Acreate2(obj, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(attr, H5T_NATIVE_LLONG, &value);
  H5Aclose(attr);
  H5Sclose(space);
}

inline void write_string_attr(hid_t obj, const char* name, const std::string& value) {
  if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, value.size());
  H5Tset_strpad(type, H5T_STR_NULLPAD);  // fixed-length, like numpy bytes
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(attr, type, value.c_str());
  H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
}

}  // namespace vashista::test
