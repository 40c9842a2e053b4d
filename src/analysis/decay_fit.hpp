#pragma once
// Per-query fits over a sweep (docs/theory.md, "Observed decay rate" and Theorem H3):
//   kappa: least-squares slope of ln m_out against -1/eps over the small-eps half of the resolved
//          points (at least kMinFitPoints), so that ln m_out ~ c - kappa/eps; kappa/Delta -> 1.
//   H3 agreement: |rho/eps - ||x'||| / ||x'|| at the smallest resolved eps (hull model).
// Hull rows use eps_hull and the hull Delta; softmax rows use eps and the softmax Delta.
#include "analysis/query_record.hpp"

#include <vector>

namespace vashista {

constexpr int kMinFitPoints = 3;

struct QueryFit {
  std::string stream;
  Index query = 0;
  Model model = Model::softmax;
  double delta = kNaN;
  double kappa = kNaN;
  double kappa_over_delta = kNaN;
  int fit_points = 0;
  double h3_relative_error = kNaN;  // hull only
  double h3_eps_hull = kNaN;        // the eps_hull at which it was measured
  double min_log10_tightness = kNaN;  // smallest bound/measured over the compared rows (log10)
};

/// Fit of one (stream, query, model) from its rows (any eps order).
QueryFit fit_query(const std::vector<const QueryRecord*>& rows);

}  // namespace vashista
