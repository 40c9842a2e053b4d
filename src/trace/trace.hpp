#pragma once
// In-memory form of an attention trace, format v1 (docs/trace-format.md).
// Everything is double; storage dtypes are converted on read. Conventions: core/conventions.hpp.
#include "core/conventions.hpp"
#include "trace/storage_dtype.hpp"

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
  /// Storage dtype `output` was read from (checks allow its rounding: analysis/kernel_check.cpp); also the
  /// dtype `vashista kernel` stores `output` and `lse` in (float64 for the double-precision CPU reference).
  StorageDtype output_storage = StorageDtype::float32;
  Matrix lse;                                    // E x m
  Matrix tail_bound;                             // E x m (the kernel's certificate of m_out)
};

/// Optional planted truth of a synthetic stream (stream attributes `planted_*`, written by
/// `vashista gen`; docs/trace-format.md "Planted truth"). Indices are 0-based key rows.
///   model "softmax": the face F has exactly tied top scores for every query and
///                    delta[j] = min_{i not in F} (s_max - s_i) for query j (score units);
///   model "hull":    keys of F lie on the hyperplane <u, x> = offset (u = normal_sign * e_axis), every
///                    other key has <u, k_i> = offset - g_i with g_i >= gap_min; query j is
///                    q_j = sum_{f} weights(j, f) k_{F_f} + t[j] u, so lambda_i = t[j] g_i and
///                    delta[j] = t[j] * min_i g_i (raw units).
struct PlantedTruth {
  std::string model;              // "softmax" or "hull"
  std::vector<int64_t> face;      // planted_face [|F|], sorted
  std::vector<double> delta;      // planted_delta [m]
  double gap_min = kNaN;          // planted_gap_min: the requested gap (score units / raw g_min)
  // hull model only
  std::vector<double> t;          // planted_t [m]
  Matrix weights;                 // planted_weights [m, |F|], rows in the open simplex
  int normal_axis = -1;           // planted_normal_axis
  double normal_sign = kNaN;      // planted_normal_sign (+1 or -1)
  double offset = kNaN;           // planted_offset (the face hyperplane <u, x> = offset)
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
  std::optional<PlantedTruth> planted;  // synthetic traces only

  Index num_keys() const { return keys.rows(); }
  Index dim() const { return keys.cols(); }
  Index num_queries() const { return queries.rows(); }
  bool has_values() const { return values.rows() > 0; }
  /// Number of keys visible to query j (causal prefix), query_length[j] or n.
  Index visible_keys(Index j) const {
    return query_length.empty() ? num_keys() : static_cast<Index>(query_length[static_cast<size_t>(j)]);
  }
  /// True when every key and value survives storage in `dtype` unchanged (a KV cache of that dtype holds them).
  bool representable_in(StorageDtype dtype) const {
    return exactly_representable(keys, dtype) && (!has_values() || exactly_representable(values, dtype));
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
