#pragma once
// Vashista Sparse Attention, CPU reference (docs/kernel.md), double accumulation throughout.
//
// For one GQA group (g query heads sharing one KV head's paged cache):
//   routing:   U_{p,h}, U_p = max_h U_{p,h}, selected pages S_pages (sparse/routing.hpp);
//   attention: S = all tokens of the selected pages, s_i = tau <q_h, k_i>,
//              lse_S = ln sum_{i in S} e^{s_i/eps},  o_S = sum_{i in S} e^{s_i/eps - lse_S} v_i;
//   certificate (Theorem S of docs/theory.md applied with F = S and every unselected score replaced by
//              its page bound U_{p,h} >= s_i):
//              ln(X_ub/Z_S) = LSE_{p unselected}(ln c_p + U_{p,h}/eps) - lse_S,
//              tail_bound   = (X_ub/Z_S) / (1 + X_ub/Z_S)  >=  m_out(S) = X/(Z_S + X),
//              output_error_bound = tail_bound * (max_{p unselected} vmax_p + ||o_S||) >= ||o - o_S||
//              (truncation error of theory.md section 1: ||o - o_S|| = m_out ||mu_out - o_S||).
//              With no unselected page, tail_bound = 0 exactly (ln tail_bound = -inf).
//   adaptive mode (params.delta > 0): while max_h tail_bound_h > delta and pages remain unselected,
//              P <- 2P and recompute.
//   hierarchical mode (params.superpage_size = S > 0; sparse/routing.hpp, docs/kernel.md "Hierarchical
//              routing"): only the pages of the refined super-pages compete for the budget, and every
//              unrefined super-page j enters the certificate with its own bound and token count:
//              X_ub = sum_{p unselected, refined} c_p e^{U_{p,h}/eps} + sum_{j unrefined} c_j e^{U^sup_{j,h}/eps}
//              (sound since U^sup_{j,h} >= s_i for every token i of j); vmax likewise over both kinds.
//              Adaptive mode doubles P and R together.
#include "core/conventions.hpp"
#include "sparse/paged_kv_cache.hpp"
#include "sparse/params.hpp"
#include "sparse/routing.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace vashista {

/// tail_bound from ln tail_bound, never below the certificate: exp(ln) rounded up to the smallest positive
/// double where it underflows (ln < ~-745), and 0 only for ln = -inf (no unselected page). A bound that
/// underflowed to 0 claimed an empty tail: on the bundled LM trace at eps = 0.01 the exact tail mass
/// outside the candidates was 1e-784 > 0, and certify rightly called the stored certificate unsound.
inline double tail_bound_from_log(double log_tail_bound) {
  if (log_tail_bound == -kInf) return 0.0;
  return std::max(std::exp(log_tail_bound), std::numeric_limits<double>::denorm_min());
}

/// Result for one query head of a group.
struct SparseHeadResult {
  Vector output;                   // o_S (d_v), empty when the cache has no values
  double lse = kNaN;               // lse_S
  double log_x_ub = kNaN;          // ln X_ub = LSE_{p unselected}(ln c_p + U_{p,h}/eps), -inf if none
  double log_tail_bound = kNaN;    // ln tail_bound (-inf when every page is selected)
  double tail_bound = kNaN;        // tail_bound in [0, 1) (tail_bound_from_log: > 0 unless nothing unselected)
  double max_unselected_vnorm = 0; // max_{p unselected} vmax_p (0 if none)
  double output_error_bound = kNaN;  // tail_bound * (max_unselected_vnorm + ||o_S||)
};

/// Result for one GQA group (shared selection).
struct SparseGroupResult {
  std::vector<Index> selected_pages;  // sorted page indices
  Index page_budget_used = 0;         // P after adaptive doubling (= params.page_budget if fixed)
  Index num_candidates = 0;           // |S| (tokens)
  Matrix upper_bounds;                // g x #pages, U_{p,h}
  std::vector<SparseHeadResult> heads;  // g
  // Hierarchical mode only (empty / 0 in flat mode):
  std::vector<Index> refined_superpages;  // sorted
  Index refine_budget_used = 0;           // R after adaptive doubling
  Matrix superpage_upper_bounds;          // g x #super-pages, U^sup_{j,h}
};

/// Attention and certificate for a given selection (no routing); `upper_bounds` is g x #pages.
SparseGroupResult attend_selected(const PagedKVCache& cache, const Matrix& queries, const Matrix& upper_bounds,
                                  const std::vector<Index>& selected_pages, double scale, double eps);

/// Attention and hierarchical certificate for a given selection: `selected_pages` must lie in the refined
/// super-pages (forced pages included); unrefined super-pages of `boxes` enter X_ub with U^sup (g x #super).
SparseGroupResult attend_selected_hierarchical(const PagedKVCache& cache, const Matrix& queries,
                                               const Matrix& upper_bounds, const SuperPageBoxes& boxes,
                                               const Matrix& superpage_upper_bounds,
                                               const std::vector<Index>& refined_superpages,
                                               const std::vector<Index>& selected_pages, double scale, double eps);

/// One decode step of one group: routing, selection, attention, certificate, adaptive doubling.
/// `queries` is g x d; `scale` is tau (already resolved, see resolve_scale).
SparseGroupResult sparse_attention_group(const PagedKVCache& cache, const Matrix& queries,
                                         const SparseAttentionParams& params, double scale);

/// Batched decode step (the CUDA kernel's layout): caches[b * num_kv_heads + kvh] is sequence b's cache
/// for KV head kvh; queries has batch * num_q_heads rows, row b * num_q_heads + h, and query head h
/// uses KV head h / (num_q_heads / num_kv_heads). Returns batch * num_kv_heads group results.
std::vector<SparseGroupResult> sparse_attention_batch(const std::vector<PagedKVCache>& caches,
                                                      const Matrix& queries, Index num_q_heads,
                                                      Index num_kv_heads, const SparseAttentionParams& params,
                                                      double scale);

}  // namespace vashista
