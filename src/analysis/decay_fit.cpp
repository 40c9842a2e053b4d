#include "analysis/decay_fit.hpp"

#include <algorithm>
#include <cmath>

namespace vashista {

QueryFit fit_query(const std::vector<const QueryRecord*>& rows) {
  QueryFit fit;
  if (rows.empty()) return fit;
  fit.stream = rows.front()->stream;
  fit.query = rows.front()->query;
  fit.model = rows.front()->model;
  const bool hull = fit.model == Model::hull;

  // Points (1/eps, ln m_out) of resolved rows with a finite tail, smallest eps first.
  std::vector<std::pair<double, double>> points;
  const QueryRecord* smallest = nullptr;
  for (const QueryRecord* r : rows) {
    if (r->status == "unresolved" || r->status == "face_ambiguous" || r->status == "no_gap") continue;
    const double eps = hull ? r->eps_hull : r->eps;
    if (std::isfinite(r->delta)) fit.delta = r->delta;
    if (r->bound_holds) {
      const double t = r->log10_tail_bound - r->log10_tail_measured;
      if (std::isfinite(t)) fit.min_log10_tightness = std::isnan(fit.min_log10_tightness) ? t : std::min(fit.min_log10_tightness, t);
    }
    if (hull && std::isfinite(r->rho) && std::isfinite(r->xprime_norm) && (!smallest || r->eps_hull < smallest->eps_hull)) {
      smallest = r;
    }
    if (std::isfinite(r->log10_tail_measured) && eps > 0) {
      points.emplace_back(1.0 / eps, r->log10_tail_measured * std::log(10.0));
    }
  }
  if (smallest && smallest->xprime_norm > 0) {
    fit.h3_relative_error = std::abs(smallest->rho / smallest->eps_hull - smallest->xprime_norm) / smallest->xprime_norm;
    fit.h3_eps_hull = smallest->eps_hull;
  }
  std::sort(points.begin(), points.end(), [](auto a, auto b) { return a.first > b.first; });
  const size_t use = std::max<size_t>(static_cast<size_t>(kMinFitPoints), (points.size() + 1) / 2);
  if (points.size() < static_cast<size_t>(kMinFitPoints)) return fit;
  points.resize(std::min(use, points.size()));
  double mx = 0, my = 0;
  for (auto [x, y] : points) { mx += x; my += y; }
  mx /= static_cast<double>(points.size());
  my /= static_cast<double>(points.size());
  double sxx = 0, sxy = 0;
  for (auto [x, y] : points) { sxx += (x - mx) * (x - mx); sxy += (x - mx) * (y - my); }
  if (sxx <= 0) return fit;
  fit.kappa = -sxy / sxx;  // ln m = c - kappa x
  fit.fit_points = static_cast<int>(points.size());
  if (std::isfinite(fit.delta) && fit.delta > 0) fit.kappa_over_delta = fit.kappa / fit.delta;
  return fit;
}

}  // namespace vashista
