#pragma once
// Hull-model records (docs/theory.md section 2): the exact projection with its certificate (face,
// KKT multipliers, Delta interval, Frank-Wolfe gap), the entropic solve at eps_hull = eps / scale
// (duality gap), the measured tail mass outside the face and Theorem H1 (when eps_hull <= eps0) or
// H2, and the face-error quantities of Theorem H3.
#include "analysis/query_record.hpp"
#include "solvers/hull_projection.hpp"
#include "trace/certificate_file.hpp"
#include "trace/trace.hpp"

#include <vector>

namespace vashista {

/// Exact projections of every query of the stream (keys priced for the whole batch at once).
std::vector<HullProjection> project_stream_queries(const Stream& stream);

/// Theorem H1 threshold eps0 (hull units) of query j from its certified projection (uses the
/// certified lower ends of the multipliers); NaN when the projection is not certified.
double hull_eps0(const Stream& stream, Index j, const HullProjection& projection);

/// Records of query j at each softmax temperature in `eps_values` (any order; solved from the
/// largest to the smallest with warm starts), given its exact projection.
std::vector<QueryRecord> check_hull_query(const Stream& stream, Index j, const HullProjection& projection,
                                          const std::vector<double>& eps_values, double delta_target);

/// The stream's projections as written to a certificates file (trace/certificate_file.hpp): per query its
/// status, x, face and weights, every visible key's multiplier and error bar, Delta interval, Frank-Wolfe gap.
StreamCertificates stream_certificates(const Stream& stream, const std::vector<HullProjection>& projections);

}  // namespace vashista
