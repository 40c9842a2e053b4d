// Exact certified projection onto the convex hull of the keys (docs/theory.md, sections 2 and 3).
//
// Outer loop per query (all queries of a batch advance together so that every pass over K is shared):
//   pass 1  s_i = <k_i, q> and ||k_i|| for every key (the norms unless given: KeyNorms); working set
//           W = half the keys farthest along q, half the keys nearest q (largest <k_i, q> - 1/2 ||k_i||^2).
//   then    W, then the candidate pool, priced alone until they have no violator; the query-axis bound
//           (price_by_query_axis) may then prove every other key from pass 1 (no full pass at all).
//   repeat  Wolfe's minimum-norm point on W (solvers/min_norm_point.hpp) -> x = K^T p, r = q - x;
//           pricing pass t_i = <k_i, r>,  lambda_i = <x, r> - t_i for every key;
//           keys with lambda_i < -rho_i (rho_i = rounding bound below) are violators: the most
//           violated join W; no violator outside W -> this pass is the certificate.
//
// Rounding bound rho_i on the computed lambda_i (u = 2^-53, gamma_k = k u / (1 - k u)).
//   The stored x is N / W with N = sum_s p_s k_s and W = sum_s p_s both summed with compensation (Dot2 /
//   Sum2, solvers/compensated_dot.hpp); the exact hull point x~ = sum_s (p_s / W) k_s is within
//   dx = (4u + 4 gamma_{m+2}^2) max_{s in S} ||k_s|| (1 + 8u) of it (m = |S|; assemble_point). Until
//   session 39 the sums were plain, dx = 2 gamma_{m+2} max ||k_s||: for a corral of 128 keys 65 times
//   larger, which alone kept the linear certificate from proving faces of 128 keys at gaps ~1e-7.
//   The stored r = fl(q - x) is within u ||r|| of q - x. A dot product of length d has error at most
//   gamma_d sum_j |a_j b_j| <= gamma_d ||a|| ||b|| (any summation order, so gemv / gemm / blocked).
//   Hence with l_i = fl(fl(<x, r>) - fl(<k_i, r>)) and lambda~_i = <x~ - k_i, q - x~>:
//     |l_i - lambda~_i| <= rho_i := 2 [ gamma_{d+2} (||x|| + ||k_i||) ||r|| + u |l_i|
//                                       + dx (dist_i + ||r||) + dx^2 ],
//   dist_i an upper bound of ||x - k_i|| (below); the factor 2 covers the rounding of the bound itself
//   and of the norms. At the exact optimum the gap computes as ~0 but l_i of a face key is only
//   within rho_i of 0: screening/pricing therefore uses -rho_i, never 0, as the violation threshold.
//
// Certificate (theory.md section 2) at the hull point x~:
//   g = max_i <q - x~, k_i - x~> = max_i (-lambda~_i) <= gb := max(0, max_i (rho_i - l_i))  (reported
//   as fw_gap), ||x~ - x*|| <= e := sqrt(2 gb), so ||x - x*|| <= x_error := e + dx, and
//   |l_i - lambda_i(x*)| <= err_i := rho_i + e (||r|| + dist_i + 2 dx) + 3 e^2   (lambda_error).
//   dist_i: ||x - k_i||^2 = ||x||^2 - 2 (s_i - t_i) + ||k_i||^2 (s_i from pass 1, t_i from the
//   pricing pass), plus 2 gamma_{d+4} (||x|| + ||k_i|| + ||q|| + ||r||)^2 for its rounding, capped by
//   ||x|| + ||k_i||.
// Classification with lo_i = l_i - err_i, hi_i = l_i + err_i:
//   ||r|| <= x_error                       -> no_gap (r* = 0 is consistent with the certificate);
//   some hi_i < 0                           -> unresolved (the point is provably not optimal);
//   F = {i : lo_i <= 0}; out = the others (lambda_i(x*) > 0 proven, so F* is a subset of F);
//   separated <=> max_{i in F} hi_i < delta_lo = min_{i out} lo_i: the largest value a face multiplier
//   can take is below the smallest value an outside multiplier can take -> certified, Delta in
//   [delta_lo, delta_hi = min_{i out} hi_i]; otherwise face_ambiguous (never guessed).
#include "solvers/hull_projection.hpp"

#include "core/error.hpp"
#include "core/finite.hpp"
#include "solvers/compensated_dot.hpp"
#include "solvers/gram_inverse_bound.hpp"
#include "solvers/key_dots.hpp"
#include "solvers/min_norm_point.hpp"
#include "solvers/quantized_keys.hpp"
#include "solvers/rounding.hpp"

#include <Eigen/QR>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>
#include <functional>
#include <optional>
#include <type_traits>

namespace vashista {

const char* to_string(HullStatus status) {
  switch (status) {
    case HullStatus::certified: return "certified";
    case HullStatus::face_ambiguous: return "face_ambiguous";
    case HullStatus::no_gap: return "no_gap";
    case HullStatus::unresolved: return "unresolved";
  }
  return "unknown";
}

namespace {
constexpr double kFrankWolfeInflate = 1.0 + 32.0 * kUnitRoundoff;  // rounding of the Frank-Wolfe bars' own evaluation
constexpr double kLinearInflate = 1.0 + 64.0 * kUnitRoundoff;      // the same for the linear certificate's bounds
constexpr Index kBlockRows = 256;  // rows of K per block of a pass (256 KiB at d = 128: stays in L2, so
                                   // the norms of pass 1 re-read the block from cache, not memory)

// A pass for 2 to kNarrowBatch queries is one key_dots sweep per query over each block (the block stays
// in L2 between the sweeps); for more queries key_dots_many reads each row of the block once per eight
// queries. Until session 25 the wider passes were an Eigen GEMM per block, which packs the block (a copy
// of it) on every call: for 2-4 queries that cost as much as the product (batches of 2 queries took
// 1.4-2.6x the time per query of single solves; the sweeps 0.38-0.97x of that, docs/benchmarks.md
// "Session 21"), and for 8 queries the packing took more samples than the product (planted n = 4096:
// 16 % against 11 % of a batch's time); key_dots_many took batches of 8 queries to 0.65-0.9x their time
// per query on the development box ("Session 25").
constexpr Index kNarrowBatch = 4;
constexpr Index kCutSample = 256;  // values sampled for a cut (approximate_cut) or a screening test
constexpr Index kScanBlock = 16;  // keys tested in one vectorised step by the scans for a few keys among n

// Underflow. The rounding bounds above are relative (fl(a op b) = (a op b)(1 + delta)); a product that
// falls below 2^-1022 also carries an absolute error of up to half the smallest subnormal, and a bound
// evaluated in floating point can itself underflow to 0 (fuzz finding: keys ~1e-165 gave a Frank-Wolfe
// gap of 3e-333 computed as 0, every bar 0, and a multiplier of 3e-318 "proven" positive). Every bar
// therefore carries this absolute floor: it covers the subnormal errors of the two length-d dot products
// of a multiplier, of the assembled point and of the bar's own ~10 terms (4d + 128 smallest subnormals,
// ~1e-321 at d = 128; it changes nothing unless the data's squared scale is below ~1e-300).
double underflow_floor(Index d) {
  return (4.0 * static_cast<double>(d) + 128.0) * std::numeric_limits<double>::denorm_min();
}

struct Pricing {
  Vector lambda, rho, dist;
  double xr = 0, xnorm = 0, rnorm = 0, qnorm = 0, dx = 0;
  double floor = 0;       // underflow_floor(d), part of every rho_i
  bool screen_ok = true;  // every screened key proven lambda_i > 0 by the screening bound
  Index screened = 0;     // number of keys priced by the screening bound
  double min_slack = kInf;  // full pricing: min_i (lambda_i + rho_i); >= 0 means no key is a violator
  double gap_bound = kNaN;  // max(0, max_i (rho_i - lambda_i)) when a pricing loop computed it, else NaN
};

struct QueryState {
  Index visible = 0;
  Vector q;
  Vector scores;    // s_i = <k_i, q> (within score_error_i of it while approx_scores)
  // Pass 1 from the stream's 16-bit copy (scores_from_copy): score_error_i bounds |scores_i - <k_i, q>|,
  // 0 once key i's score was formed from its row of K (dots_with_exact_scores, add_to_working_set). Every
  // exact pricing of a key uses an exact score; bounds from the copy's scores carry score_error_i.
  bool approx_scores = false;
  bool survivor_scores = false;     // the survivors (set_reference's) need their exact scores (survivor_pass)
  Vector score_error;
  Vector kr;        // t_i = <k_i, r> of the last pricing pass
  Vector x, r;
  double x_dx = 0;  // rounding bound dx of the stored x (assemble_point)
  MinNormPoint mnp;
  std::vector<Index> wset;  // global key index of each working-set point
  std::vector<char> in_w;   // n flags
  bool active = true;
  bool iteration_limit = false;
  // Screening (see the header comment): reference point of the last full pricing pass and its values.
  bool next_full = true;            // the next pricing pass reads every key
  bool polished = false;            // the last Wolfe solve ended with the final polish
  bool solved = false;              // x is that solve's point and W has not changed since (no new solve needed)
  int axis_failures = 0;            // failed query-axis attempts (after kAxisFailures, full passes only)
  bool pool_active = false;         // the candidate pool is among the survivors
  std::vector<Index> pool;          // the candidate pool (sorted), priced once the query axis fails on W0
  bool screened = false;            // a reference exists and the survivors below are in use
  Vector ref_x;                     // x0
  double ref_dx = 0;                // rounding bound of x0 (dx of that pass)
  Vector ref_lambda, ref_rho, ref_dist;
  std::vector<Index> survivors;     // keys re-priced by partial passes (sorted)
  std::vector<char> is_survivor;    // n flags
  int full_passes = 1;              // passes over K: pass 1 plus the full pricing passes this query took part in
  int copy_passes = 0;              // passes over the stream's 16-bit copy (pass 1, full pricing passes)
  int screened_passes = 0;
  Pricing pricing;                  // buffers of the last pricing, reused (no per-pass allocation)
  std::vector<double> block_min_slack, block_gap_bound;  // a full pricing's bounds by block of kBlockRows
  std::vector<double> ratio;        // set_reference's buffer (and the pool selection's sample)
  std::vector<Index> score_part, near_part;  // the pool selection's buffers
  std::vector<std::pair<double, Index>> ranked;  // rank_best's buffer
  std::vector<Index> corral_keys;   // certify's buffer (sorted global indices of the corral)
  std::vector<Index> violators;     // the pricing loop's buffer
  std::vector<Index> axis_failed, merged;  // price_by_query_axis's buffers
  HullProjection result;
  explicit QueryState(Index d) : mnp(d) {}

  /// Ready for a new query of n visible keys; keeps every allocation (see StateCache).
  void reset(Index d, Index n, const Eigen::Ref<const Vector>& query) {
    if (mnp.dim() == d) {
      mnp.clear();
    } else {
      mnp = MinNormPoint(d);
    }
    visible = n;
    q = query;
    scores.resize(n);
    approx_scores = false;
    survivor_scores = false;
    kr.resize(n);
    wset.clear();
    in_w.assign(static_cast<std::size_t>(n), 0);
    active = true;
    iteration_limit = false;
    next_full = true;
    polished = false;
    solved = false;
    axis_failures = 0;
    pool_active = false;
    screened = false;
    ref_dx = 0;
    survivors.clear();
    full_passes = 1;
    copy_passes = 0;
    screened_passes = 0;
    // A fresh result that keeps the storage of the n-sized vectors (see project_onto_hull_batch).
    HullProjection fresh;
    fresh.lambda.swap(result.lambda);
    fresh.lambda_error.swap(result.lambda_error);
    fresh.face.swap(result.face);
    fresh.face.clear();
    result = std::move(fresh);
  }
};

// Query states of the last call on this thread, reused by the next one. A call allocates about a dozen
// n-sized arrays per query; freed at its end, glibc returns them to the system (heap trimming) and the
// next call page-faults them in again: on the n = 16384 benchmark that churn was 511k page faults and
// ~45% of the single-query time. States whose arrays total more than kStateCacheBytes are not kept.
// The limit was 64 MiB until session 21: a 32-query batch at n = 131072 (~400 MiB of states) then
// re-faulted its states on every call, and the far batch took 5.5-5.7 ms per query instead of 3.0-3.5
// (development box, AMD EPYC VM, where a page fault is expensive; docs/benchmarks.md "Session 21").
constexpr std::size_t kStateCacheBytes = std::size_t{1} << 30;

struct StateCache {
  std::vector<QueryState> states;
  Vector knorm;
};

StateCache& state_cache() {
  thread_local StateCache cache;
  return cache;
}

// The products of a block of a many-vector pass (key_dots_many), in a per-thread buffer kept between
// passes. Freed after every block, glibc gave the top of its heap back to the system and the next block
// page-faulted it in again: on the development box (AMD EPYC VM, where a page fault costs ~12 us) that
// churn, then in the GEMM's packing buffers, made batches of 8 queries take 1.9-2.0x their time in one of
// the VM's phases (docs/benchmarks.md, "Session 22"). 256 doubles per query of the widest batch so far:
// under 1/12 of that batch's states, which hold ~12 per key.
Eigen::MatrixXd& block_product_buffer(Index rows, Index cols) {
  thread_local Eigen::MatrixXd buffer;
  if (buffer.rows() < rows || buffer.cols() < cols)
    buffer.resize(std::max(buffer.rows(), rows), std::max(buffer.cols(), cols));
  return buffer;
}

// body(i) for i in [0, count): on OpenMP threads when `parallel`, else as a plain loop. An OpenMP region
// whose if-clause is false still starts and ends a team of one thread, and libgomp ends it with futex
// system calls: about 9 per planted single solve at n = 4096 (strace). Without them single solves took
// 0.71-1.02x (planted) and 0.79-0.91x (far) their time at n = 4096 on the development box (AMD EPYC VM,
// where a system call is expensive); on the GPU host's Xeon both measured alike (docs/benchmarks.md,
// "Session 23").
template <class Body>
void for_each_index(Index count, bool parallel, bool dynamic, Body&& body) {
  if (!parallel) {
    for (Index i = 0; i < count; ++i) body(i);
  } else if (dynamic) {
#pragma omp parallel for schedule(dynamic)
    for (Index i = 0; i < count; ++i) body(i);
  } else {
#pragma omp parallel for schedule(static)
    for (Index i = 0; i < count; ++i) body(i);
  }
}

// Called by key_pass once a block's products are out: (position of the query in `active`, first row,
// end row) of that query's visible part of the block. Blocks may run on several threads at once.
using BlockDone = std::function<void(std::size_t, Index, Index)>;

// One pass over the keys for the active queries: out_j[i] = <k_i, column_j> for i < visible_j.
// Blocks of rows are independent (OpenMP over blocks, each output entry written once), so results do
// not depend on the thread count. With `norms` non-null the row norms are computed in the same pass.
// With `block_done` non-null it is called for every block and query right after their products.
// `descending`: a single query's pass walks the blocks from the last to the first (a batch's blocks run
// in any order on its threads). Products and per-block pricing do not depend on the order.
void key_pass(const Eigen::Ref<const Matrix>& keys, const std::vector<QueryState*>& active,
              const std::vector<const Vector*>& columns, std::vector<Vector*>& outputs, Vector* norms,
              const BlockDone* block_done = nullptr, bool descending = false) {
  const Index d = keys.cols();
  // Active queries sorted by visible length (descending) so that block b uses a prefix of columns.
  std::vector<std::size_t> order(active.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return active[a]->visible > active[b]->visible; });
  Eigen::MatrixXd cols(d, static_cast<Index>(order.size()));
  for (std::size_t c = 0; c < order.size(); ++c) cols.col(static_cast<Index>(c)) = *columns[order[c]];
  const Index rows = order.empty() ? 0 : active[order[0]]->visible;
  const Index blocks = (rows + kBlockRows - 1) / kBlockRows;
  // A single query's pass is one key_dots sweep, prefetching as measured (plan_pass_prefetch); the tail
  // of a batch (one query left) prefetches when its keys stream from memory.
  const bool single = order.size() == 1;
  std::optional<PlannedPass> planned;  // reports the single pass's time when it ends (function exit)
  if (single) planned.emplace(key_bytes(keys, rows), norms != nullptr);
  const bool prefetch = single ? planned->prefetch() : keys_stream_from_memory(keys, rows);
  // The columns for key_dots_many, kept between passes; the blocks' threads read them through a plain
  // pointer (a thread_local named inside the loop's body would be each thread's own, empty, vector).
  thread_local std::vector<double> interleaved;
  if (static_cast<Index>(order.size()) > kNarrowBatch) interleave_vectors(cols, interleaved);
  const double* const interleaved_vectors = interleaved.data();
  const Index interleaved_cols = (static_cast<Index>(order.size()) + kInterleave - 1) / kInterleave * kInterleave;
  const bool down = single && descending;
  // Threads only for a batch: an OpenMP region on a loaded machine costs a single sweep more than it saves.
  for_each_index(blocks, !single, false, [&](Index block_index) {
    const Index b = down ? blocks - 1 - block_index : block_index;
    const Index start = b * kBlockRows;
    const Index len = std::min(kBlockRows, rows - start);
    Index ncols = 0;
    while (ncols < static_cast<Index>(order.size()) && active[order[static_cast<std::size_t>(ncols)]]->visible > start)
      ++ncols;
    const auto block = keys.middleRows(start, len);
    // key_dots, one sweep per query over the block: a single query (pass 1 reads each row once for score
    // and norm), or a few (kNarrowBatch); the first query's sweep also forms the norms and prefetches.
    const bool sweeps = ncols <= kNarrowBatch && (ncols > 1 || single || norms != nullptr || prefetch);
    if (sweeps) {
      for (Index c = 0; c < ncols; ++c) {
        const std::size_t j = order[static_cast<std::size_t>(c)];
        const Index stop = std::min(len, active[j]->visible - start);
        key_dots(keys, start, len, stop, cols.col(c).data(), outputs[j]->data() + start,
                 c == 0 && norms != nullptr ? norms->data() + start : nullptr, c == 0 && prefetch);
      }
    } else if (ncols == 1) {  // cache-resident keys: Eigen's gemv
      Vector& out = *outputs[order[0]];
      const Index stop = std::min(len, active[order[0]]->visible - start);
      out.segment(start, stop).noalias() = block.topRows(stop) * cols.col(0);
    } else {
      Eigen::MatrixXd& prod = block_product_buffer(len, interleaved_cols);
      key_dots_many(keys, start, len, interleaved_vectors, ncols, prod.data(), prod.rows());
      for (Index c = 0; c < ncols; ++c) {
        const std::size_t j = order[static_cast<std::size_t>(c)];
        const Index stop = std::min(len, active[j]->visible - start);
        outputs[j]->segment(start, stop) = prod.col(c).head(stop);
      }
    }
    if (norms != nullptr && !sweeps) norms->segment(start, len) = block.rowwise().norm();
    if (block_done != nullptr)
      for (Index c = 0; c < ncols; ++c) {
        const std::size_t j = order[static_cast<std::size_t>(c)];
        (*block_done)(j, start, start + std::min(len, active[j]->visible - start));
      }
  });
}

// st.kr[i] = <k_i, r> for the rows, and their exact scores where they still hold the copy's, gathering each
// row once for both (key_dots_of_rows with a second vector).
void dots_with_exact_scores(const Eigen::Ref<const Matrix>& keys, QueryState& st, const Index* rows, std::size_t count) {
  if (!st.approx_scores) {
    key_dots_of_rows(keys, rows, count, st.r.data(), st.kr.data());
    return;
  }
  key_dots_of_rows(keys, rows, count, st.r.data(), st.kr.data(), st.q.data(), st.scores.data());
  for (std::size_t t = 0; t < count; ++t) st.score_error[rows[t]] = 0;
}

// Partial pricing pass: st.kr[i] = <k_i, st.r> for the survivors of each query (sorted key indices). With
// several queries the keys are walked in blocks of kBlockRows rows and every query prices its survivors
// inside the block while the block is in cache: the keys are read from memory once for the batch instead
// of once per query (at n = 131072 the pools of a 32-query batch cover nearly every key, and reading
// them query by query cost as much as a full pass per query). Blocks are independent (each output
// entry written once), so results do not depend on the thread count.
void survivor_pass(const Eigen::Ref<const Matrix>& keys, const std::vector<QueryState*>& partial) {
  if (partial.size() == 1) {
    QueryState& st = *partial.front();
    if (st.survivor_scores) {  // new survivors (set_reference) after pass 1 from the copy: their exact scores too
      dots_with_exact_scores(keys, st, st.survivors.data(), st.survivors.size());
      st.survivor_scores = false;
    } else {
      key_dots_of_rows(keys, st.survivors.data(), st.survivors.size(), st.r.data(), st.kr.data());
    }
    return;
  }
  Index rows = 0;
  for (const QueryState* st : partial)
    if (!st->survivors.empty()) rows = std::max(rows, st->survivors.back() + 1);
  const Index blocks = (rows + kBlockRows - 1) / kBlockRows;
#pragma omp parallel for schedule(static)
  for (Index b = 0; b < blocks; ++b) {
    const Index start = b * kBlockRows, stop = start + kBlockRows;
    for (QueryState* st : partial) {
      const auto first = std::lower_bound(st->survivors.begin(), st->survivors.end(), start);
      const auto last = std::lower_bound(first, st->survivors.end(), stop);
      key_dots_of_rows(keys, st->survivors.data() + (first - st->survivors.begin()),
                       static_cast<std::size_t>(last - first), st->r.data(), st->kr.data());
    }
  }
}

// x = N / W from the corral weights, N = sum_s p_s k_s and W = sum_s p_s each summed with compensation
// (two_product / two_sum per term, coordinates side by side); returns dx (header comment). Derivation:
// |N^_j - N_j| <= u |N_j| + 2 gamma_{m+2}^2 sum_s p_s |k_sj| (Dot2 and its last rounding), the same for W
// (all terms positive: relative e_W = u + 2 gamma_{m+2}^2), and x_j = fl(N^_j / W^) adds u |x_j|; so
// ||x - x~|| <= (1 + 4 e_W) ((3u + 2 gamma^2) ||x~|| + 2 gamma^2 max_s ||k_s||) <= dx, using ||x~|| <= max_s ||k_s||.
double assemble_point(const Eigen::Ref<const Matrix>& keys, QueryState& st) {
  const auto& corral = st.mnp.corral();
  const auto& w = st.mnp.weights();
  const Index d = keys.cols();
  Vector hi = Vector::Zero(d), lo = Vector::Zero(d);
  double w_hi = 0, w_lo = 0, max_norm = 0;
  for (std::size_t s = 0; s < corral.size(); ++s) {
    const Index key = st.wset[static_cast<std::size_t>(corral[s])];
    const double ws = w[s];
    const double* k = keys.row(key).data();
    for (Index j = 0; j < d; ++j) compensated_add_product(hi[j], lo[j], ws, k[j]);
    compensated_add(w_hi, w_lo, ws);
    max_norm = std::max(max_norm, keys.row(key).norm());
  }
  const double total = w_hi + w_lo;
  st.x = (hi + lo) / total;
  st.r = st.q - st.x;
  // The compensated bound, plus the subnormal error of each product's low part (see underflow_floor).
  const double c = static_cast<double>(corral.size()) + 2.0;
  return (4.0 * kUnitRoundoff + 2.0 * compensated_dot_error_factor(static_cast<Index>(corral.size()) + 1)) * max_norm *
             (1.0 + 8.0 * kUnitRoundoff) +
         2.0 * c * std::sqrt(static_cast<double>(d)) * std::numeric_limits<double>::denorm_min();
}

void add_to_working_set(const Eigen::Ref<const Matrix>& keys, QueryState& st, Index key) {
  st.in_w[static_cast<std::size_t>(key)] = 1;
  st.wset.push_back(key);
  st.mnp.add_point(keys.row(key).transpose(), st.q);
  if (st.approx_scores && st.score_error[key] != 0) {  // the working set's keys are survivors, priced exactly
    st.scores[key] = keys.row(key).dot(st.q);
    st.score_error[key] = 0;
  }
}


// Exact pricing of key i from t_i = <k_i, r> (formulas of the header comment), the terms that do not
// depend on the key hoisted out: rho_i = 2 [gamma_{d+2} (||x|| + ||k_i||) ||r|| + u |l_i| + dx (dist_i + ||r||)
// + dx^2] + floor as an affine form in (||k_i||, |l_i|, dist_i) (non-negative terms; the factor 2 covers
// the rounding of its evaluation), and dist_i's rounding term 2 gamma_{d+4} scale_i^2 with
// scale_i = ||k_i|| + (||x|| + ||q|| + ||r||).
struct KeyPricer {
  double xr, xnorm, xnorm2, scale_shift, scale_coef, k_coef, l_coef, dist_coef, constant;

  KeyPricer(const Pricing& pr, Index d)
      : xr(pr.xr),
        xnorm(pr.xnorm),
        xnorm2(pr.xnorm * pr.xnorm),
        scale_shift(pr.xnorm + pr.qnorm + pr.rnorm),
        scale_coef(2.0 * rounding_gamma(static_cast<double>(d) + 4.0)),
        k_coef(2.0 * rounding_gamma(static_cast<double>(d) + 2.0) * pr.rnorm),
        l_coef(2.0 * kUnitRoundoff),
        dist_coef(2.0 * pr.dx),
        constant(2.0 * (rounding_gamma(static_cast<double>(d) + 2.0) * pr.xnorm * pr.rnorm + pr.dx * pr.rnorm + pr.dx * pr.dx) +
                 pr.floor) {}

  void operator()(double t, double score, double kn, double& lambda, double& rho, double& dist) const {
    evaluate<false>(t, 0.0, score, kn, lambda, rho, dist);
  }

  /// The same from an approximate t (within `error` of the exact <k_i, r>: price_from_copy): l_i moves by at
  /// most error and dist_i^2 by 2 error, so rho_i gains 2 error and dist_i^2 4 error (factors 2: the rounding
  /// of these additions and of error itself). error = inf gives rho = inf (the key is priced exactly later).
  void approximate(double t, double error, double score, double kn, double& lambda, double& rho, double& dist) const {
    evaluate<true>(t, error, score, kn, lambda, rho, dist);
  }

 private:
  // The error terms are compiled out of the exact pricing (the hot per-key loops), not added as zeros.
  template <bool kWithError>
  void evaluate(double t, double error, double score, double kn, double& lambda, double& rho, double& dist) const {
    const double l = xr - t;
    double dist2 = xnorm2 - 2.0 * (score - t) + kn * kn;
    if constexpr (kWithError) dist2 += 4.0 * error;
    const double scale = kn + scale_shift;
    dist = std::min(xnorm + kn, std::sqrt(std::max(0.0, dist2) + scale_coef * scale * scale));
    lambda = l;
    rho = kn * k_coef + std::abs(l) * l_coef + dist * dist_coef + constant;
    if constexpr (kWithError) rho += 2.0 * error;
  }
};

// Prices `rows` (sorted, none a survivor yet) exactly at the current x from their dot products with r,
// and adds them to the survivors (later pricings keep them exact).
void price_rows_exactly(const Eigen::Ref<const Matrix>& keys, const Vector& knorm, QueryState& st, Pricing& pr,
                        const std::vector<Index>& rows) {
  dots_with_exact_scores(keys, st, rows.data(), rows.size());
  const KeyPricer price_key(pr, keys.cols());
  for (Index i : rows) {
    price_key(st.kr[i], st.scores[i], knorm[i], pr.lambda[i], pr.rho[i], pr.dist[i]);
    st.is_survivor[static_cast<std::size_t>(i)] = 1;
  }
  st.merged.resize(st.survivors.size() + rows.size());
  std::merge(st.survivors.begin(), st.survivors.end(), rows.begin(), rows.end(), st.merged.begin());
  st.survivors.swap(st.merged);
}

// Query-axis screening (docs/theory.md section 3): multipliers bounded from pass 1 alone, no pass over K.
// For the stored x, a = <x, q> / ||q||^2, p = x - a q (p orthogonal to q) and P = I - q q^T / ||q||^2,
// the identity (exact for any x)
//   lambda_i(x) = <x - k_i, q - x> = <x, q - x> - (1 - a) s_i + <P k_i, p>,   s_i = <k_i, q>,
// with |<P k_i, p>| <= ||P k_i|| ||p|| and ||P k_i||^2 = ||k_i||^2 - s_i^2 / ||q||^2 gives
//   l_i = fl(<x, r> - (1 - a) s_i),   |l_i - lambda_i(x~)| <= rho_i :=
//     [ PK_i PN + 16 g S_i^2 + 2u |l_i| + dx (dist_i + ||r|| + 2 dx) ] (1 + 16u),
// where (g = gamma_{d+8}, every norm below an upper bound of the exact one, inflated by 1 + 2g):
//   S_i = ||x|| + ||k_i|| + ||q|| bounds the rounding of <x, r>, of a (|a^ - a| <= 4g ||x|| / ||q||),
//     of s_i (gamma_d ||k_i|| ||q||) and of the products: together <= 10 g S_i^2 + u |l_i|;
//   PN = (||fl(x - a^ q)|| (1 + 2g) + 5 g ||x||)(1 + 4u) >= ||p||;
//   PK_i = sqrt(max(0, ||k_i||^2 (1 + 8u) - (s_lo / ||q||)^2 (1 - 8u)) (1 + 2u)) >= ||P k_i||, with
//     s_lo = max(0, |s_i| - gamma_d ||k_i|| ||q||) <= |s_i|;
//   dx, dist_i = (||x|| + ||k_i||)(1 + 4u) as in price_key (the exact hull point x~ is within dx of x).
// A key is screened when l_i - rho_i > threshold, threshold = 2 min{l_j + rho_j : j exactly priced,
// l_j - rho_j > 0} (0 without such a key): it is proven outside the face, and it cannot be the key of
// Delta (its lower bound exceeds an exact key's upper bound), so Delta and its interval are those of
// the exactly priced keys. The bound is tight when x is nearly parallel to q (p small: queries far
// outside the hull); when a 256-key sample or the whole scan leaves more than 1/16 of the keys
// unproven, it returns false and a full pass prices every key. The few unproven keys of a success are
// priced exactly here (their rows only) and join the survivors.
bool price_by_query_axis(const Eigen::Ref<const Matrix>& keys, const Vector& knorm, QueryState& st,
                         Pricing& pr) {
  const Index n = st.visible;
  const double qn2 = st.q.squaredNorm();
  if (!(qn2 > 0)) return false;
  const double g = rounding_gamma(static_cast<double>(keys.cols()) + 8.0);
  const double gd = rounding_gamma(static_cast<double>(keys.cols()));
  const double a = st.x.dot(st.q) / qn2;
  const double pn_stored = (st.x - a * st.q).norm();
  const double qn = std::sqrt(qn2) * (1.0 + 2.0 * g);
  const double xn = pr.xnorm * (1.0 + 2.0 * g);
  const double rn = pr.rnorm * (1.0 + 2.0 * g);
  const double pn = (pn_stored * (1.0 + 2.0 * g) + 5.0 * g * xn) * (1.0 + 4.0 * kUnitRoundoff);
  const double one_minus_a = 1.0 - a, xr = pr.xr, dx = pr.dx;
  const double shift = dx * (rn + 2.0 * dx);
  // Threshold from the exactly priced keys (the survivors) clearly outside the face.
  double exact_hi = kInf;
  for (Index i : st.survivors)
    if (pr.lambda[i] - pr.rho[i] > 0) exact_hi = std::min(exact_hi, pr.lambda[i] + pr.rho[i]);
  const double threshold = std::isfinite(exact_hi) ? 2.0 * exact_hi : 0.0;
  const double* __restrict score = st.scores.data();
  const double* __restrict kn = knorm.data();
  // Scores from the copy (st.approx_scores): s_i within e_i of <k_i, q> moves l_i by at most
  // |1 - a| e_i, with |1 - a| <= |1 - a^| + 4g ||x|| / ||q|| (the computed a^, see above; doubled for the
  // rounding of ||q|| and of this coefficient), and s_lo by e_i. Inside the bracket's (1 + 16u).
  const double* __restrict score_error = st.approx_scores ? st.score_error.data() : nullptr;
  const double coef_e = std::abs(1.0 - a) + 8.0 * g * xn / std::sqrt(qn2);
  // The bound with the tight PK_i (a square root per key): for the sample and for the keys that the loose
  // pass below (||P k_i|| <= ||k_i||, about as tight for keys far from the axis, which are most keys)
  // leaves unproven.
  auto bound = [&](Index i, double& l, double& rho, double& dist) {
    const double k = kn[i] * (1.0 + 2.0 * g);
    const double s = score[i];
    const double e = score_error != nullptr ? score_error[i] : 0.0;
    l = xr - one_minus_a * s;
    const double scale = xn + k + qn;
    const double s_lo = std::max(0.0, std::abs(s) - gd * k * qn - e);
    // (s_lo / qn)^2, not s_lo^2 / qn^2: s_lo^2 overflows for keys and queries ~1e150 (fuzz finding: an
    // infinite subtrahend made ||P k_i|| = 0 and "proved" a multiplier off by 2^993).
    const double s_q = s_lo / qn;
    const double pk =
        std::sqrt(std::max(0.0, k * k * (1.0 + 8.0 * kUnitRoundoff) - s_q * s_q * (1.0 - 8.0 * kUnitRoundoff)) * (1.0 + 2.0 * kUnitRoundoff));
    dist = (xn + k) * (1.0 + 4.0 * kUnitRoundoff);
    rho = (pk * pn + 16.0 * g * scale * scale + 2.0 * kUnitRoundoff * std::abs(l) + dx * dist + shift + coef_e * e) *
              (1.0 + 16.0 * kUnitRoundoff) +
          pr.floor;
  };
  const char* __restrict surv = st.is_survivor.data();
  const Index limit = std::max<Index>(8, n / 16);
  // A strided sample first: most keys unproven (a query near the hull) costs ~256 evaluations only.
  {
    const Index stride = (n + kCutSample - 1) / kCutSample;
    Index sampled = 0, unproven = 0;
    for (Index i = 0; i < n; i += stride) {
      if (surv[i]) continue;
      double l, rho, dist;
      bound(i, l, rho, dist);
      ++sampled;
      if (!(l - rho > threshold)) ++unproven;
    }
    if (unproven * 16 > std::max<Index>(sampled, 1)) return false;
  }
  double* __restrict lambda = pr.lambda.data();
  double* __restrict rho_out = pr.rho.data();
  double* __restrict dist_out = pr.dist.data();
  // The loose bound on every key, in a loop without branches or blends: its rho is the bracket above
  // with pk_i = k_i and dx dist_i expanded, as an affine form in (k_i, scale_i^2, |l_i|) whose
  // coefficients carry the (1 + 16u) (their own rounding and the loop's, at most ~8u on non-negative
  // terms, stay inside it). The survivors' exact values are saved first and put back after the loop.
  // Only the exactly priced keys enter the gap: a proven key has rho_i - l_i < -threshold <= 0, and an
  // unproven one is bounded again below (tight bound, or priced exactly).
  const double c4 = 1.0 + 4.0 * kUnitRoundoff, c16 = 1.0 + 16.0 * kUnitRoundoff, kg = 1.0 + 2.0 * g;
  const double coef_k = (pn + dx * c4) * c16, coef_scale2 = 16.0 * g * c16, coef_l = 2.0 * kUnitRoundoff * c16,
               coef_1 = (dx * c4 * xn + shift) * c16 + pr.floor, scale_shift = xn + qn;
  std::vector<double>& saved = st.ratio;  // scratch: the survivors' exact (lambda, rho, dist)
  saved.resize(3 * st.survivors.size());
  for (std::size_t t = 0; t < st.survivors.size(); ++t) {
    const Index i = st.survivors[t];
    saved[3 * t] = lambda[i];
    saved[3 * t + 1] = rho_out[i];
    saved[3 * t + 2] = dist_out[i];
  }
  // keys the loose bound leaves unproven (survivors subtracted below; a double: see classify)
  auto loose_bound = [&](auto with_score_error) {
    const double coef_err = coef_e * c16;
    double loose = 0;
#pragma omp simd reduction(+ : loose)
    for (Index i = 0; i < n; ++i) {
      const double k = kn[i] * kg;
      const double l = xr - one_minus_a * score[i];
      const double scale = k + scale_shift;
      double rho = k * coef_k + scale * scale * coef_scale2 + std::abs(l) * coef_l + coef_1;
      if constexpr (decltype(with_score_error)::value) rho += score_error[i] * coef_err;
      lambda[i] = l;
      rho_out[i] = rho;
      dist_out[i] = (xn + k) * c4;
      loose += l - rho > threshold ? 0.0 : 1.0;
    }
    return loose;
  };
  double loose = score_error != nullptr ? loose_bound(std::true_type{}) : loose_bound(std::false_type{});
  double gap_bound = 0;  // max_i (rho_i - l_i) over the exactly priced keys (certify's Frank-Wolfe bound)
  for (std::size_t t = 0; t < st.survivors.size(); ++t) {
    const Index i = st.survivors[t];
    if (!(lambda[i] - rho_out[i] > threshold)) --loose;
    lambda[i] = saved[3 * t];
    rho_out[i] = saved[3 * t + 1];
    dist_out[i] = saved[3 * t + 2];
    gap_bound = std::max(gap_bound, rho_out[i] - lambda[i]);
  }
  if (loose > static_cast<double>(4 * limit)) return false;
  if (loose > 0) {  // the tight bound on these; the keys still unproven are priced exactly (x is unchanged)
    std::vector<Index>& failed = st.axis_failed;
    failed.clear();
    // Blocks of kScanBlock keys are tested in one vectorised step; only blocks holding an unproven key are
    // walked key by key (far queries leave ~2 % of the keys unproven here).
    for (Index first = 0; first < n; first += kScanBlock) {
      const Index last = std::min(n, first + kScanBlock);
      double marked = 0;
#pragma omp simd reduction(+ : marked)
      for (Index i = first; i < last; ++i) marked += lambda[i] - rho_out[i] > threshold ? 0.0 : 1.0;
      if (marked == 0) continue;
      for (Index i = first; i < last; ++i) {
        if (surv[i] || lambda[i] - rho_out[i] > threshold) continue;
        bound(i, lambda[i], rho_out[i], dist_out[i]);  // a proven key has rho_i - l_i < 0: no gap term
        if (!(lambda[i] - rho_out[i] > threshold)) {
          failed.push_back(i);
          if (static_cast<Index>(failed.size()) > limit) return false;
        }
      }
    }
    price_rows_exactly(keys, knorm, st, pr, failed);
    for (Index i : failed) gap_bound = std::max(gap_bound, rho_out[i] - lambda[i]);
  }
  pr.screened = n - static_cast<Index>(st.survivors.size());
  pr.gap_bound = gap_bound;
  return true;
}

// Query-axis attempts per query: one at W0's solution, one when the candidate pool has no violator.
constexpr int kAxisFailures = 2;

// A cut c such that about k of the n values value(0..n-1) are >= c: the k-th largest value of a strided
// sample of at most kCutSample values (exact when n <= kCutSample). The candidate pool and the screening
// radius only need a cut of about the right size (they choose which keys are priced first; the
// certificate never depends on them): a full nth_element over n = 4096 values cost as much as a pass
// over the keys, and one over a 1024-value sample still 8 us (a sixth of a pass). With 256 values the
// rank of a 1/16 cut has a standard error of ~25% of the pool size. Deterministic: the sample is every
// ceil(n / kCutSample)-th index.
template <class Value>
double approximate_cut(Index n, Index k, Value value, std::vector<double>& sample) {
  const Index stride = (n + kCutSample - 1) / kCutSample;
  sample.clear();
  for (Index i = 0; i < n; i += stride) sample.push_back(value(i));
  const Index size = static_cast<Index>(sample.size());
  const Index rank = std::clamp<Index>((k * size + n / 2) / n, 1, size);  // k scaled to the sample
  std::nth_element(sample.begin(), sample.begin() + (rank - 1), sample.end(), std::greater<double>());
  return sample[static_cast<std::size_t>(rank - 1)];
}

// Puts the `take` keys of ids[0, count) with the largest value(i) first, in decreasing order (ties by
// index), as a partial sort by that order would. The values are formed once into (value, index) pairs,
// selected (nth_element) and only the selected sorted: a heap-based partial sort recomputing the values
// in its comparisons took ~3.5% of a planted single solve at n = 4096 for two 32-of-256 selections.
template <class Value>
void rank_best(Index* ids, Index count, Index take, Value value, std::vector<std::pair<double, Index>>& ranked) {
  if (take <= 0) return;
  ranked.resize(static_cast<std::size_t>(count));
  for (Index t = 0; t < count; ++t) ranked[static_cast<std::size_t>(t)] = {value(ids[t]), ids[t]};
  auto before = [](const std::pair<double, Index>& a, const std::pair<double, Index>& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  };
  const auto end = ranked.begin() + static_cast<std::ptrdiff_t>(take);
  if (take < count) std::nth_element(ranked.begin(), end - 1, ranked.end(), before);
  std::sort(ranked.begin(), end, before);
  for (Index t = 0; t < take; ++t) ids[t] = ranked[static_cast<std::size_t>(t)].second;
}

// How far x must move for key i's multiplier to reach 0, up to the factor ||x - k_i|| bounds:
// (l_i - rho_i) / (dist_i + dx). Ranks keys for the screening radius (set_reference) and the pool's
// re-pricing (shrink_pool).
double move_ratio(const Pricing& pr, Index i) {
  return (pr.lambda[i] - pr.rho[i]) / (pr.dist[i] + pr.dx + 1e-300);
}

// After the pool's first pricing only its most promising keys stay survivors: those whose move_ratio
// (how far x must move for lambda_i to reach 0) is among the smallest
// kPoolKeep of the survivors (at least kPoolKeepMin keys), and every working-set key. The pool stage
// only chooses keys for the working set (the full pass that follows judges every key), and x moves
// little between its solves, so re-reading the other 3/4 of the pool's scattered rows at every solve
// found no more violators on the benchmark (full passes 2.06 either way at n = 4096 and 16384) while
// costing ~0.1 pass each time. In a large batch (no screening) a key missed here costs another full
// pass (n = 131072 batch: 2.28 full passes instead of 2.03), but that pass is the batch's shared pass,
// ~1/4 of a pass per query there: batches shrink too (x86-64-v3 build, development box, planted batch
// time per query in passes: n = 4096 3.01-3.13 -> 2.95-2.96, 16384 2.68-3.12 -> 2.54-2.90, 131072
// 1.54-1.65 either way; docs/benchmarks.md, "Session 11").
constexpr double kPoolKeep = 0.25;
constexpr Index kPoolKeepMin = 256;

void shrink_pool(QueryState& st, const Pricing& pr) {
  const Index count = static_cast<Index>(st.survivors.size());
  const Index keep = std::max<Index>(kPoolKeepMin, static_cast<Index>(kPoolKeep * static_cast<double>(count)));
  if (keep >= count) return;
  auto ratio = [&](Index t) { return move_ratio(pr, st.survivors[static_cast<std::size_t>(t)]); };
  const double cut = -approximate_cut(count, keep, [&](Index t) { return -ratio(t); }, st.ratio);
  std::size_t kept = 0;
  for (Index t = 0; t < count; ++t) {
    const Index i = st.survivors[static_cast<std::size_t>(t)];
    if (ratio(t) <= cut || st.in_w[static_cast<std::size_t>(i)])
      st.survivors[kept++] = i;
    else
      st.is_survivor[static_cast<std::size_t>(i)] = 0;
  }
  st.survivors.resize(kept);
}

// The candidate pool joins the survivors: its keys not yet priced are priced exactly at the current x.
void activate_pool(const Eigen::Ref<const Matrix>& keys, const Vector& knorm, QueryState& st, Pricing& pr) {
  st.pool_active = true;
  std::vector<Index>& added = st.axis_failed;  // scratch
  added.clear();
  for (Index i : st.pool)
    if (!st.is_survivor[static_cast<std::size_t>(i)]) added.push_back(i);
  price_rows_exactly(keys, knorm, st, pr, added);
  shrink_pool(st, pr);
}

// The key-independent part of a pricing at the current x: scalars and n-sized arrays of st.pricing.
void begin_pricing(Index d, QueryState& st) {
  Pricing& pr = st.pricing;
  pr.screen_ok = true;
  pr.screened = 0;
  pr.gap_bound = kNaN;
  pr.dx = st.x_dx;  // x is unchanged since assemble_point
  pr.xr = st.x.dot(st.r);
  pr.xnorm = st.x.norm();
  pr.rnorm = st.r.norm();
  pr.qnorm = st.q.norm();
  pr.floor = underflow_floor(d);
  pr.lambda.resize(st.visible);
  pr.rho.resize(st.visible);
  pr.dist.resize(st.visible);
}

// Full pricing of keys [begin, end) from st.kr (after begin_pricing), on raw pointers so that the loop
// vectorises (no aliasing). Returns min_i (lambda_i + rho_i) and max(0, max_i (rho_i - lambda_i)) of the range.
std::pair<double, double> price_key_range(Index d, const Vector& knorm, QueryState& st, Index begin, Index end) {
  Pricing& pr = st.pricing;
  const KeyPricer price_key(pr, d);
  const double* __restrict kr = st.kr.data();
  const double* __restrict score = st.scores.data();
  const double* __restrict kn = knorm.data();
  double* __restrict lambda = pr.lambda.data();
  double* __restrict rho = pr.rho.data();
  double* __restrict dist = pr.dist.data();
  double min_slack = kInf, gap_bound = 0;
#pragma omp simd reduction(min : min_slack) reduction(max : gap_bound)
  for (Index i = begin; i < end; ++i) {
    price_key(kr[i], score[i], kn[i], lambda[i], rho[i], dist[i]);
    min_slack = std::min(min_slack, lambda[i] + rho[i]);
    gap_bound = std::max(gap_bound, rho[i] - lambda[i]);
  }
  return {min_slack, gap_bound};
}

// Full pricing of a single query from the stream's 16-bit copy of its keys (solvers/quantized_keys.hpp,
// given by the caller): a pass over 1/4 of the keys' bytes instead of all of them. Each t_i = <k_i, r>
// comes with the bound E_i = N_i ||r|| eps_t + 2u |t_i| + floor of the copy (N_i the computed norm, ||r||
// inflated to an upper bound of the exact norm), and KeyPricer::approximate widens rho_i and dist_i by it.
// Keys that this does not prove far outside the face are priced again from their rows of K:
//   hi_min = min {l_i + rho_i : l_i - rho_i > 0},   A = {i : l_i - rho_i <= hi_min}.
// A holds every key that might be a violator or in the face, and the key of Delta (lambda_Delta <= hi_min
// < lambda_i outside A), so the face and Delta come from exactly priced keys; every other key keeps the
// copy's (rigorous) values and counts as screened. Its bar can reach the bounds of Delta's interval only
// through the certificate's own terms (e of the Frank-Wolfe bar, eta of the linear one), when they exceed
// l_i - rho_i - hi_min: the interval is then still rigorous, only wider. Returns false when A would exceed
// 1/16 of the keys (or r is 0, or out of the copy's range): the caller then makes the usual pass over K,
// which prices every key again (begin_pricing and the per-key values are simply redone).
bool price_from_copy(const Eigen::Ref<const Matrix>& keys, const Vector& knorm, const QuantizedKeys& copy,
                     QueryState& st) {
  const Index d = keys.cols();
  const Index n = st.visible;
  begin_pricing(d, st);
  Pricing& pr = st.pricing;
  if (!(pr.rnorm > 0) || !std::isfinite(pr.rnorm)) return false;
  const KeyPricer price_key(pr, d);
  // An upper bound of the exact ||r|| (the computed norm's rounding, inflated once more for this product's).
  const double rnorm_up = pr.rnorm * (1.0 + 2.0 * rounding_gamma(static_cast<double>(d) + 2.0));
  const double t_coef = 2.0 * kUnitRoundoff * (1.0 + 4.0 * kUnitRoundoff), floor = pr.floor;
  double* __restrict kr = st.kr.data();
  const double* __restrict score = st.scores.data();
  const double* __restrict kn = knorm.data();
  const double* __restrict bound = copy.row_bounds();
  const double* __restrict score_error = st.approx_scores ? st.score_error.data() : nullptr;
  double* __restrict lambda = pr.lambda.data();
  double* __restrict rho = pr.rho.data();
  double* __restrict dist = pr.dist.data();
  double hi_min = kInf;
  for (Index start = 0; start < n; start += kBlockRows) {
    const Index end = std::min(n, start + kBlockRows);
    if (!copy.dots(start, end - start, st.r.data(), kr + start)) return false;
#pragma omp simd reduction(min : hi_min)
    for (Index i = start; i < end; ++i) {
      double error = bound[i] * rnorm_up + t_coef * std::abs(kr[i]) + floor;  // inf: not quantized
      if (score_error != nullptr) error += score_error[i];  // s_i enters dist_i like t_i (rho: an upper bound)
      price_key.approximate(kr[i], error, score[i], kn[i], lambda[i], rho[i], dist[i]);
      const double excluded = lambda[i] - rho[i] > 0 ? 0.0 : kInf;  // a key not proven outside: no upper bound
      hi_min = std::min(hi_min, lambda[i] + rho[i] + excluded);
    }
  }
  ++st.copy_passes;  // read in full, whether its values serve or the pass over K follows
  if (!std::isfinite(hi_min)) return false;
  const double threshold = hi_min;
  const Index limit = std::max<Index>(8, n / 16);
  std::vector<Index>& exact = st.axis_failed;  // scratch: the set A
  exact.clear();
  for (Index first = 0; first < n; first += kScanBlock) {
    const Index last = std::min(n, first + kScanBlock);
    double marked = 0;
#pragma omp simd reduction(+ : marked)
    for (Index i = first; i < last; ++i) marked += lambda[i] - rho[i] > threshold ? 0.0 : 1.0;
    if (marked == 0) continue;
    for (Index i = first; i < last; ++i)
      if (!(lambda[i] - rho[i] > threshold)) exact.push_back(i);
    if (static_cast<Index>(exact.size()) > limit) return false;
  }
  dots_with_exact_scores(keys, st, exact.data(), exact.size());
  double min_slack = kInf, gap_bound = 0;
  for (Index i : exact) {
    price_key(kr[i], score[i], kn[i], lambda[i], rho[i], dist[i]);
    min_slack = std::min(min_slack, lambda[i] + rho[i]);
    gap_bound = std::max(gap_bound, rho[i] - lambda[i]);
  }
  // The other keys have l_i - rho_i > threshold > 0: no violator among them, no term of the gap bound.
  pr.min_slack = min_slack;
  pr.gap_bound = gap_bound;
  pr.screened = n - static_cast<Index>(exact.size());
  return true;
}

// Pass 1 of a single query from the stream's 16-bit copy of its keys (a quarter of the bytes of K): each
// s_i = T_i within e_i = b_i ||q|| + 2u |T_i| + floor of <k_i, q> (QuantizedKeys::dots; ||q|| inflated to
// an upper bound of the exact norm, as r's in price_from_copy). The scores choose W0 and the pool (any
// values would do there) and enter the bounds with e_i: the query-axis bound widens l_i's bar by
// |1 - a| e_i, price_from_copy widens t_i's error by e_i (s_i enters dist_i^2 as t_i does). A key priced
// exactly gets its exact score first (dots_with_exact_scores, add_to_working_set), and a pricing pass over K
// forms the exact scores of each block of rows before pricing it (price_block). Rows the copy does not hold
// get exact scores here. Returns false (pass 1 over K then) when q is outside the copy's range or more than
// 1/16 of the rows are not quantized (the copy's pass then counts too).
bool scores_from_copy(const Eigen::Ref<const Matrix>& keys, const QuantizedKeys& copy, QueryState& st) {
  const Index d = keys.cols();
  const Index n = st.visible;
  if (!copy.dots(0, n, st.q.data(), st.scores.data())) return false;
  st.copy_passes = 1;
  const double qnorm_up = st.q.norm() * (1.0 + 2.0 * rounding_gamma(static_cast<double>(d) + 2.0));
  const double t_coef = 2.0 * kUnitRoundoff * (1.0 + 4.0 * kUnitRoundoff), floor = underflow_floor(d);
  const double* __restrict bound = copy.row_bounds();
  const double* __restrict score = st.scores.data();
  st.score_error.resize(n);
  double* __restrict error = st.score_error.data();
  double not_quantized = 0;
#pragma omp simd reduction(+ : not_quantized)
  for (Index i = 0; i < n; ++i) {
    error[i] = bound[i] * qnorm_up + t_coef * std::abs(score[i]) + floor;  // inf: row not quantized
    not_quantized += error[i] < kInf ? 0.0 : 1.0;
  }
  if (not_quantized * 16 > static_cast<double>(n)) return false;
  st.approx_scores = true;
  st.full_passes = 0;  // no pass over K yet
  if (not_quantized > 0) {
    std::vector<Index>& rows = st.axis_failed;  // scratch
    rows.clear();
    for (Index i = 0; i < n; ++i)
      if (!(error[i] < kInf)) rows.push_back(i);
    key_dots_of_rows(keys, rows.data(), rows.size(), st.q.data(), st.scores.data());
    for (Index i : rows) error[i] = 0;
  }
  return true;
}

// Pricing at the current x. full: every key from st.kr, already priced by the pricing pass as its blocks
// came out (price_key_range, called by key_pass: the loop's arithmetic then runs while the pass waits for
// memory), which also left min_slack and gap_bound. Otherwise only the survivors are exact (st.kr holds
// their t_i) and every other key is priced by the screening bound from the reference pass:
//
// Screening (docs/theory.md section 3; the identity below is exact for any points X0, X and key k_i):
//   lambda_i(X) = <X - k_i, q - X> = lambda_i(X0) + <X - X0, q - X> - <X0 - k_i, X - X0>,
// so with X0, X the exact hull points of the stored x0, x (within ref_dx, dx), l0_i the reference
// value (|l0_i - lambda_i(X0)| <= rho0_i), dist0_i >= ||x0 - k_i||, D = fl(x - x0), c = fl(<D, r>):
//   M     = ||D|| (1 + 2 gamma_{d+2}) + dx + ref_dx                  >= ||X - X0||,
//   c_err = (dx + ref_dx + 2u||D||)(||r||(1 + u) + dx) + ||D||(u||r|| + dx) + gamma_d ||D|| ||r||
//                                                                    >= |<X - X0, q - X> - c|,
//   l_i   = fl(l0_i + c),
//   rho_i = rho0_i + 2 (c_err + u |l_i|) + (dist0_i + ref_dx) M (1 + 8u)  >= |l_i - lambda_i(X)|,
//   dist_i = (dist0_i + M)(1 + 4u)                                    >= ||x - k_i||.
// These (l_i, rho_i, dist_i) enter the certificate exactly like a priced key's. A key is screened only
// while l_i - rho_i > 0, i.e. lambda_i(X) > 0 is proven: a screened key is never a violator and never in
// the true face; once some screened key loses that proof (x moved too far from x0), the next pass is full.
const Pricing& price(const Eigen::Ref<const Matrix>& keys, const Vector& knorm, QueryState& st, bool full,
                     bool axis) {
  Pricing& pr = st.pricing;
  if (full) return pr;
  begin_pricing(keys.cols(), st);
  const Index n = st.visible;
  const double d = static_cast<double>(keys.cols());
  const KeyPricer price_key(pr, keys.cols());
  const double gd2 = rounding_gamma(d + 2.0);
  for (Index i : st.survivors) price_key(st.kr[i], st.scores[i], knorm[i], pr.lambda[i], pr.rho[i], pr.dist[i]);
  if (!st.screened) {
    // No reference: W0 (then the candidate pool) is priced exactly. Once the survivors have no violator,
    // the query-axis bound may prove every other key from pass 1 (price_by_query_axis). Its first failure
    // brings in the pool (priced here, at the same x); after the second a full pass must come.
    pr.screen_ok = false;
    if (!axis || st.axis_failures >= kAxisFailures) return pr;
    for (Index i : st.survivors)
      if (pr.lambda[i] < -pr.rho[i] && !st.in_w[static_cast<std::size_t>(i)]) return pr;
    pr.screen_ok = price_by_query_axis(keys, knorm, st, pr);
    if (!pr.screen_ok) {
      ++st.axis_failures;
      if (!st.pool_active) activate_pool(keys, knorm, st, pr);
    }
    return pr;
  }
  const Vector diff = st.x - st.ref_x;
  const double dn = diff.norm();
  const double c = diff.dot(st.r);
  const double big_m = dn * (1.0 + 2.0 * gd2) + pr.dx + st.ref_dx;
  const double c_err = (pr.dx + st.ref_dx + 2.0 * kUnitRoundoff * dn) * (pr.rnorm * (1.0 + kUnitRoundoff) + pr.dx) +
                       dn * (kUnitRoundoff * pr.rnorm + pr.dx) + rounding_gamma(d) * dn * pr.rnorm;
  for (Index i = 0; i < n; ++i) {
    if (st.is_survivor[static_cast<std::size_t>(i)]) continue;
    const double l = st.ref_lambda[i] + c;
    const double rho = st.ref_rho[i] + 2.0 * (c_err + kUnitRoundoff * std::abs(l)) +
                       (st.ref_dist[i] + st.ref_dx) * big_m * (1.0 + 8.0 * kUnitRoundoff) + pr.floor;
    pr.lambda[i] = l;
    pr.rho[i] = rho;
    pr.dist[i] = (st.ref_dist[i] + big_m) * (1.0 + 4.0 * kUnitRoundoff);
    if (!(l - rho > 0)) pr.screen_ok = false;
    ++pr.screened;
  }
  return pr;
}

// After a full pass with violators: x0 = x becomes the reference; keep the keys whose lower bound
// (l0_i - rho0_i) / (dist0_i + ref_dx) is among the smallest `fraction` of the keys (at least
// `min_keep`), i.e. those that a move of radius R = the kept ratio could bring to lambda_i <= 0.
void set_reference(QueryState& st, const Pricing& pr, double fraction,
                   Index min_keep) {
  const Index n = st.visible;
  st.ref_x = st.x;
  st.ref_dx = pr.dx;
  st.ref_lambda = pr.lambda;
  st.ref_rho = pr.rho;
  st.ref_dist = pr.dist;
  const Index keep = std::min<Index>(n, std::max<Index>(min_keep, static_cast<Index>(fraction * static_cast<double>(n))));
  std::vector<double>& ratio = st.ratio;
  ratio.resize(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) ratio[static_cast<std::size_t>(i)] = move_ratio(pr, i);
  // radius ~ the keep-th smallest ratio (the cut of the negated ratios).
  std::vector<double> sample;
  const double radius = -approximate_cut(n, keep, [&](Index i) { return -ratio[static_cast<std::size_t>(i)]; }, sample);
  st.survivors.clear();
  st.is_survivor.assign(static_cast<std::size_t>(n), 0);
  for (Index i = 0; i < n; ++i) {
    // Keys in the working set and keys at or below the radius are re-priced (ties all kept).
    if (ratio[static_cast<std::size_t>(i)] <= radius || st.in_w[static_cast<std::size_t>(i)]) {
      st.survivors.push_back(i);
      st.is_survivor[static_cast<std::size_t>(i)] = 1;
    }
  }
  st.screened = true;
}

// Face weights: the corral's p on F (zeros on face keys outside the corral). When F has keys outside
// the corral (duplicates, affinely dependent faces), try to reach strict complementarity by mixing
// with the least-norm solution of [K_F^T; s 1^T] p = [x; s] (s = max ||k_i|| balances the rows):
// p(t) = (1 - t) p_corral + t p_ln solves the same system for every t; keep it if it is > 0 on F.
Vector face_weights(const Eigen::Ref<const Matrix>& keys, const QueryState& st, const std::vector<Index>& face,
                    const Vector& knorm) {
  const Index f = static_cast<Index>(face.size());
  Vector p = Vector::Zero(f);
  if (f == 0) return p;  // nothing to weigh (fuzz finding: the QR below read an empty matrix)
  const auto& corral = st.mnp.corral();
  const auto& w = st.mnp.weights();
  for (std::size_t s = 0; s < corral.size(); ++s) {
    const Index key = st.wset[static_cast<std::size_t>(corral[s])];
    const auto it = std::lower_bound(face.begin(), face.end(), key);
    if (it != face.end() && *it == key) p[it - face.begin()] = w[s];
  }
  if (static_cast<std::size_t>(f) == corral.size() || f > 4 * (keys.cols() + 1)) return p;
  const Index d = keys.cols();
  double s = 1.0;
  for (Index key : face) s = std::max(s, knorm[key]);
  Eigen::MatrixXd a(d + 1, f);
  for (Index c = 0; c < f; ++c) {
    a.col(c).head(d) = keys.row(face[static_cast<std::size_t>(c)]).transpose();
    a(d, c) = s;
  }
  Vector rhs(d + 1);
  rhs.head(d) = st.x;
  rhs[d] = s;
  const Vector p_ln = Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd>(a).solve(rhs);
  for (Index c = 0; c < f; ++c)
    if (!(p[c] > 0) && !(p_ln[c] > 0)) return p;  // no positive mix exists on this key
  // Largest t in (0, 1/2] with (1 - t) p + t p_ln > 0 everywhere.
  double t = 0.5;
  for (Index c = 0; c < f; ++c)
    if (p_ln[c] < 0) t = std::min(t, 0.5 * p[c] / (p[c] - p_ln[c]));
  Vector mixed = (1.0 - t) * p + t * p_ln;
  if ((mixed.array() > 0).all()) {
    mixed /= mixed.sum();
    return mixed;
  }
  return p;
}

// Linear certificate on the corral (the "final exact face solve" of theory.md section 3).
//
// The Frank-Wolfe bound ||x - x*|| <= sqrt(2 g) turns a rounding-level gap g ~ u into an error ~ sqrt(u):
// multipliers below ~1e-8 of the scale cannot be told from 0 (fuzz/adversarial findings: a 1e-14 gap and
// bfloat16 subnormal keys were lumped into the face). Wolfe's corral C (affinely independent, weights
// w > 0) gives a certificate whose error is linear in the rounding instead:
//   x_A = the exact projection of q onto aff(C),  D = [k_s - k_b]_{s in C, s != b},  G = D^T D,
//   x~ = k_b + D omega (the exact point of the stored weights), g = D^T (q - x~)  (computable),
//   then alpha - omega = beta = G^{-1} g  (alpha = barycentric coordinates of x_A, so x_A - x~ = D beta),
//   ||x~ - x_A||^2 = g^T G^{-1} g <= ||G^{-1}|| ||g||^2 =: eta^2.
//   If alpha > 0 (omega_s > |beta_s|) and lambda_i(x_A) > 0 for every key outside C, x_A satisfies the
//   KKT conditions of P0, so x_A = x* and the face is exactly C (lambda_i(x_A) = 0 on C since
//   x_A - k_i lies in span D, which is orthogonal to r_A = q - x_A).
//   For delta = x~ - x_A (in span D, so <delta, r_A> = 0):
//     lambda_i(x~) - lambda_i(x_A) = -<x_A - k_i, delta> - ||delta||^2,
//   hence |l_i - lambda_i(x*)| <= err_i := rho_i + eta (dist_i + dx + eta) + eta^2.
// ||G^{-1}|| is bounded from the computed G^ (solvers/gram_inverse_bound.hpp: a Cholesky factorisation
// of G^ - s I that completes proves lambda_min(G) >= s minus its rounding and e_G; Rump's approximate
// inverse argument where that fails), with
//   ||G - G^||_F <= e_G := (2u' + u'^2 + gamma_{d}) ||D^||_F^2   (u' = u / (1 - u): rounding of the
//   differences D^ and of the products).
//   |g_s - g^_s| <= ||d^_s|| (u' (||r|| + e_r) + e_r + c_d ||r||) + u |g^_s|, e_r = u ||r|| (1 + u) + dx,
//   g^_s a compensated dot (c_d = compensated_dot_error_factor(d), ~2 (d u)^2; gamma_d before session 39).
// Every bound is inflated by (1 + 64 u) for the rounding of its own evaluation. When any condition
// fails (duplicates or affinely dependent keys outside C whose multiplier is 0 up to rounding, a
// near-singular G, a weight not proven positive) the Frank-Wolfe certificate is used as before.
struct LinearCertificate {
  bool valid = false;     // the corral's conditions hold (every other key is checked by certify)
  double eta = kInf;      // ||x~ - x_A|| <= eta
  double x_error = kInf;  // ||x - x*|| <= eta + dx (once x* = x_A is proven)
};

// The corral part of the linear certificate (everything above but the check of the keys outside C).
LinearCertificate linear_certificate(const Eigen::Ref<const Matrix>& keys, const QueryState& st, const Pricing& pr) {
  LinearCertificate lc;
  const auto& corral = st.mnp.corral();
  const auto& w = st.mnp.weights();
  const Index f = static_cast<Index>(corral.size());
  const Index d = keys.cols();
  if (f == 0 || f > d + 1) return lc;
  const double up = rounding_gamma(1.0);  // u / (1 - u)
  constexpr double inflate = kLinearInflate;
  double wsum = 0;
  for (double ws : w) wsum += ws;
  const double w_rel = rounding_gamma(static_cast<double>(f) + 2.0);  // |omega_s - w_s| <= w_rel w_s (normalisation)
  const Index base = st.wset[static_cast<std::size_t>(corral[0])];
  double eta = 0;
  if (f >= 2) {
    const Index m = f - 1;
    Eigen::MatrixXd diff(d, m);
    for (Index s = 0; s < m; ++s)
      diff.col(s) = keys.row(st.wset[static_cast<std::size_t>(corral[static_cast<std::size_t>(s + 1)])]).transpose() -
                    keys.row(base).transpose();
    // G^ = fl(D^T D): the lower triangle by a rank update (half the products of a general product);
    // each entry is still one length-d dot product, so e_gram below holds.
    Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(m, m);
    gram.selfadjointView<Eigen::Lower>().rankUpdate(diff.transpose());
    const double dfro2 = diff.squaredNorm();
    const double tiny = underflow_floor(d);  // absolute (subnormal) error of an entry of G or g
    const double e_gram = ((2.0 * up + up * up + rounding_gamma(static_cast<double>(d))) * dfro2 + static_cast<double>(m) * tiny) * inflate;
    // ||G^{-1}||_2 <= ginv (solvers/gram_inverse_bound.hpp); inf when G is not proven positive definite.
    const double ginv = gram_inverse_bound(gram, e_gram, tiny);
    if (!std::isfinite(ginv)) return lc;
    // g and its rounding.
    const double rn = pr.rnorm;
    const double e_r = kUnitRoundoff * rn * (1.0 + kUnitRoundoff) + pr.dx;
    // g_s = <d^_s, r> as compensated dots: |g_s - <d^_s, r>| <= u |g_s| + c_d ||d^_s|| ||r|| (Dot2 and its
    // last rounding, c_d = compensated_dot_error_factor(d)) instead of gamma_d ||d^_s|| ||r||: with dx
    // this term set the bound on g, and through eta every bar of the linear certificate.
    Vector g(m);
    for (Index s = 0; s < m; ++s) {
      const DoubleDouble dot = compensated_dot(diff.col(s).data(), st.r.data(), d);
      g[s] = dot.hi + dot.lo;
    }
    const double g_err = (std::sqrt(dfro2) * (up * (rn + e_r) + e_r + compensated_dot_error_factor(d) * rn) +
                          kUnitRoundoff * g.norm() + 2.0 * std::sqrt(static_cast<double>(m)) * tiny) *
                         inflate;
    const double gnorm = (g.norm() + g_err) * inflate;
    const double beta_bound = ginv * gnorm * inflate;  // ||beta||_2 >= |beta_s|
    eta = std::sqrt(ginv) * gnorm * inflate;
    // alpha > 0: alpha_s >= omega_s - |beta_s| (s != b), alpha_b >= omega_b - sqrt(m) ||beta||.
    for (Index s = 0; s < f; ++s) {
      const double omega_lo = w[static_cast<std::size_t>(s)] / wsum * (1.0 - w_rel);
      const double shift = s == 0 ? std::sqrt(static_cast<double>(m)) * beta_bound * inflate : beta_bound;
      if (!(omega_lo > shift)) return lc;
    }
  } else if (!(w[0] > 0)) {
    return lc;
  }
  lc.eta = eta;
  lc.x_error = (eta + pr.dx) * inflate;
  lc.valid = true;
  return lc;
}

// What classify finds besides the bars and the face.
struct Classification {
  double face_hi = -kInf;  // largest hi_i over the face
  Index worst_violation = -1;  // the most negative lambda among keys with hi_i < 0
  double delta = kInf, delta_lo = kInf, delta_hi = kInf;
  Index delta_key = -1;
};

// A bar affine in (rho_i, dist_i): bar = rho_i a + dist_i b + c (coefficients hoisted out of the loops).
struct BarCoefficients {
  double a, b, c;
  double operator()(double rho, double dist) const { return rho * a + dist * b + c; }
};

// The reductions of classify's per-key loop.
struct BarTotals {
  double delta = kInf, delta_lo = kInf, delta_hi = kInf;  // over the keys outside F
};

// error_i = the Frank-Wolfe bar, or the smaller of it and the linear bar (kWithLinear), for every key, with
// the reductions of classify, in one vectorised loop. Until session 26 this loop sat in classify and was
// scalar in the compiled solver (6 instructions per key for one bar term under callgrind, no 256-bit
// instruction in classify), ~4 % of a planted single solve at n = 4096 on the development box.
template <bool kWithLinear>
BarTotals bar_loop(Index n, const double* __restrict lam, const double* __restrict rho, const double* __restrict dist,
                   double* __restrict error, BarCoefficients fw, BarCoefficients lc) {
  double delta = kInf, delta_lo = kInf, delta_hi = kInf;
#pragma omp simd reduction(min : delta, delta_lo, delta_hi)
  for (Index i = 0; i < n; ++i) {
    const double l = lam[i];
    double err = fw(rho[i], dist[i]);
    if constexpr (kWithLinear) err = std::min(err, lc(rho[i], dist[i]));
    error[i] = err;
    const double lo = l - err;
    // A face key's values are pushed to +inf by adding `excluded` (l_i finite): written with the choice
    // inside each min (in_face ? kInf : l), GCC 12 left the loop scalar.
    const double excluded = lo <= 0 ? kInf : 0.0;
    delta = std::min(delta, l + excluded);
    delta_lo = std::min(delta_lo, lo + excluded);
    delta_hi = std::min(delta_hi, l + err + excluded);
  }
  return {delta, delta_lo, delta_hi};
}

// The keys that the linear bar does not prove outside (l_i - bar_i > 0 fails), counted in a double (exact
// below 2^53; an integer count of a double comparison costs SSE2 conversions). A loop of its own: with
// this count inside bar_loop GCC 12 vectorised neither.
double count_not_outside(Index n, const double* __restrict lam, const double* __restrict rho,
                         const double* __restrict dist, BarCoefficients lc) {
  double count = 0;
#pragma omp simd reduction(+ : count)
  for (Index i = 0; i < n; ++i) count += lam[i] - lc(rho[i], dist[i]) > 0 ? 0.0 : 1.0;
  return count;
}

// Bars, face and Delta in one vectorised loop and one scan over the keys (certificates of the header
// comment and of linear_certificate). Frank-Wolfe bar of key i: (rho_i + e (||r|| + dist_i + 2 dx) + 3 e^2)(1 + 32u);
// with the linear certificate (lc non-null) also its bar (rho_i + eta (dist_i + dx + eta) + eta^2)(1 + 64u),
// and the certificate must prove every key outside the corral (l_i - bar > 0) and bound every corral key
// (|l_i| <= bar); the reported bar is the smaller of the two (both are rigorous). Returns false (and
// leaves the outputs to a second call without lc) when the linear certificate fails on some key.
bool classify(const QueryState& st, const Pricing& pr, const Vector& lambda, double e, const LinearCertificate* lc,
              const std::vector<Index>& corral_keys, Vector& lambda_error, std::vector<Index>& face,
              Classification& out) {
  const Index n = st.visible;
  const double rnorm = pr.rnorm, dx = pr.dx, floor = pr.floor;
  const bool linear = lc != nullptr;
  const double eta = linear ? lc->eta : 0.0;
  const double* __restrict rho = pr.rho.data();
  const double* __restrict dist = pr.dist.data();
  const double* __restrict lam = lambda.data();
  double* __restrict error = lambda_error.data();
  // Bars, face, Delta and violations in one branch-free (vectorised) loop (bar_loop). With lc every key
  // must be proven outside (l_i - bar > 0) except the corral's, which are checked below (and counted there
  // among the keys that are not proven outside); when that check fails the reductions are discarded.
  const BarCoefficients fw{kFrankWolfeInflate, e * kFrankWolfeInflate,
                           (e * (rnorm + 2.0 * dx) + 3.0 * e * e) * kFrankWolfeInflate + floor};
  const BarCoefficients lcb{kLinearInflate, eta * kLinearInflate, (eta * (dx + eta) + eta * eta) * kLinearInflate + floor};
  const BarTotals totals =
      linear ? bar_loop<true>(n, lam, rho, dist, error, fw, lcb) : bar_loop<false>(n, lam, rho, dist, error, fw, lcb);
  const double delta = totals.delta, delta_lo = totals.delta_lo, delta_hi = totals.delta_hi;
  if (linear) {
    double not_outside = count_not_outside(n, lam, rho, dist, lcb);
    for (Index i : corral_keys) {
      const double lc_err = lcb(rho[i], dist[i]);
      if (!(std::abs(lam[i]) <= lc_err)) return false;
      if (!(lam[i] - lc_err > 0)) --not_outside;
    }
    if (not_outside != 0) return false;
  }
  out = Classification{};
  out.delta_lo = delta_lo;
  out.delta_hi = delta_hi;
  face.clear();
  // Blocks of kScanBlock keys are tested in one vectorised step; only blocks holding a face key or the
  // value delta are walked key by key (the face has tens of keys: most blocks hold neither).
  for (Index first = 0; first < n; first += kScanBlock) {
    const Index last = std::min(n, first + kScanBlock);
    double marked = 0;
#pragma omp simd reduction(+ : marked)
    for (Index i = first; i < last; ++i) marked += lam[i] - error[i] <= 0 || lam[i] == delta ? 1.0 : 0.0;
    if (marked == 0) continue;
    for (Index i = first; i < last; ++i) {
      const double l = lam[i];
      if (l - error[i] <= 0) {
        face.push_back(i);
      } else if (out.delta_key < 0 && l == delta) {  // the first key of the smallest outside multiplier
        out.delta_key = i;
        out.delta = l;
      }
    }
  }
  double worst = kInf;  // the most negative multiplier among the violations
  for (Index i : face) {
    const double hi = lam[i] + error[i];
    out.face_hi = std::max(out.face_hi, hi);
    if (hi < 0) worst = std::min(worst, lam[i]);
  }
  if (worst < kInf)  // its first key (the face is in index order)
    for (Index i : face)
      if (lam[i] + error[i] < 0 && lam[i] == worst) {
        out.worst_violation = i;
        break;
      }
  return true;
}

void certify(const Eigen::Ref<const Matrix>& keys, const Vector& knorm, QueryState& st, int key_passes) {
  HullProjection& res = st.result;
  Pricing& pr = st.pricing;
  const Index n = st.visible;
  res.x = st.x;
  res.residual = st.r;
  res.residual_norm = pr.rnorm;
  res.lambda.swap(pr.lambda);  // the pricing's multipliers become the result's (storage exchanged)
  res.key_passes = key_passes;
  res.copy_passes = st.copy_passes;
  res.screened_passes = st.screened_passes;
  res.screened_keys = pr.screened;
  res.major_iterations = st.mnp.major_iterations();
  // Frank-Wolfe certificate: gb = max(0, max_i (rho_i - l_i)), e = sqrt(2 gb).
  const double* __restrict rho = pr.rho.data();
  const double* __restrict lam = res.lambda.data();
  double gb = pr.gap_bound;  // computed by the pricing loop, or here
  if (std::isnan(gb)) {
    gb = 0;
#pragma omp simd reduction(max : gb)
    for (Index i = 0; i < n; ++i) gb = std::max(gb, rho[i] - lam[i]);
  }
  const double e = std::sqrt(2.0 * gb);
  res.fw_gap = gb;
  res.x_error = (e + pr.dx) * kFrankWolfeInflate;
  res.lambda_error.resize(n);
  // The linear certificate, when it holds, proves x* and the face exactly with error bars linear in
  // the rounding; each bar is the smaller of the two (both are rigorous).
  const LinearCertificate lc = st.iteration_limit ? LinearCertificate{} : linear_certificate(keys, st, pr);
  std::vector<Index>& corral_keys = st.corral_keys;
  corral_keys.clear();
  for (Index s : st.mnp.corral()) corral_keys.push_back(st.wset[static_cast<std::size_t>(s)]);
  std::sort(corral_keys.begin(), corral_keys.end());
  Classification c;
  res.linear_certificate =
      lc.valid && classify(st, pr, res.lambda, e, &lc, corral_keys, res.lambda_error, res.face, c);
  if (!res.linear_certificate) classify(st, pr, res.lambda, e, nullptr, corral_keys, res.lambda_error, res.face, c);
  if (res.linear_certificate) res.x_error = std::min(res.x_error, lc.x_error);

  res.delta = res.delta_lo = res.delta_hi = kNaN;
  res.face_exact = false;
  res.face_weights = face_weights(keys, st, res.face, knorm);
  if (pr.rnorm <= res.x_error) {  // face = keys whose lambda is within its bar of 0 (the same rule)
    res.status = HullStatus::no_gap;
    res.message.clear();
    return;
  }
  if (c.worst_violation >= 0) {
    res.status = HullStatus::unresolved;
    res.message = fmt::format("hull projection: key {} has lambda {:.3e} + error {:.3e} < 0: not optimal{}",
                              c.worst_violation, res.lambda[c.worst_violation], res.lambda_error[c.worst_violation],
                              st.iteration_limit ? " (iteration limit reached)" : "");
    return;
  }
  // F contains the true face, which is non-empty here (r* != 0): one key in F is that face.
  res.face_exact = res.linear_certificate || res.face.size() == 1;
  if (c.delta_key < 0) {  // every key lies on the supporting hyperplane: no key outside F, no Delta
    res.status = HullStatus::certified;
    res.message.clear();
    return;
  }
  res.delta = c.delta;
  res.delta_lo = c.delta_lo;
  res.delta_hi = c.delta_hi;
  if (c.face_hi < c.delta_lo || res.face_exact) {  // separated, or the face proven exactly
    res.status = HullStatus::certified;
    res.message.clear();
  } else {
    res.status = HullStatus::face_ambiguous;
    res.message = fmt::format(
        "hull projection: face not separated: face multipliers reach {:.3e}, outside multipliers start at "
        "{:.3e} (key {}, lambda {:.3e})",
        c.face_hi, c.delta_lo, c.delta_key, c.delta);
  }
}

void check_inputs(const Eigen::Ref<const Matrix>& keys, const Eigen::Ref<const Matrix>& queries,
                  const std::vector<Index>& visible) {
  VASHISTA_CHECK(keys.rows() >= 1 && keys.cols() >= 1, ErrorKind::bad_input,
                 "hull projection: keys: need at least one key of dimension >= 1, got {} x {}", keys.rows(),
                 keys.cols());
  VASHISTA_CHECK(queries.cols() == keys.cols(), ErrorKind::bad_input,
                 "hull projection: query dimension {} does not match key dimension {}", queries.cols(),
                 keys.cols());
  VASHISTA_CHECK(queries.allFinite(), ErrorKind::bad_input, "hull projection: query: non-finite entry");
  // ||q - x||^2 must stay finite for the certificate (fuzz finding: queries ~1e299 made every error bar
  // infinite and reached the face weights with an empty face).
  for (Index j = 0; j < queries.rows(); ++j)
    VASHISTA_CHECK(std::isfinite(queries.row(j).squaredNorm()), ErrorKind::bad_input,
                   "hull projection: query {}: its norm {:.3e} overflows the certificate (beyond ~1e154)", j,
                   queries.row(j).cwiseAbs().maxCoeff());
  VASHISTA_CHECK(visible.empty() || static_cast<Index>(visible.size()) == queries.rows(), ErrorKind::bad_input,
                 "hull projection: visible: {} prefix lengths for {} queries", visible.size(), queries.rows());
  for (std::size_t j = 0; j < visible.size(); ++j)
    VASHISTA_CHECK(visible[j] >= 1 && visible[j] <= keys.rows(), ErrorKind::bad_input,
                   "hull projection: visible[{}] = {} outside [1, {}]", j, visible[j], keys.rows());
}

// The batch solve; given_norms: the stream's key norms (KeyNorms), or null to compute them in pass 1; copy:
// the stream's 16-bit copy of the keys (with given_norms), which a full pricing pass of a single query
// reads instead of K (price_from_copy), or null.
void solve_batch(const Eigen::Ref<const Matrix>& keys, const KeyNorms* given_norms, const QuantizedKeys* copy,
                 const Eigen::Ref<const Matrix>& queries, const std::vector<Index>& visible, const HullOptions& options,
                 std::vector<HullProjection>& results) {
  check_inputs(keys, queries, visible);
  const Index d = keys.cols();
  const Index m = queries.rows();
  // Screening keeps four n-sized arrays per query: only in small batches (see HullOptions).
  const bool screening = options.screening && m <= std::max(1, options.screening_max_batch);
  StateCache& cache = state_cache();
  std::vector<QueryState>& states = cache.states;
  if (states.size() > static_cast<std::size_t>(m)) states.erase(states.begin() + m, states.end());
  states.reserve(static_cast<std::size_t>(m));
  while (states.size() < static_cast<std::size_t>(m)) states.emplace_back(d);
  Index max_visible = 0;
  std::size_t footprint = 0;  // bytes of the n-sized arrays (about 12 doubles per key and query)
  for (Index j = 0; j < m; ++j) {
    QueryState& st = states[static_cast<std::size_t>(j)];
    st.reset(d, visible.empty() ? keys.rows() : visible[static_cast<std::size_t>(j)], queries.row(j).transpose());
    max_visible = std::max(max_visible, st.visible);
    footprint += static_cast<std::size_t>(st.visible) * 12 * sizeof(double);
  }
  // Release the cache on the way out when it is large (a batch of long streams).
  struct Release {
    StateCache& cache;
    bool large;
    ~Release() {
      if (large) cache = StateCache{};
    }
  } release{cache, footprint > kStateCacheBytes};
  if (given_norms != nullptr)
    VASHISTA_CHECK(given_norms->dim() == d && given_norms->size() >= max_visible, ErrorKind::bad_input,
                   "hull projection: key norms of {} rows of dimension {} do not cover {} keys of dimension {}",
                   given_norms->size(), given_norms->dim(), max_visible, d);
  if (given_norms == nullptr) cache.knorm.resize(max_visible);
  const Vector& knorm = given_norms != nullptr ? given_norms->values() : cache.knorm;

  // Pass 1: scores, and the key norms unless given (KeyNorms checked their finiteness).
  std::vector<QueryState*> active;
  std::vector<const Vector*> columns;
  std::vector<Vector*> outputs;
  for (auto& st : states) {
    active.push_back(&st);
    columns.push_back(&st.q);
    outputs.push_back(&st.scores);
  }
  // A single query with the stream's copy reads the copy instead (scores_from_copy).
  const bool pass1_from_copy = copy != nullptr && screening && m == 1 && scores_from_copy(keys, *copy, states.front());
  if (!pass1_from_copy) key_pass(keys, active, columns, outputs, given_norms != nullptr ? nullptr : &cache.knorm);
  // Finiteness of the keys is checked on their norms (an inf or NaN entry makes the norm non-finite;
  // so does a norm beyond ~1e154, whose square overflows and which the certificate could not handle).
  // One vectorised test first (k * 0 is NaN exactly for an infinite or NaN k); the row is looked for only
  // when it fails (a checked loop cost 5 instructions per key, ~1 % of a planted single solve).
  if (given_norms == nullptr && !all_finite(knorm.data(), max_visible))
    for (Index i = 0; i < max_visible; ++i)
      VASHISTA_CHECK(std::isfinite(knorm[i]), ErrorKind::bad_input,
                     "hull projection: keys: row {} has a non-finite entry (or its norm overflows)", i);

  // Initial working sets and candidate pools. Half the keys by largest <k_i, q> (Frank-Wolfe vertices
  // of q seen from the origin: keys far out along q, where a face beyond the origin lies), half by
  // nearest to q (largest <k_i, q> - 1/2 ||k_i||^2); ties by index. Either alone misses faces: the
  // nearest keys are mostly short keys, the largest scores mostly long ones. The pool (the same two
  // rankings, `screening_fraction` of the keys) is priced alone until it has no violator, and only
  // then is a full pass made: a cheap column generation that usually brings x near x* before the
  // first full pricing pass (which certifies, or sets the screening reference close to x*). The pool is
  // used in batches too: its pricing reads 1/8 of the keys, less than a query's share of a full pass.
  for_each_index(m, m > 1, true, [&](Index j) {
    QueryState& st = states[static_cast<std::size_t>(j)];
    const Index n = st.visible;
    const Index take = std::min<Index>(std::max(1, options.initial_working_set), n);
    st.mnp.reserve(take + 4 * std::max(1, options.max_added_per_pass));
    const Index pool = !options.screening ? take
                                          : std::min<Index>(n, std::max<Index>(4 * take, static_cast<Index>(
                                                                   options.screening_fraction * static_cast<double>(n))));
    // Selection by value: cut_s ~ the pool_s-th largest score and cut_n ~ the pool_n-th largest nearness
    // v_i = s_i - 1/2 ||k_i||^2 of the keys below cut_s (approximate_cut). The pool is every key at or
    // above a cut, listed in index order by one scan; W0 is the best take_s keys of the pool by score
    // and the best take - take_s of the others by nearness.
    const Index pool_s = pool / 2, pool_n = pool - pool_s, take_s = std::min(take / 2, pool_s);
    const double* score = st.scores.data();
    const double* norm = knorm.data();
    auto nearness = [&](Index i) { return score[i] - 0.5 * norm[i] * norm[i]; };
    std::vector<double>& sample = st.ratio;  // scratch
    const double cut_s = pool_s > 0 ? approximate_cut(n, pool_s, [&](Index i) { return score[i]; }, sample) : kInf;
    const double cut_n =
        pool_n > 0 ? approximate_cut(n, pool_n, [&](Index i) { return score[i] >= cut_s ? -kInf : nearness(i); }, sample)
                   : kInf;
    // One branch-free scan writes each part in index order (every index is stored, the count advances
    // only for a member: no unpredictable branch), and the pool is their merge. The parts grow by chunks
    // (room for a whole chunk before it is scanned), so their storage stays near the pool's size: sized
    // to n they cost a large batch, whose states are freed after each call, 2 n fresh zeroed entries
    // per query.
    constexpr Index kChunk = 256;
    std::vector<Index>& score_part = st.score_part;
    std::vector<Index>& near_part = st.near_part;
    Index count_s = 0, count_n = 0;
    for (Index start = 0; start < n; start += kChunk) {
      const Index stop = std::min(n, start + kChunk);
      const auto room = static_cast<std::size_t>(std::max(count_s, count_n) + kChunk);
      if (score_part.size() < room) score_part.resize(2 * room);
      if (near_part.size() < room) near_part.resize(2 * room);
      Index* __restrict by_score = score_part.data();
      Index* __restrict by_nearness = near_part.data();
      for (Index i = start; i < stop; ++i) {
        const bool high = score[i] >= cut_s;
        const bool near = !high && nearness(i) >= cut_n;
        by_score[count_s] = i;
        count_s += high ? 1 : 0;
        by_nearness[count_n] = i;
        count_n += near ? 1 : 0;
      }
    }
    Index* by_score = score_part.data();
    Index* by_nearness = near_part.data();
    st.pool.resize(static_cast<std::size_t>(count_s + count_n));
    std::merge(by_score, by_score + count_s, by_nearness, by_nearness + count_n, st.pool.begin());
    // W0 takes `take` keys whenever the pool has them: a part with too few keys leaves its share to the
    // other (fuzz finding: with take = 1 and duplicate keys every pool key ranked by score, take_s = 0,
    // and W0 was empty; Wolfe then read a working set that did not exist).
    Index take_s2 = std::min<Index>(take_s, count_s);
    const Index take_n = std::min<Index>(take - take_s2, count_n);
    take_s2 = std::min<Index>(take - take_n, count_s);
    rank_best(by_score, count_s, take_s2, [&](Index i) { return score[i]; }, st.ranked);
    rank_best(by_nearness, count_n, take_n, nearness, st.ranked);
    for (Index t = 0; t < take_s2; ++t) add_to_working_set(keys, st, by_score[t]);
    for (Index t = 0; t < take_n; ++t) add_to_working_set(keys, st, by_nearness[t]);
    VASHISTA_CHECK(!st.wset.empty(), ErrorKind::internal, "hull projection: empty initial working set ({} keys)", n);
    // Price W0 alone first and try the query-axis bound at its solution; the pool joins when that
    // fails (price). Without screening every pricing pass is full.
    st.next_full = !options.screening;
    st.is_survivor.assign(static_cast<std::size_t>(n), 0);
    st.survivors = st.wset;
    std::sort(st.survivors.begin(), st.survivors.end());
    for (Index i : st.survivors) st.is_survivor[static_cast<std::size_t>(i)] = 1;
  });

  while (true) {
    active.clear();
    for (auto& st : states)
      if (st.active) active.push_back(&st);
    if (active.empty()) break;
    // Wolfe's method on each working set, then x and r.
    const auto active_count = static_cast<Index>(active.size());
    for_each_index(active_count, active_count > 1, true, [&](Index a) {
      QueryState& st = *active[static_cast<std::size_t>(a)];
      if (st.solved) {  // the polished x of the last solve, W unchanged (see the pricing below)
        st.solved = false;
        return;
      }
      const int left = std::max(0, options.max_major_iterations - st.mnp.major_iterations());
      // The final Householder polish only where this x can be certified: before a full pass or with a
      // screening reference (a pool-stage x only selects violators; the next solve polishes).
      st.polished = st.next_full || st.screened || (options.screening && st.axis_failures < kAxisFailures);
      if (!st.mnp.solve(0, left, st.polished)) st.iteration_limit = true;
      st.x_dx = assemble_point(keys, st);
    });
    // Pricing pass: t_i = <k_i, r>, over every key for the queries that need a full pass, over the
    // survivors (candidate pool or screening) for the others.
    columns.clear();
    outputs.clear();
    std::vector<QueryState*> full_pass;
    for (auto* st : active) {
      if (!st->next_full) continue;
      full_pass.push_back(st);
      columns.push_back(&st->r);
      outputs.push_back(&st->kr);
    }
    // A single query's full pricing reads the copy of the keys when it has one (price_from_copy); when
    // that leaves too many keys unproven, the pass over K below prices every key.
    const bool from_copy = copy != nullptr && screening && full_pass.size() == 1 &&
                           price_from_copy(keys, knorm, *copy, *full_pass.front());
    if (!full_pass.empty() && !from_copy) {
      // Every key is priced block by block as the pass goes (price_key_range); the blocks' bounds are
      // reduced afterwards (each block's slot written once, whatever thread ran it).
      for (auto* st : full_pass) {
        begin_pricing(d, *st);
        st->block_min_slack.assign(static_cast<std::size_t>((st->visible + kBlockRows - 1) / kBlockRows), kInf);
        st->block_gap_bound.assign(st->block_min_slack.size(), 0.0);
      }
      const BlockDone price_block = [&](std::size_t j, Index begin, Index end) {
        QueryState& st = *full_pass[j];
        // Scores from the copy (pass 1 read it) are made exact block by block, from the rows the pass just
        // read (in L2): every key is then priced exactly.
        if (st.approx_scores)
          key_dots(keys, begin, end - begin, end - begin, st.q.data(), st.scores.data() + begin, nullptr, false);
        const auto [min_slack, gap_bound] = price_key_range(d, knorm, st, begin, end);
        st.block_min_slack[static_cast<std::size_t>(begin / kBlockRows)] = min_slack;
        st.block_gap_bound[static_cast<std::size_t>(begin / kBlockRows)] = gap_bound;
      };
      // A single query's full passes (key_pass ignores the direction for a batch) over keys that may stay
      // in cache (keys_stream_from_memory false: at most 8 MiB) alternate direction, the first descending:
      // each starts on the rows that the pass before it (pass 1, then the previous full pass) read last,
      // which the core's cache may still hold.
      // On a GPU host's Xeon (model 143, 2 MiB of L2 per core) a descending pass right after an ascending
      // one took 0.72x its time over n = 4096 keys at d = 128 (4 MiB) and 0.93x over 16384 (16 MiB);
      // planted single solves took 0.92-1.00x their time at n = 4096 but 1.01-1.04x at 16384, hence the
      // bound (docs/benchmarks.md, "Session 29").
      const QueryState& first = *full_pass.front();
      const bool descending = first.full_passes % 2 == 1 && !keys_stream_from_memory(keys, first.visible);
      key_pass(keys, full_pass, columns, outputs, nullptr, &price_block, descending);
      for (auto* st : full_pass) {
        ++st->full_passes;
        st->approx_scores = false;  // made exact by price_block
        st->pricing.min_slack = *std::min_element(st->block_min_slack.begin(), st->block_min_slack.end());
        st->pricing.gap_bound = *std::max_element(st->block_gap_bound.begin(), st->block_gap_bound.end());
      }
    }
    std::vector<QueryState*> partial_pass;
    for (auto* st : active)
      if (!st->next_full) partial_pass.push_back(st);
    if (!partial_pass.empty()) {
      survivor_pass(keys, partial_pass);
      for (auto* st : partial_pass) ++st->screened_passes;
    }
    for_each_index(active_count, active_count > 1, true, [&](Index a) {
      QueryState& st = *active[static_cast<std::size_t>(a)];
      const bool full = st.next_full;
      const Pricing& pr = price(keys, knorm, st, full, options.screening);
      // Violators outside W, most violated first (ties by index). Screened keys are proven > 0.
      std::vector<Index>& violators = st.violators;
      violators.clear();
      if (full) {
        if (pr.min_slack < 0)  // some lambda_i < -rho_i (else no key can be a violator: skip the scan)
          for (Index i = 0; i < st.visible; ++i)
            if (pr.lambda[i] < -pr.rho[i] && !st.in_w[static_cast<std::size_t>(i)]) violators.push_back(i);
      } else {
        for (Index i : st.survivors)
          if (pr.lambda[i] < -pr.rho[i] && !st.in_w[static_cast<std::size_t>(i)]) violators.push_back(i);
      }
      if (!pr.screen_ok) {
        // The keys outside the survivors are not proven > 0 (pool stage, or x left the radius where
        // the screening bound holds): survivor violators join W and the partial passes go on; without
        // any, the next pass reads every key.
        if (violators.empty() || st.iteration_limit) {
          // The full pass prices this x again when the solve that gave it was polished and W is unchanged:
          // solving W again would only repeat that solve (planted n = 4096: one of ~3.3 solves per query).
          st.solved = violators.empty() && st.polished && !st.iteration_limit;
          st.next_full = true;
          violators.clear();
          return;
        }
      } else if (violators.empty() || st.iteration_limit) {
        certify(keys, knorm, st, st.full_passes);
        st.active = false;
        return;
      }
      const std::size_t take = std::min<std::size_t>(violators.size(),
                                                     static_cast<std::size_t>(std::max(1, options.max_added_per_pass)));
      // Steepest-edge ranking: lambda_i / ||x - k_i|| is minus the distance of k_i beyond the plane
      // through x with normal r, scaled by ||r||; it prefers keys that are far out, not merely long.
      auto rate = [&](Index i) { return pr.lambda[i] / std::max(pr.dist[i], 1e-300); };
      std::partial_sort(violators.begin(), violators.begin() + static_cast<std::ptrdiff_t>(take), violators.end(),
                        [&](Index x, Index y) { return rate(x) < rate(y) || (rate(x) == rate(y) && x < y); });
      for (std::size_t t = 0; t < take; ++t) add_to_working_set(keys, st, violators[t]);
      if (full && screening) {
        set_reference(st, pr, options.screening_fraction, 4 * std::max(1, options.max_added_per_pass));
        st.survivor_scores = st.approx_scores;  // exact scores with the survivors' first partial pass
        st.next_full = false;
      }
    });
  }

  // Swap, not move: the caller's previous results become the states' storage for the next call.
  results.resize(static_cast<std::size_t>(m));
  for (Index j = 0; j < m; ++j) std::swap(results[static_cast<std::size_t>(j)], states[static_cast<std::size_t>(j)].result);
}

}  // namespace

void project_onto_hull_batch(const Eigen::Ref<const Matrix>& keys, const Eigen::Ref<const Matrix>& queries,
                             const std::vector<Index>& visible, const HullOptions& options,
                             std::vector<HullProjection>& results) {
  solve_batch(keys, nullptr, nullptr, queries, visible, options, results);
}

void project_onto_hull_batch(const Eigen::Ref<const Matrix>& keys, const KeyNorms& norms,
                             const Eigen::Ref<const Matrix>& queries, const std::vector<Index>& visible,
                             const HullOptions& options, std::vector<HullProjection>& results) {
  solve_batch(keys, &norms, nullptr, queries, visible, options, results);
}

std::vector<HullProjection> project_onto_hull_batch(const Eigen::Ref<const Matrix>& keys,
                                                    const Eigen::Ref<const Matrix>& queries,
                                                    const std::vector<Index>& visible,
                                                    const HullOptions& options) {
  std::vector<HullProjection> results;
  project_onto_hull_batch(keys, queries, visible, options, results);
  return results;
}

namespace {
void solve_single(const Eigen::Ref<const Matrix>& keys, const KeyNorms* norms, const QuantizedKeys* copy,
                  const Eigen::Ref<const Vector>& q, const HullOptions& options, HullProjection& result) {
  VASHISTA_CHECK(q.size() == keys.cols(), ErrorKind::bad_input,
                 "hull projection: query dimension {} does not match key dimension {}", q.size(), keys.cols());
  thread_local std::vector<HullProjection> results;
  results.resize(1);
  std::swap(results.front(), result);
  solve_batch(keys, norms, copy, q.transpose(), {}, options, results);
  std::swap(results.front(), result);
}
}  // namespace

void project_onto_hull(const Eigen::Ref<const Matrix>& keys, const Eigen::Ref<const Vector>& q,
                       const HullOptions& options, HullProjection& result) {
  solve_single(keys, nullptr, nullptr, q, options, result);
}

void project_onto_hull(const Eigen::Ref<const Matrix>& keys, const KeyNorms& norms, const Eigen::Ref<const Vector>& q,
                       const HullOptions& options, HullProjection& result) {
  solve_single(keys, &norms, nullptr, q, options, result);
}

void project_onto_hull(const Eigen::Ref<const Matrix>& keys, const KeyNorms& norms, const QuantizedKeys& copy,
                       const Eigen::Ref<const Vector>& q, const HullOptions& options, HullProjection& result) {
  VASHISTA_CHECK(copy.dim() == keys.cols() && copy.rows() >= keys.rows(), ErrorKind::bad_input,
                 "hull projection: a 16-bit copy of {} rows of dimension {} does not cover keys of {} x {}", copy.rows(),
                 copy.dim(), keys.rows(), keys.cols());
  solve_single(keys, &norms, &copy, q, options, result);
}

HullProjection project_onto_hull(const Eigen::Ref<const Matrix>& keys, const Eigen::Ref<const Vector>& q,
                                 const HullOptions& options) {
  HullProjection result;
  project_onto_hull(keys, q, options, result);
  return result;
}

}  // namespace vashista
