#include "analysis/stream_evaluation.hpp"

#include "analysis/hull_check.hpp"
#include "analysis/kernel_check.hpp"
#include "analysis/softmax_check.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <exception>

namespace vashista {

std::vector<double> auto_eps_range(double eps0_hull, double scale, double softmax_gap, int count) {
  double low = kInf, high = 1.0;
  if (std::isfinite(eps0_hull) && eps0_hull > 0) {
    low = std::min(low, eps0_hull * scale / 10.0);
    high = std::max(high, 2.0 * eps0_hull * scale);
  }
  if (std::isfinite(softmax_gap) && softmax_gap > 0) low = std::min(low, softmax_gap / 60.0);
  if (!std::isfinite(low) || low >= high) low = high / 1000.0;
  std::vector<double> eps(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    double t = count == 1 ? 1.0 : static_cast<double>(i) / (count - 1);
    eps[static_cast<size_t>(i)] = std::exp(std::log(low) + t * (std::log(high) - std::log(low)));
  }
  return eps;
}

std::vector<QueryRecord> evaluate_stream(const Stream& stream, const EvaluationPlan& plan, int threads,
                                         Progress* progress, std::vector<HullProjection>* projections_out) {
  const Index m = stream.num_queries();
  std::vector<std::vector<QueryRecord>> per_query(static_cast<size_t>(m));
  std::vector<HullProjection> projections;
  if (plan.models.hull) projections = project_stream_queries(stream);

  const int thread_count = threads > 0 ? threads : omp_get_max_threads();
  // An exception must not leave the OpenMP region (std::terminate): the first one is kept and
  // rethrown after the loop; the remaining queries are skipped.
  std::exception_ptr first_error;
  const KernelCheckContext kernel_context =
      plan.kernel_rows && stream.kernel ? kernel_check_context(stream) : KernelCheckContext{};
#pragma omp parallel for schedule(dynamic) num_threads(thread_count)
  for (Index j = 0; j < m; ++j) {
    bool skip = false;
#pragma omp critical(vashista_evaluate_stream_error)
    skip = static_cast<bool>(first_error);
    if (skip) continue;
    try {
      auto& rows = per_query[static_cast<size_t>(j)];
      std::vector<double> eps = plan.eps;
      if (plan.auto_eps) {
        QueryRecord softmax_probe = check_softmax_query(stream, j, 1.0, plan.delta);
        const double eps0_hull = plan.models.hull ? hull_eps0(stream, j, projections[static_cast<size_t>(j)]) : kNaN;
        eps = auto_eps_range(eps0_hull, stream.scale, softmax_probe.delta, plan.auto_eps_count);
      }
      if (plan.models.softmax) {
        for (double e : eps) rows.push_back(check_softmax_query(stream, j, e, plan.delta));
      }
      if (plan.models.hull) {
        auto hull_rows = check_hull_query(stream, j, projections[static_cast<size_t>(j)], eps, plan.delta);
        rows.insert(rows.end(), hull_rows.begin(), hull_rows.end());
      }
      if (plan.kernel_rows && stream.kernel) {
        for (Index e = 0; e < static_cast<Index>(stream.kernel->eps.size()); ++e) {
          rows.push_back(check_kernel_query(stream, j, e, plan.delta, &kernel_context));
        }
      }
      if (progress) progress->advance(1, stream.name);
    } catch (...) {
#pragma omp critical(vashista_evaluate_stream_error)
      if (!first_error) first_error = std::current_exception();
    }
  }
  if (first_error) std::rethrow_exception(first_error);
  std::vector<QueryRecord> all;
  for (auto& rows : per_query) {
    for (auto& r : rows) all.push_back(std::move(r));
  }
  if (projections_out) *projections_out = std::move(projections);
  return all;
}

}  // namespace vashista
