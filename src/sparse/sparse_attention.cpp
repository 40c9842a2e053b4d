#include "sparse/sparse_attention.hpp"

#include "core/error.hpp"
#include "core/log_sum_exp.hpp"
#include "sparse/routing.hpp"

#include <algorithm>
#include <cmath>
#include <exception>

namespace vashista {
namespace {

/// ln(r/(1+r)) from ln r: -ln(1 + e^{-ln r}), evaluated without overflow for either sign.
double log_ratio_to_log_tail(double log_ratio) {
  if (log_ratio == -kInf) return -kInf;
  return log_ratio > 0.0 ? -std::log1p(std::exp(-log_ratio)) : log_ratio - std::log1p(std::exp(log_ratio));
}

}  // namespace

namespace {

/// Shared body of attend_selected / attend_selected_hierarchical; `hier` is nullptr in flat mode, where
/// every unselected page enters X_ub. In hierarchical mode only unselected pages of refined super-pages do,
/// and every unrefined super-page enters with (c_j, U^sup_{j,h}, vmax_j).
struct HierarchyView {
  const SuperPageBoxes* boxes;
  const Matrix* super_upper;
  const std::vector<Index>* refined;
};

SparseGroupResult attend(const PagedKVCache& cache, const Matrix& queries, const Matrix& upper_bounds,
                         const std::vector<Index>& selected_pages, double scale, double eps, const HierarchyView* hier) {
  const Index g = queries.rows();
  const Index num_pages = cache.num_pages();
  VASHISTA_CHECK(num_pages > 0, ErrorKind::bad_input, "sparse attention: empty KV cache (no visible keys)");
  std::vector<char> is_selected(static_cast<size_t>(num_pages), 0);
  for (Index p : selected_pages) is_selected[static_cast<size_t>(p)] = 1;
  // In hierarchical mode: pages of unrefined super-pages are covered by their super-page's term.
  std::vector<char> in_refined(static_cast<size_t>(num_pages), hier ? 0 : 1);
  std::vector<char> super_refined;
  if (hier) {
    super_refined.assign(static_cast<size_t>(hier->boxes->num_superpages()), 0);
    for (Index j : *hier->refined) {
      super_refined[static_cast<size_t>(j)] = 1;
      for (Index p = hier->boxes->first_page(j); p < hier->boxes->end_page(j); ++p) in_refined[static_cast<size_t>(p)] = 1;
    }
    for (Index p : selected_pages) {
      VASHISTA_CHECK(in_refined[static_cast<size_t>(p)], ErrorKind::internal,
                     "sparse attention: selected page {} is not in a refined super-page", p);
    }
  }

  SparseGroupResult result;
  result.selected_pages = selected_pages;
  result.upper_bounds = upper_bounds;
  for (Index p : selected_pages) result.num_candidates += cache.count(p);
  result.heads.resize(static_cast<size_t>(g));

  for (Index h = 0; h < g; ++h) {
    SparseHeadResult& head = result.heads[static_cast<size_t>(h)];
    const Vector q = queries.row(h).transpose();
    // Pass 1: lse_S with the maximum scaled score as pivot (exact log domain).
    std::vector<double> scaled;  // s_i / eps for i in S, in page order
    scaled.reserve(static_cast<size_t>(result.num_candidates));
    for (Index p : selected_pages) {
      for (Index i = cache.page_begin(p); i < cache.page_end(p); ++i) scaled.push_back(scale * q.dot(cache.key(i)) / eps);
    }
    head.lse = log_sum_exp(scaled);
    // Pass 2: o_S = sum_i e^{s_i/eps - lse_S} v_i.
    head.output = Vector::Zero(cache.value_dim());
    if (cache.value_dim() > 0) {
      size_t k = 0;
      for (Index p : selected_pages) {
        for (Index i = cache.page_begin(p); i < cache.page_end(p); ++i, ++k) {
          head.output += std::exp(scaled[k] - head.lse) * cache.value(i);
        }
      }
    }
    // Certificate: X_ub = sum_{p unselected (refined)} c_p e^{U_{p,h}/eps} [+ sum_{j unrefined} c_j e^{U^sup_{j,h}/eps}].
    LogSumExp x_ub;
    for (Index p = 0; p < num_pages; ++p) {
      if (is_selected[static_cast<size_t>(p)] || !in_refined[static_cast<size_t>(p)]) continue;
      x_ub.add(std::log(static_cast<double>(cache.count(p))) + upper_bounds(h, p) / eps);
      head.max_unselected_vnorm = std::max(head.max_unselected_vnorm, cache.vmax_norm(p));
    }
    if (hier) {
      for (Index j = 0; j < hier->boxes->num_superpages(); ++j) {
        if (super_refined[static_cast<size_t>(j)]) continue;
        x_ub.add(std::log(static_cast<double>(hier->boxes->count[static_cast<size_t>(j)])) + (*hier->super_upper)(h, j) / eps);
        head.max_unselected_vnorm = std::max(head.max_unselected_vnorm, hier->boxes->vmax_norm[static_cast<size_t>(j)]);
      }
    }
    head.log_x_ub = x_ub.value();
    head.log_tail_bound = log_ratio_to_log_tail(head.log_x_ub - head.lse);  // -inf when nothing unselected
    head.tail_bound = tail_bound_from_log(head.log_tail_bound);
    head.output_error_bound = head.tail_bound * (head.max_unselected_vnorm + head.output.norm());
  }
  return result;
}

}  // namespace

SparseGroupResult attend_selected(const PagedKVCache& cache, const Matrix& queries, const Matrix& upper_bounds,
                                  const std::vector<Index>& selected_pages, double scale, double eps) {
  return attend(cache, queries, upper_bounds, selected_pages, scale, eps, nullptr);
}

SparseGroupResult attend_selected_hierarchical(const PagedKVCache& cache, const Matrix& queries,
                                               const Matrix& upper_bounds, const SuperPageBoxes& boxes,
                                               const Matrix& superpage_upper_bounds,
                                               const std::vector<Index>& refined_superpages,
                                               const std::vector<Index>& selected_pages, double scale, double eps) {
  VASHISTA_CHECK(boxes.num_pages == cache.num_pages() && superpage_upper_bounds.cols() == boxes.num_superpages() &&
                     superpage_upper_bounds.rows() == queries.rows(),
                 ErrorKind::internal, "sparse attention: super-page boxes or bounds do not match the cache");
  const HierarchyView view{&boxes, &superpage_upper_bounds, &refined_superpages};
  SparseGroupResult result = attend(cache, queries, upper_bounds, selected_pages, scale, eps, &view);
  result.refined_superpages = refined_superpages;
  result.superpage_upper_bounds = superpage_upper_bounds;
  return result;
}

SparseGroupResult sparse_attention_group(const PagedKVCache& cache, const Matrix& queries,
                                         const SparseAttentionParams& params, double scale) {
  validate(params);
  VASHISTA_CHECK(queries.cols() == cache.dim() && queries.rows() >= 1, ErrorKind::bad_input,
                 "sparse attention: {} x {} queries do not match key dimension {}", queries.rows(), queries.cols(),
                 cache.dim());
  VASHISTA_CHECK(cache.page_size() == params.page_size, ErrorKind::bad_input,
                 "sparse attention: cache page size {} differs from params.page_size {}", cache.page_size(),
                 params.page_size);
  const Matrix upper = page_upper_bounds(cache, queries, scale);
  const Vector group_score = upper.colwise().maxCoeff().transpose();  // U_p = max_h U_{p,h}
  Index budget = params.page_budget;
  if (params.superpage_size > 0) {
    // Hierarchical mode: super-page boxes from the page metadata, two-level selection, P and R doubled together.
    const SuperPageBoxes boxes = superpage_boxes(cache, params.superpage_size);
    const Matrix super_upper = superpage_upper_bounds(boxes, queries, scale);
    const Vector super_score = super_upper.colwise().maxCoeff().transpose();  // U^sup_j = max_h U^sup_{j,h}
    Index refine = params.superpage_refine;
    while (true) {
      const HierarchicalSelection sel = select_pages_hierarchical(group_score, super_score, params.superpage_size, budget,
                                                                  refine, params.sink_pages, params.recent_pages);
      SparseGroupResult result = attend_selected_hierarchical(cache, queries, upper, boxes, super_upper,
                                                              sel.refined_superpages, sel.selected_pages, scale, params.eps);
      result.page_budget_used = budget;
      result.refine_budget_used = refine;
      if (params.delta <= 0.0 || static_cast<Index>(sel.selected_pages.size()) == cache.num_pages()) return result;
      double worst = 0.0;
      for (const SparseHeadResult& head : result.heads) worst = std::max(worst, head.tail_bound);
      if (worst <= params.delta) return result;
      budget *= 2;  // adaptive mode: double P and R while the certificate exceeds delta
      refine *= 2;
    }
  }
  while (true) {
    const std::vector<Index> selected = select_pages(group_score, budget, params.sink_pages, params.recent_pages);
    SparseGroupResult result = attend_selected(cache, queries, upper, selected, scale, params.eps);
    result.page_budget_used = budget;
    if (params.delta <= 0.0 || static_cast<Index>(selected.size()) == cache.num_pages()) return result;
    double worst = 0.0;
    for (const SparseHeadResult& head : result.heads) worst = std::max(worst, head.tail_bound);
    if (worst <= params.delta) return result;
    budget *= 2;  // adaptive mode: double P while the certificate exceeds delta
  }
}

std::vector<SparseGroupResult> sparse_attention_batch(const std::vector<PagedKVCache>& caches,
                                                      const Matrix& queries, Index num_q_heads,
                                                      Index num_kv_heads, const SparseAttentionParams& params,
                                                      double scale) {
  VASHISTA_CHECK(num_kv_heads >= 1 && num_q_heads % num_kv_heads == 0, ErrorKind::usage,
                 "sparse attention batch: {} query heads not a multiple of {} KV heads", num_q_heads, num_kv_heads);
  VASHISTA_CHECK(static_cast<Index>(caches.size()) % num_kv_heads == 0 &&
                     queries.rows() == static_cast<Index>(caches.size()) / num_kv_heads * num_q_heads,
                 ErrorKind::bad_input, "sparse attention batch: {} caches and {} query rows do not match {}:{} heads",
                 caches.size(), queries.rows(), num_q_heads, num_kv_heads);
  validate(params);
  const Index g = num_q_heads / num_kv_heads;
  std::vector<SparseGroupResult> results(caches.size());
  std::exception_ptr failure;  // an exception may not leave an OpenMP region: carried out and rethrown
#pragma omp parallel for schedule(dynamic)
  for (Index c = 0; c < static_cast<Index>(caches.size()); ++c) {
    try {
      const Index b = c / num_kv_heads, kvh = c % num_kv_heads;
      const Matrix group = queries.middleRows(b * num_q_heads + kvh * g, g);
      results[static_cast<size_t>(c)] = sparse_attention_group(caches[static_cast<size_t>(c)], group, params, scale);
    } catch (...) {
#pragma omp critical(vashista_sparse_batch_failure)
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  return results;
}

}  // namespace vashista
