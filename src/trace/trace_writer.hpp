#pragma once
// Writing traces in format v1 (docs/trace-format.md). Every write is atomic: the file is built
// under a temporary name in the destination's directory and renamed into place when complete;
// on any failure the temporary is removed and no file appears at the destination.
#include "trace/storage_dtype.hpp"
#include "trace/trace.hpp"

#include <map>
#include <string>

namespace vashista {

struct TraceWriteOptions {
  StorageDtype dtype = StorageDtype::float32;   // keys, values, queries
  StorageDtype kernel_dtype = StorageDtype::float32;  // kernel output, lse, tail_bound (eps: float64)
  int gzip_level = 4;          // 0 = no compression; 1..9 deflate level (with byte shuffle)
  int chunk_bytes = 1 << 16;   // target chunk size; chunks are [rows, all columns]
  bool overwrite = false;      // refuse an existing destination unless set (Error(usage))
};

/// Writes `trace` to `path` (root attributes, one group per stream with its attributes, datasets,
/// optional kernel group and planted-truth attributes). Values are rounded to options.dtype
/// (round to nearest even). A kernel tail_bound narrowed to float32/16 is rounded UP, so storage
/// never makes a certificate smaller than computed. Error(usage) for an existing destination
/// without overwrite, Error(io) when the file cannot be written, Error(bad_input) for an
/// inconsistent Trace (same checks as the reader).
void write_trace(const Trace& trace, const std::string& path, const TraceWriteOptions& options = {});

/// Copies every stream of `src` unchanged (H5Ocopy: original dtypes, chunking and compression)
/// into a new file `dst`, adding or replacing the kernel group of the streams named in
/// `kernel_by_stream` (written with `kernel_dtype`). Root attributes are copied. Atomic like
/// write_trace. `dst` must not name the same file as `src` (Error(usage)); an existing `dst` is
/// replaced only with overwrite = true. Error(bad_input) when a stream named in the map is not in src
/// or its kernel outputs do not match the stream's shapes.
void copy_trace_with_kernel(const std::string& src, const std::string& dst,
                            const std::map<std::string, KernelOutputs>& kernel_by_stream,
                            StorageDtype kernel_dtype = StorageDtype::float32, bool overwrite = true);

}  // namespace vashista
