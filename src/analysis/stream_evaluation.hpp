#pragma once
// Evaluation of one stream: every query under each selected model at each temperature, plus the
// kernel rows when the stream holds kernel outputs. Shared by certify (one eps) and sweep (many).
#include "analysis/model.hpp"
#include "analysis/query_record.hpp"
#include "core/progress.hpp"
#include "solvers/hull_projection.hpp"
#include "trace/trace.hpp"

#include <vector>

namespace vashista {

struct EvaluationPlan {
  ModelSelection models;
  std::vector<double> eps;   // softmax temperatures; ignored for a query when auto_eps is set
  bool auto_eps = false;     // per query: a range spanning the H1 regime (around eps0) and eps = 1
  int auto_eps_count = 30;   // values per query in auto mode
  double delta = 1e-3;       // target tail mass
  bool kernel_rows = true;   // add model=kernel rows when the stream holds kernel outputs
};

/// Temperatures of the `auto` ε-spec for one query (softmax units): log-spaced from
/// eps_low = min(eps0 * scale / 10, Delta_s / 60) ... to max(1, 2 * eps0 * scale), where eps0 is the
/// hull threshold of Theorem H1 and Delta_s the softmax gap (either may be absent).
std::vector<double> auto_eps_range(double eps0_hull, double scale, double softmax_gap, int count);

/// Rows of one stream (queries in parallel over `threads` OpenMP threads; 0 = all cores). With the hull
/// model and `projections` given, the exact projections of the stream's queries are moved there.
std::vector<QueryRecord> evaluate_stream(const Stream& stream, const EvaluationPlan& plan, int threads,
                                         Progress* progress, std::vector<HullProjection>* projections = nullptr);

}  // namespace vashista
