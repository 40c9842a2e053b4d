#pragma once
// In-memory form of an attention trace, format v1 (docs/trace-format.md).
// Everything is double; storage dtypes are converted on read. Conventions: core/conventions.hpp.
#include "core/conventions.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vashista {

/// Optional kernel outputs of one stream: `/streams/<name>/kernel/` (kernel.md, trace-format.md).
/// E temperatures, m queries.
struct KernelOutputs {
  std::string name, version, bound, device, compute_dtype;
  int page_size = 16;
  int page_budget = 0;
  int sink_pages = 1;
  int recent_pages = 1;
  std::vector<double> eps;                       // [E]
  std::vector<std::vector<std::vector<int32_t>>> selected_pages;  // [E][m][<= Pmax], -1 padding removed
  std::vector<Matrix> output;                    // [E] of m x d_v
  Matrix lse;                                    // E x m
  Matrix tail_bound;                             // E x m (the kernel's certificate of m_out)
};

/// One attention stream: one layer, one KV head, one sequence (`/streams/<name>`).
struct Stream {
  std::string name;                // group name under /streams
  int layer = -1;                  // attribute `layer` (-1 if absent)
  int kv_head = -1;                // attribute `kv_head` (-1 if absent)
  double scale = kNaN;             // attention scale tau; resolved to 1/sqrt(d) when absent
  Matrix keys;                     // n x d
  Matrix values;                   // n x d_v, or 0 x 0 when absent
  Matrix queries;                  // m x d
  std::vector<int64_t> query_length;  // [m] or empty (= every query sees all n keys)
  std::vector<int32_t> query_head;    // [m] or empty
  std::vector<int64_t> position;      // [m] or empty
  std::optional<KernelOutputs> kernel;

  Index num_keys() const { return keys.rows(); }
  Index dim() const { return keys.cols(); }
  Index num_queries() const { return queries.rows(); }
  bool has_values() const { return values.rows() > 0; }
  /// Number of keys visible to query j (causal prefix), query_length[j] or n.
  Index visible_keys(Index j) const {
    return query_length.empty() ? num_keys() : static_cast<Index>(query_length[static_cast<size_t>(j)]);
  }
};

/// Root of a trace file.
struct Trace {
  std::string format = "vashista-trace";
  int version = 1;
  std::string source;
  std::string created_by;
  std::vector<Stream> streams;
};

}  // namespace vashista
