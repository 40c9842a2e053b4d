#include "analysis/stream_summary.hpp"

#include "core/statistics.hpp"

#include <algorithm>
#include <set>

namespace vashista {

StreamSummary summarize(const std::string& stream, Model model, const std::vector<QueryRecord>& rows) {
  StreamSummary s;
  s.stream = stream;
  s.model = model;
  std::vector<double> deltas, faces, k_effs, eps_stars;
  std::set<Index> queries;
  for (const QueryRecord& r : rows) {
    if (r.stream != stream || r.model != model) continue;
    ++s.rows;
    queries.insert(r.query);
    deltas.push_back(r.delta);
    faces.push_back(static_cast<double>(r.face_size));
    k_effs.push_back(r.k_eff);
    eps_stars.push_back(r.eps_star);
    if (r.bound_holds) ++s.compared;
    if (r.safe.value_or(false)) ++s.safe;
    if (is_violation(r)) ++s.violations;
    if (r.output_within_bound.has_value() && !*r.output_within_bound) ++s.output_violations;
    ++s.statuses[r.status];
  }
  s.queries = static_cast<Index>(queries.size());
  s.delta_p10 = quantile(deltas, 0.1);
  s.delta_p50 = quantile(deltas, 0.5);
  s.delta_p90 = quantile(deltas, 0.9);
  s.face_p50 = quantile(faces, 0.5);
  s.face_max = quantile(faces, 1.0);
  s.k_eff_p50 = quantile(k_effs, 0.5);
  s.k_eff_p90 = quantile(k_effs, 0.9);
  s.eps_star_p10 = quantile(eps_stars, 0.1);
  s.eps_star_p50 = quantile(eps_stars, 0.5);
  return s;
}

}  // namespace vashista
