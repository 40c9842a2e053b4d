#include "sparse/routing.hpp"

#include <algorithm>
#include <numeric>

namespace vashista {

double page_upper_bound(const Eigen::Ref<const Vector>& q, const Eigen::Ref<const Vector>& kmin,
                        const Eigen::Ref<const Vector>& kmax, double scale) {
  double sum = 0.0;
  for (Index j = 0; j < q.size(); ++j) sum += std::max(q[j] * kmin[j], q[j] * kmax[j]);
  return scale * sum;
}

Matrix page_upper_bounds(const PagedKVCache& cache, const Matrix& queries, double scale) {
  Matrix upper(queries.rows(), cache.num_pages());
  for (Index h = 0; h < queries.rows(); ++h) {
    for (Index p = 0; p < cache.num_pages(); ++p) {
      upper(h, p) = page_upper_bound(queries.row(h).transpose(), cache.kmin(p), cache.kmax(p), scale);
    }
  }
  return upper;
}

std::vector<Index> forced_pages(Index num_pages, int sink_pages, int recent_pages) {
  std::vector<Index> forced;
  for (Index p = 0; p < num_pages; ++p) {
    if (p < sink_pages || p >= num_pages - recent_pages) forced.push_back(p);
  }
  return forced;
}

std::vector<Index> select_pages(const Eigen::Ref<const Vector>& group_score, Index budget, int sink_pages,
                                int recent_pages) {
  const Index num_pages = group_score.size();
  std::vector<Index> selected = forced_pages(num_pages, sink_pages, recent_pages);
  const Index free_budget = std::max<Index>(0, budget - static_cast<Index>(selected.size()));
  std::vector<Index> others;
  for (Index p = 0; p < num_pages; ++p) {
    if (!std::binary_search(selected.begin(), selected.end(), p)) others.push_back(p);
  }
  const Index take = std::min<Index>(free_budget, static_cast<Index>(others.size()));
  // Order: larger U_p first, ties -> lower page index (a strict weak order, so partial_sort is exact).
  auto better = [&](Index a, Index b) {
    return group_score[a] > group_score[b] || (group_score[a] == group_score[b] && a < b);
  };
  std::partial_sort(others.begin(), others.begin() + take, others.end(), better);
  selected.insert(selected.end(), others.begin(), others.begin() + take);
  std::sort(selected.begin(), selected.end());
  return selected;
}

}  // namespace vashista
