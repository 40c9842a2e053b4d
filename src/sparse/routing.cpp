#include "sparse/routing.hpp"

#include "core/error.hpp"

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

std::vector<Index> select_top(const Eigen::Ref<const Vector>& score, const std::vector<Index>& forced,
                              const std::vector<Index>& eligible, Index budget) {
  std::vector<Index> selected = forced;
  std::vector<Index> others = eligible;
  const Index free_budget = std::max<Index>(0, budget - static_cast<Index>(forced.size()));
  const Index take = std::min<Index>(free_budget, static_cast<Index>(others.size()));
  // Order: larger score first, ties -> lower index (a strict weak order, so partial_sort is exact).
  auto better = [&](Index a, Index b) { return score[a] > score[b] || (score[a] == score[b] && a < b); };
  std::partial_sort(others.begin(), others.begin() + take, others.end(), better);
  selected.insert(selected.end(), others.begin(), others.begin() + take);
  std::sort(selected.begin(), selected.end());
  return selected;
}

std::vector<Index> select_pages(const Eigen::Ref<const Vector>& group_score, Index budget, int sink_pages,
                                int recent_pages) {
  const Index num_pages = group_score.size();
  const std::vector<Index> forced = forced_pages(num_pages, sink_pages, recent_pages);
  std::vector<Index> others;
  for (Index p = 0; p < num_pages; ++p) {
    if (!std::binary_search(forced.begin(), forced.end(), p)) others.push_back(p);
  }
  return select_top(group_score, forced, others, budget);
}

SuperPageBoxes superpage_boxes(const PagedKVCache& cache, Index pages_per_super) {
  VASHISTA_CHECK(pages_per_super >= 1, ErrorKind::usage, "routing: super-page size {} must be >= 1", pages_per_super);
  SuperPageBoxes boxes;
  boxes.pages_per_super = pages_per_super;
  boxes.num_pages = cache.num_pages();
  const Index num_super = (cache.num_pages() + pages_per_super - 1) / pages_per_super;
  boxes.kmin.resize(num_super, cache.dim());
  boxes.kmax.resize(num_super, cache.dim());
  boxes.count.assign(static_cast<size_t>(num_super), 0);
  boxes.vmax_norm.assign(static_cast<size_t>(num_super), 0.0);
  for (Index j = 0; j < num_super; ++j) {
    boxes.kmin.row(j) = cache.kmin(boxes.first_page(j)).transpose();
    boxes.kmax.row(j) = cache.kmax(boxes.first_page(j)).transpose();
    for (Index p = boxes.first_page(j); p < boxes.end_page(j); ++p) {
      boxes.kmin.row(j) = boxes.kmin.row(j).cwiseMin(cache.kmin(p).transpose());
      boxes.kmax.row(j) = boxes.kmax.row(j).cwiseMax(cache.kmax(p).transpose());
      boxes.count[static_cast<size_t>(j)] += cache.count(p);
      boxes.vmax_norm[static_cast<size_t>(j)] = std::max(boxes.vmax_norm[static_cast<size_t>(j)], cache.vmax_norm(p));
    }
  }
  return boxes;
}

Matrix superpage_upper_bounds(const SuperPageBoxes& boxes, const Matrix& queries, double scale) {
  Matrix upper(queries.rows(), boxes.num_superpages());
  for (Index h = 0; h < queries.rows(); ++h) {
    for (Index j = 0; j < boxes.num_superpages(); ++j) {
      upper(h, j) = page_upper_bound(queries.row(h).transpose(), boxes.kmin.row(j).transpose(),
                                     boxes.kmax.row(j).transpose(), scale);
    }
  }
  return upper;
}

std::vector<Index> forced_superpages(Index num_pages, Index pages_per_super, int sink_pages, int recent_pages) {
  std::vector<Index> supers;
  for (Index p : forced_pages(num_pages, sink_pages, recent_pages)) {
    if (supers.empty() || supers.back() != p / pages_per_super) supers.push_back(p / pages_per_super);
  }
  return supers;
}

HierarchicalSelection select_pages_hierarchical(const Eigen::Ref<const Vector>& page_score,
                                                const Eigen::Ref<const Vector>& super_score, Index pages_per_super,
                                                Index page_budget, Index refine_budget, int sink_pages,
                                                int recent_pages) {
  const Index num_pages = page_score.size();
  const Index num_super = super_score.size();
  VASHISTA_CHECK(pages_per_super >= 1 && num_super == (num_pages + pages_per_super - 1) / pages_per_super,
                 ErrorKind::internal, "routing: {} super-page scores for {} pages of super-page size {}", num_super,
                 num_pages, pages_per_super);
  const std::vector<Index> forced_super = forced_superpages(num_pages, pages_per_super, sink_pages, recent_pages);
  std::vector<Index> other_super;
  for (Index j = 0; j < num_super; ++j) {
    if (!std::binary_search(forced_super.begin(), forced_super.end(), j)) other_super.push_back(j);
  }
  HierarchicalSelection result;
  result.refined_superpages = select_top(super_score, forced_super, other_super, refine_budget);
  const std::vector<Index> forced = forced_pages(num_pages, sink_pages, recent_pages);
  std::vector<Index> candidates;  // non-forced pages of refined super-pages, increasing
  for (Index j : result.refined_superpages) {
    for (Index p = j * pages_per_super; p < std::min(num_pages, (j + 1) * pages_per_super); ++p) {
      if (!std::binary_search(forced.begin(), forced.end(), p)) candidates.push_back(p);
    }
  }
  result.selected_pages = select_top(page_score, forced, candidates, page_budget);
  return result;
}

}  // namespace vashista
