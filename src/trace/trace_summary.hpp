#pragma once
// `vashista inspect`: full validation of a trace (every selected stream is read and checked, one at
// a time) and a per-stream summary of its shapes, storage and optional groups.
#include "core/conventions.hpp"

#include <string>
#include <vector>

namespace vashista {

struct StreamInfo {
  std::string name;
  int layer = -1, kv_head = -1;
  Index n = 0, d = 0, d_v = 0, m = 0;       // d_v = 0: no values
  std::string dtype;                         // storage dtype of keys (e.g. "float32", "bfloat16")
  std::string storage;                       // keys layout/filters, e.g. "chunked [256,64] shuffle+gzip(4)"
  double scale = kNaN;
  bool scale_from_attribute = false;         // false: default 1/sqrt(d)
  Index query_length_min = 0, query_length_max = 0;  // n, n when query_length is absent
  bool has_query_length = false, has_query_head = false, has_position = false;
  bool has_kernel = false;
  Index kernel_E = 0;                        // number of temperatures in the kernel group
  std::vector<double> kernel_eps;
  std::string planted_model;                 // "softmax", "hull" or empty
  Index planted_face_size = 0;
  double planted_delta_min = kNaN;
};

struct TraceSummary {
  std::string path, format, source, created_by;
  int version = 0;
  Index total_streams = 0;                   // streams in the file (before --streams filtering)
  std::vector<StreamInfo> streams;           // the selected streams, validated
};

/// Opens, validates (read_stream on every selected stream) and summarises a trace.
/// Error(bad_input) on the first problem; Error(usage) when patterns match no stream.
TraceSummary summarize_trace(const std::string& path, const std::vector<std::string>& stream_patterns = {});

/// Aligned text table (one header block, one row per stream).
std::string format_summary_table(const TraceSummary& summary);

/// JSON: {"trace", "format", "version", "source", "created_by", "total_streams", "valid": true,
/// "streams": [{name, layer, kv_head, n, d, d_v, m, dtype, storage, scale, scale_from_attribute,
/// query_length_min, query_length_max, has_query_length, has_query_head, has_position, kernel:
/// null | {E, eps}, planted: null | {model, face_size, delta_min}}]}. Non-finite numbers are null.
std::string summary_to_json(const TraceSummary& summary);

}  // namespace vashista
