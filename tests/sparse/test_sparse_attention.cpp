// Tests of the CPU reference of Vashista Sparse Attention (docs/kernel.md): metadata on append,
// routing bound, selection rule, dense limit, certificate soundness (vs the exact dense tail mass),
// output error bound, adaptive mode, GQA sharing, causal prefix.
#include "core/conventions.hpp"
#include "sparse/paged_kv_cache.hpp"
#include "sparse/routing.hpp"
#include "sparse/sparse_attention.hpp"
#include "sparse/trace_kernel.hpp"
#include "support/dense_attention.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

using namespace vashista;

namespace {

/// Keys clustered by page (so the min/max boxes are informative), one direction planted strongly.
struct Instance {
  Matrix keys, values, queries;
};

Instance random_instance(std::mt19937_64& rng, Index n, Index d, Index g, int page_size, double spread,
                         bool duplicate_pages) {
  std::normal_distribution<double> normal(0.0, 1.0);
  Instance inst;
  inst.keys.resize(n, d);
  inst.values.resize(n, d);
  inst.queries.resize(g, d);
  Vector center(d);
  for (Index i = 0; i < n; ++i) {
    if (i % page_size == 0) {
      for (Index j = 0; j < d; ++j) center[j] = 2.0 * normal(rng);
    }
    for (Index j = 0; j < d; ++j) {
      inst.keys(i, j) = duplicate_pages ? center[j] : center[j] + spread * normal(rng);
      inst.values(i, j) = normal(rng);
    }
  }
  for (Index h = 0; h < g; ++h) {
    for (Index j = 0; j < d; ++j) inst.queries(h, j) = normal(rng);
  }
  return inst;
}

using test::dense_attention;

}  // namespace

TEST_CASE("page metadata kept on append equals recomputation from the stored tokens") {
  std::mt19937_64 rng(1);
  for (int page_size : {1, 3, 16}) {
    const Instance inst = random_instance(rng, 50, 7, 1, 5, 1.0, false);
    PagedKVCache cache(page_size, 7, 7);
    for (Index i = 0; i < 50; ++i) {
      cache.append(inst.keys.row(i).transpose(), inst.values.row(i).transpose());
      // After every append, every page's metadata equals a fresh computation over its tokens.
      REQUIRE(cache.num_pages() == (i + 1 + page_size - 1) / page_size);
      for (Index p = 0; p < cache.num_pages(); ++p) {
        const Index b = p * page_size, e = std::min<Index>(i + 1, b + page_size);
        CHECK(cache.count(p) == e - b);
        CHECK(cache.page_begin(p) == b);
        CHECK(cache.page_end(p) == e);
        const Vector lo = inst.keys.middleRows(b, e - b).colwise().minCoeff().transpose();
        const Vector hi = inst.keys.middleRows(b, e - b).colwise().maxCoeff().transpose();
        CHECK((cache.kmin(p) - lo).cwiseAbs().maxCoeff() == 0.0);
        CHECK((cache.kmax(p) - hi).cwiseAbs().maxCoeff() == 0.0);
        CHECK(cache.vmax_norm(p) == inst.values.middleRows(b, e - b).rowwise().norm().maxCoeff());
      }
    }
  }
}

TEST_CASE("U_p,h bounds every score of its page on random data") {
  std::mt19937_64 rng(2);
  int checked = 0;
  for (int trial = 0; trial < 50; ++trial) {
    const Instance inst = random_instance(rng, 97, 16, 3, 8, trial % 2 ? 3.0 : 0.2, false);
    const PagedKVCache cache = build_paged_cache(inst.keys, inst.values, 97, 8);
    const double scale = 0.25;
    const Matrix upper = page_upper_bounds(cache, inst.queries, scale);
    for (Index h = 0; h < 3; ++h) {
      for (Index p = 0; p < cache.num_pages(); ++p) {
        double best = -kInf;
        for (Index i = cache.page_begin(p); i < cache.page_end(p); ++i)
          best = std::max(best, scale * inst.queries.row(h).dot(inst.keys.row(i)));
        CHECK(upper(h, p) >= best - 1e-12 * (1.0 + std::abs(best)));
        ++checked;
      }
    }
  }
  CHECK(checked == 50 * 3 * 13);
}

TEST_CASE("selection: forced pages, top by score, ties to the lower page index") {
  Vector score(8);
  score << 0.0, 5.0, 3.0, 5.0, 3.0, 3.0, 9.0, -1.0;
  // sink 1, recent 1: forced {0, 7}; then 6 (9.0), 1 and 3 (5.0, tie -> 1 first), 2, 4, 5 (3.0 ties).
  CHECK(select_pages(score, 2, 1, 1) == std::vector<Index>{0, 7});
  CHECK(select_pages(score, 3, 1, 1) == std::vector<Index>{0, 6, 7});
  CHECK(select_pages(score, 4, 1, 1) == std::vector<Index>{0, 1, 6, 7});
  CHECK(select_pages(score, 5, 1, 1) == std::vector<Index>{0, 1, 3, 6, 7});
  CHECK(select_pages(score, 6, 1, 1) == std::vector<Index>{0, 1, 2, 3, 6, 7});
  CHECK(select_pages(score, 7, 1, 1) == std::vector<Index>{0, 1, 2, 3, 4, 6, 7});
  CHECK(select_pages(score, 100, 1, 1) == std::vector<Index>{0, 1, 2, 3, 4, 5, 6, 7});
  // budget below the forced count: only forced pages.
  CHECK(select_pages(score, 1, 2, 2) == std::vector<Index>{0, 1, 6, 7});
  // no forced pages.
  CHECK(select_pages(score, 2, 0, 0) == std::vector<Index>{1, 6});
  // all scores equal: lowest indices.
  CHECK(select_pages(Vector::Constant(6, 1.0), 3, 0, 1) == std::vector<Index>{0, 1, 5});
  // forced pages overlapping (one page): selected once.
  CHECK(select_pages(Vector::Constant(1, 1.0), 4, 1, 1) == std::vector<Index>{0});
  CHECK(forced_pages(5, 2, 2) == std::vector<Index>{0, 1, 3, 4});
  CHECK(forced_pages(3, 2, 2) == std::vector<Index>{0, 1, 2});
}

TEST_CASE("budget >= #pages: candidates are all tokens, output is dense attention, tail_bound = 0") {
  std::mt19937_64 rng(3);
  for (Index n : {1, 15, 16, 17, 100}) {
    const Instance inst = random_instance(rng, n, 8, 2, 16, 1.0, false);
    const PagedKVCache cache = build_paged_cache(inst.keys, inst.values, n, 16);
    SparseAttentionParams params;
    params.page_budget = static_cast<int>(cache.num_pages());
    for (double eps : {0.3, 1.0}) {
      params.eps = eps;
      const SparseGroupResult r = sparse_attention_group(cache, inst.queries, params, 0.4);
      CHECK(r.num_candidates == n);
      CHECK(static_cast<Index>(r.selected_pages.size()) == cache.num_pages());
      for (Index h = 0; h < 2; ++h) {
        const test::DenseAttention dense =
            dense_attention(inst.keys, inst.values, inst.queries.row(h).transpose(), 0.4, eps, r.selected_pages, 16);
        const SparseHeadResult& head = r.heads[static_cast<size_t>(h)];
        CHECK(head.tail_bound == 0.0);
        CHECK(head.log_tail_bound == -kInf);
        CHECK(head.output_error_bound == 0.0);
        CHECK(std::abs(head.lse - dense.lse_all) <= 1e-12 * (1.0 + std::abs(dense.lse_all)));
        CHECK((head.output - dense.output).cwiseAbs().maxCoeff() <= 1e-12);
      }
    }
  }
}

TEST_CASE("certificate soundness and output error bound vs the exact dense computation") {
  std::mt19937_64 rng(4);
  int instances = 0, violations = 0, error_violations = 0, tight = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const int page_size = (trial % 3 == 0) ? 4 : 16;
    const Index n = 40 + static_cast<Index>(trial * 7 % 300);
    const bool duplicates = trial % 5 == 0;  // kmin = kmax: U equals the score, the bound is tight
    const Instance inst = random_instance(rng, n, 12, 2, page_size, trial % 2 ? 0.1 : 1.5, duplicates);
    const PagedKVCache cache = build_paged_cache(inst.keys, inst.values, n, page_size);
    SparseAttentionParams params;
    params.page_size = page_size;
    params.page_budget = 1 + trial % 6;
    params.sink_pages = trial % 2;
    params.recent_pages = (trial / 2) % 2;
    for (double eps : {0.05, 0.3, 1.0, 3.0}) {
      params.eps = eps;
      const SparseGroupResult r = sparse_attention_group(cache, inst.queries, params, 0.3);
      for (Index h = 0; h < 2; ++h) {
        const SparseHeadResult& head = r.heads[static_cast<size_t>(h)];
        const test::DenseAttention dense = dense_attention(inst.keys, inst.values, inst.queries.row(h).transpose(), 0.3,
                                                           eps, r.selected_pages, page_size);
        ++instances;
        if (dense.log_mass_out > head.log_tail_bound + kLogBoundSlack) ++violations;
        if (duplicates && dense.log_mass_out != -kInf && head.log_tail_bound - dense.log_mass_out < 1e-6) ++tight;
        const double err = (dense.output - head.output).norm();
        if (err > head.output_error_bound * (1.0 + 1e-9) + 1e-13) ++error_violations;
      }
    }
  }
  CHECK(instances == 300 * 4 * 2);
  CHECK(violations == 0);
  CHECK(error_violations == 0);
  // With identical keys in every page the bound is exact up to rounding: the test can see a violation.
  CHECK(tight > 50);
}

TEST_CASE("tail_bound is never 0 for a non-empty tail, even where exp(ln tail_bound) underflows") {
  CHECK(tail_bound_from_log(-kInf) == 0.0);
  CHECK(tail_bound_from_log(-800.0) == std::numeric_limits<double>::denorm_min());
  CHECK(tail_bound_from_log(-1.0) == std::exp(-1.0));
  // Small temperatures: ln tail_bound far below -745. The linear certificate must still bound the exact
  // tail (it underflowed to 0: certify found exact tails of 1e-784 above a stored 0, lm_small.h5 at eps 0.01).
  std::mt19937_64 rng(9);
  int underflowing = 0;
  for (int trial = 0; trial < 40; ++trial) {
    // Identical keys within a page (kmin = kmax): the page bounds are the scores, so the certificate is
    // as small as the tail itself.
    const Instance inst = random_instance(rng, 200, 12, 2, 8, 1.5, true);
    const PagedKVCache cache = build_paged_cache(inst.keys, inst.values, 200, 8);
    SparseAttentionParams params;
    params.page_size = 8;
    params.page_budget = 3;
    params.eps = 1e-4;
    const SparseGroupResult r = sparse_attention_group(cache, inst.queries, params, 0.3);
    for (Index h = 0; h < 2; ++h) {
      const SparseHeadResult& head = r.heads[static_cast<size_t>(h)];
      const test::DenseAttention dense = dense_attention(inst.keys, inst.values, inst.queries.row(h).transpose(), 0.3,
                                                         params.eps, r.selected_pages, 8);
      REQUIRE(head.log_tail_bound > -kInf);  // 3 of 25 pages selected: the tail is not empty
      CHECK(head.tail_bound > 0.0);
      CHECK(dense.log_mass_out <= std::log(head.tail_bound) + kLogBoundSlack);
      if (head.log_tail_bound < -746.0) ++underflowing;
    }
  }
  CHECK(underflowing > 10);  // the case that used to store 0 is exercised
}

TEST_CASE("adaptive mode doubles P until tail_bound <= delta or all pages are selected") {
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 30; ++trial) {
    const Instance inst = random_instance(rng, 600, 16, 4, 16, 0.3, false);
    const PagedKVCache cache = build_paged_cache(inst.keys, inst.values, 600, 16);
    SparseAttentionParams params;
    params.page_budget = 2;
    params.delta = trial % 2 ? 1e-3 : 1e-8;
    params.eps = trial % 3 ? 0.5 : 1.0;
    const SparseGroupResult r = sparse_attention_group(cache, inst.queries, params, 0.25);
    double worst = 0.0;
    for (const auto& head : r.heads) worst = std::max(worst, head.tail_bound);
    const bool all = static_cast<Index>(r.selected_pages.size()) == cache.num_pages();
    CHECK((worst <= params.delta || all));
    if (all) CHECK(worst == 0.0);
    // P is 2 * 2^k, and the previous budget did not meet delta (minimality of the doubling).
    CHECK(r.page_budget_used >= 2);
    CHECK((r.page_budget_used & (r.page_budget_used - 1)) == 0);
    if (r.page_budget_used > 2) {
      SparseAttentionParams fixed = params;
      fixed.delta = 0.0;
      fixed.page_budget = static_cast<int>(r.page_budget_used / 2);
      const SparseGroupResult prev = sparse_attention_group(cache, inst.queries, fixed, 0.25);
      double prev_worst = 0.0;
      for (const auto& head : prev.heads) prev_worst = std::max(prev_worst, head.tail_bound);
      CHECK(prev_worst > params.delta);
    }
  }
}

TEST_CASE("GQA: the group shares one selection by U_p = max_h U_p,h; each head gets its own certificate") {
  std::mt19937_64 rng(6);
  const Instance inst = random_instance(rng, 300, 8, 4, 16, 0.5, false);
  const PagedKVCache cache = build_paged_cache(inst.keys, inst.values, 300, 16);
  SparseAttentionParams params;
  params.page_budget = 5;
  const SparseGroupResult r = sparse_attention_group(cache, inst.queries, params, 0.35);
  const Matrix upper = page_upper_bounds(cache, inst.queries, 0.35);
  const Vector group_score = upper.colwise().maxCoeff().transpose();
  CHECK(r.selected_pages == select_pages(group_score, 5, 1, 1));
  // Each head equals its own computation on the shared selection.
  for (Index h = 0; h < 4; ++h) {
    const SparseGroupResult single = attend_selected(cache, inst.queries.middleRows(h, 1), upper.middleRows(h, 1),
                                                     r.selected_pages, 0.35, 1.0);
    CHECK(single.heads[0].lse == doctest::Approx(r.heads[static_cast<size_t>(h)].lse).epsilon(1e-14));
    CHECK(single.heads[0].tail_bound == doctest::Approx(r.heads[static_cast<size_t>(h)].tail_bound).epsilon(1e-12));
  }
  // Batch layout: 2 sequences x 2 KV heads, 8 query heads (4:1).
  std::vector<PagedKVCache> caches;
  Matrix queries(16, 8);
  for (int c = 0; c < 4; ++c) {
    const Instance other = random_instance(rng, 100 + 50 * c, 8, 4, 16, 0.5, false);
    caches.push_back(build_paged_cache(other.keys, other.values, other.keys.rows(), 16));
    queries.middleRows(4 * c, 4) = other.queries;
  }
  const auto batch = sparse_attention_batch(caches, queries, 8, 2, params, 0.35);
  REQUIRE(batch.size() == 4);
  for (int c = 0; c < 4; ++c) {
    const SparseGroupResult one = sparse_attention_group(caches[static_cast<size_t>(c)], queries.middleRows(4 * c, 4), params, 0.35);
    CHECK(batch[static_cast<size_t>(c)].selected_pages == one.selected_pages);
    CHECK(batch[static_cast<size_t>(c)].heads[3].lse == one.heads[3].lse);
  }
}

TEST_CASE("trace stream: GQA groups by position, causal prefix, kernel outputs per eps") {
  std::mt19937_64 rng(7);
  const Instance inst = random_instance(rng, 90, 8, 6, 16, 0.5, false);
  Stream stream;
  stream.name = "s";
  stream.keys = inst.keys;
  stream.values = inst.values;
  stream.queries = inst.queries;        // 6 rows: positions 40, 40, 40, 71, 71, 90
  stream.query_head = {0, 1, 2, 0, 1, 0};
  stream.position = {40, 40, 40, 71, 71, 90};
  stream.query_length = {41, 41, 41, 72, 72, 90};
  SparseAttentionParams params;
  params.page_budget = 2;
  const KernelOutputs out = run_sparse_reference(stream, params, {0.5, 1.0});
  CHECK(out.name == "vashista-sparse");
  CHECK(out.device == "cpu-reference");
  CHECK(out.bound == "minmax");
  CHECK(out.compute_dtype == "float64");
  REQUIRE(out.selected_pages.size() == 2);
  CHECK(out.lse.rows() == 2);
  CHECK(out.lse.cols() == 6);
  CHECK(out.output[1].rows() == 6);
  const auto groups = query_groups(stream);
  REQUIRE(groups.size() == 3);
  CHECK(groups[0] == std::vector<Index>{0, 1, 2});
  for (int e = 0; e < 2; ++e) {
    CHECK(out.selected_pages[e][0] == out.selected_pages[e][2]);  // shared in a group
    CHECK(out.selected_pages[e][3] == out.selected_pages[e][4]);
    for (const auto& group : groups) {
      const Index len = stream.visible_keys(group.front());
      const PagedKVCache prefix = build_paged_cache(inst.keys, inst.values, len, 16);
      Matrix q(static_cast<Index>(group.size()), 8);
      for (size_t r = 0; r < group.size(); ++r) q.row(static_cast<Index>(r)) = inst.queries.row(group[r]);
      SparseAttentionParams at = params;
      at.eps = out.eps[static_cast<size_t>(e)];
      const SparseGroupResult ref = sparse_attention_group(prefix, q, at, 1.0 / std::sqrt(8.0));
      for (size_t r = 0; r < group.size(); ++r) {
        const Index j = group[r];
        CHECK(out.lse(e, j) == ref.heads[r].lse);
        CHECK(out.tail_bound(e, j) == ref.heads[r].tail_bound);
        // Only pages of the visible prefix are ever selected; the last (partial) page is forced.
        for (int32_t p : out.selected_pages[e][j]) CHECK(p < (len + 15) / 16);
        CHECK(out.selected_pages[e][j].back() == (len + 15) / 16 - 1);
        // Tokens beyond the prefix never contribute: the exact tail over the prefix is bounded.
        const test::DenseAttention dense = dense_attention(inst.keys.topRows(len), inst.values.topRows(len),
                                                           inst.queries.row(j).transpose(), 1.0 / std::sqrt(8.0), at.eps,
                                                           ref.selected_pages, 16);
        CHECK(dense.log_mass_out <= std::log(out.tail_bound(e, j)) + kLogBoundSlack);
      }
    }
  }
  // Without position: every row is its own group.
  stream.position.clear();
  stream.query_length = {41, 41, 41, 72, 72, 90};
  CHECK(query_groups(stream).size() == 6);
  // Rows of one group that see different prefixes are bad input.
  stream.position = {40, 40, 40, 71, 71, 90};
  stream.query_length = {41, 42, 41, 72, 72, 90};
  CHECK_THROWS(run_sparse_reference(stream, params, {1.0}));
}
