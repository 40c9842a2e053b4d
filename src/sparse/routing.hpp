#pragma once
// Page routing of Vashista Sparse Attention (docs/kernel.md "Routing"), O(#pages * d) per head.
//
// Upper bound per page p and query head h (valid for every key k in the box [kmin_p, kmax_p]):
//   U_{p,h} = tau * sum_d max(q_{h,d} kmin_{p,d}, q_{h,d} kmax_{p,d})  >=  max_{i in p} tau <q_h, k_i>.
// Group score (the selection is shared by the g query heads of a GQA group): U_p = max_h U_{p,h}.
// Selection: forced pages (the first `sink_pages`, the last `recent_pages`) plus the
// (P - #forced) other pages of largest U_p; ties go to the lower page index. Returned sorted.
//
// Hierarchical routing (docs/kernel.md "Hierarchical routing"): super-page j of S pages covers pages
// [jS, min((j+1)S, #pages)); its box is the element-wise min/max of its pages' boxes, so the same formula
// gives U^sup_{j,h} >= U_{p,h} for each of its pages p (box inclusion). Refined super-pages = the super-pages
// holding a forced page U the (R - #forced super-pages) others of largest U^sup_j = max_h U^sup_{j,h}
// (ties -> lower index); selected pages = forced pages U the (P - #forced) non-forced pages of refined
// super-pages with largest U_p (ties -> lower index). With R >= #super-pages this is the flat selection.
#include "core/conventions.hpp"
#include "sparse/paged_kv_cache.hpp"

#include <algorithm>
#include <vector>

namespace vashista {

/// U_{p,h} for one query q and one page's box.
double page_upper_bound(const Eigen::Ref<const Vector>& q, const Eigen::Ref<const Vector>& kmin,
                        const Eigen::Ref<const Vector>& kmax, double scale);

/// U (g x #pages): U(h, p) = U_{p,h} for the g rows of `queries`.
Matrix page_upper_bounds(const PagedKVCache& cache, const Matrix& queries, double scale);

/// Pages always selected: {0..sink-1} U {num_pages-recent..num_pages-1}, clipped, sorted.
std::vector<Index> forced_pages(Index num_pages, int sink_pages, int recent_pages);

/// Selected pages (sorted): forced pages U top (budget - #forced) others by group_score (ties -> lower
/// index). Every page is selected when budget >= num_pages; only forced pages when budget <= #forced.
std::vector<Index> select_pages(const Eigen::Ref<const Vector>& group_score, Index budget, int sink_pages,
                                int recent_pages);

/// forced (sorted) U the (budget - #forced) entries of `eligible` (sorted, disjoint from forced) of largest
/// score (ties -> lower index); returned sorted. The selection rule shared by both routing levels.
std::vector<Index> select_top(const Eigen::Ref<const Vector>& score, const std::vector<Index>& forced,
                              const std::vector<Index>& eligible, Index budget);

/// Super-page metadata derived from the page metadata (identical to keeping it on append: min/max are exact).
struct SuperPageBoxes {
  Index pages_per_super = 0;   // S
  Index num_pages = 0;         // pages of the cache
  Matrix kmin, kmax;           // #super-pages x d
  std::vector<Index> count;    // c_j, tokens of super-page j
  std::vector<double> vmax_norm;  // max_{p in j} vmax_p
  Index num_superpages() const { return kmin.rows(); }
  Index first_page(Index j) const { return j * pages_per_super; }
  Index end_page(Index j) const { return std::min(num_pages, (j + 1) * pages_per_super); }
};

/// Boxes of the ceil(#pages / S) super-pages of `cache` (S >= 1).
SuperPageBoxes superpage_boxes(const PagedKVCache& cache, Index pages_per_super);

/// U^sup (g x #super-pages): U^sup(h, j) = U_{j,h} of super-page j's box.
Matrix superpage_upper_bounds(const SuperPageBoxes& boxes, const Matrix& queries, double scale);

/// Super-pages holding at least one forced page (sorted).
std::vector<Index> forced_superpages(Index num_pages, Index pages_per_super, int sink_pages, int recent_pages);

struct HierarchicalSelection {
  std::vector<Index> refined_superpages;  // sorted
  std::vector<Index> selected_pages;      // sorted
};

/// Two-level selection: refine forced super-pages U top (refine_budget - #forced super-pages) by super_score,
/// then forced pages U top (page_budget - #forced) non-forced pages of refined super-pages by page_score.
/// page_score is read only at pages of refined super-pages.
HierarchicalSelection select_pages_hierarchical(const Eigen::Ref<const Vector>& page_score,
                                                const Eigen::Ref<const Vector>& super_score, Index pages_per_super,
                                                Index page_budget, Index refine_budget, int sink_pages,
                                                int recent_pages);

}  // namespace vashista
