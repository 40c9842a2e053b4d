#pragma once
// Internal to src/trace: the HDF5 state behind TraceFile.
#include "trace/hdf5_util.hpp"
#include "trace/trace_reader.hpp"

namespace vashista {

struct TraceFile::Impl {
  h5::Handle file;
};

}  // namespace vashista
