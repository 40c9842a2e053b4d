#pragma once
// Experiment drivers only: a 2-D float64 dataset of an HDF5 file as a row-major matrix (the files of
// experiments/entropic_session35/to_float64.py and experiments/hull_vs_nnls/session34/scripts/mk.py).
// Exits with a message when the file or dataset is missing or not 2-D.
#include "core/conventions.hpp"

#include <hdf5.h>

#include <cstdio>
#include <cstdlib>

inline vashista::Matrix read_float64(const char* file, const char* name) {
  const hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t ds = f < 0 ? -1 : H5Dopen(f, name, H5P_DEFAULT);
  const hid_t space = ds < 0 ? -1 : H5Dget_space(ds);
  hsize_t dims[2] = {0, 0};
  if (space < 0 || H5Sget_simple_extent_ndims(space) != 2) {
    std::fprintf(stderr, "%s: no 2-D dataset %s\n", file, name);
    std::exit(2);
  }
  H5Sget_simple_extent_dims(space, dims, nullptr);
  vashista::Matrix m(static_cast<vashista::Index>(dims[0]), static_cast<vashista::Index>(dims[1]));
  H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, m.data());
  H5Sclose(space);
  H5Dclose(ds);
  H5Fclose(f);
  return m;
}
