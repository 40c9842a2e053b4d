#pragma once
// Page routing of Vashista Sparse Attention (docs/kernel.md "Routing"), O(#pages * d) per head.
//
// Upper bound per page p and query head h (valid for every key k in the box [kmin_p, kmax_p]):
//   U_{p,h} = tau * sum_d max(q_{h,d} kmin_{p,d}, q_{h,d} kmax_{p,d})  >=  max_{i in p} tau <q_h, k_i>.
// Group score (the selection is shared by the g query heads of a GQA group): U_p = max_h U_{p,h}.
// Selection: forced pages (the first `sink_pages`, the last `recent_pages`) plus the
// (P - #forced) other pages of largest U_p; ties go to the lower page index. Returned sorted.
#include "core/conventions.hpp"
#include "sparse/paged_kv_cache.hpp"

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

}  // namespace vashista
