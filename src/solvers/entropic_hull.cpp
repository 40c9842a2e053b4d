// Entropic hull problem: dual Newton with line search, continuation, face-reduced Hessian
// (docs/theory.md, sections 2 and 3). Formulas are stated in solvers/entropic_hull.hpp.
#include "solvers/entropic_hull.hpp"

#include "core/error.hpp"
#include "core/finite.hpp"
#include "solvers/compensated_dot.hpp"
#include "solvers/distinct_rows.hpp"
#include "solvers/rounding.hpp"

#include <Eigen/Cholesky>

#include <algorithm>
#include <cmath>
#include <limits>

namespace vashista {

const char* to_string(EntropicStatus status) {
  switch (status) {
    case EntropicStatus::converged: return "converged";
    case EntropicStatus::unresolved: return "unresolved";
  }
  return "unknown";
}

namespace {


constexpr double kSmallestNormal = std::numeric_limits<double>::min();

// Key-set constants shared by every eps of a path. Exact duplicate keys are merged (solvers/distinct_rows.hpp):
// the solve runs on the distinct keys u with ln m_u (m_u copies) added to their logits, so p_u is the total
// weight of the copies, x = sum_u p_u k_u and Cov_p(K) are unchanged, and each copy's ln p_i = ln p_u - ln m_u.
// Everything indexed by key below (n(), keys, dist_to_centre) is over the distinct keys; original_n() and
// original_dist() are over the caller's keys (faces, log_p of a result).
struct Problem {
  DistinctRows distinct;          // merged == false: every key distinct, `keys` views the caller's data
  Eigen::Ref<const Matrix> keys;  // the distinct keys
  Eigen::Ref<const Vector> q;
  Vector log_multiplicity;        // ln m_u (empty when nothing was merged)
  Index caller_n = 0;             // number of the caller's keys
  Vector centre;          // c = mean of the caller's keys
  Vector dist_to_centre;  // ||k_u - c||
  double radius = 0;      // R_c = max_i ||k_i - c||
  double key_max = 0;     // max_i ||k_i||
  double scale = 0;       // max(||q||, max_i ||k_i||), > 0

  Problem(const Eigen::Ref<const Matrix>& k, const Eigen::Ref<const Vector>& query)
      : distinct(checked_distinct_rows(k, query)), keys(distinct.merged ? Eigen::Ref<const Matrix>(distinct.rows) : k),
        q(query), caller_n(k.rows()) {
    // Row by row (the keys are row-major): a column-wise mean over a row-major matrix reads it with
    // stride d once per column, and the two norm expressions each made another pass; together they took
    // ~20 % of an entropic solve at n = 8192, d = 64 (two Problems per solve then).
    const Index n = keys.rows();
    if (distinct.merged) log_multiplicity = distinct.multiplicity.array().log();
    centre = Vector::Zero(k.cols());
    for (Index i = 0; i < n; ++i) centre += (distinct.merged ? distinct.multiplicity[i] : 1.0) * keys.row(i).transpose();
    centre /= static_cast<double>(caller_n);
    dist_to_centre.resize(n);
    for (Index i = 0; i < n; ++i) {
      dist_to_centre[i] = (keys.row(i).transpose() - centre).norm();
      key_max = std::max(key_max, keys.row(i).norm());
    }
    radius = dist_to_centre.maxCoeff();
    scale = std::max({query.norm(), key_max, std::numeric_limits<double>::min()});
  }
  Problem(const Problem&) = delete;  // `keys` may view `distinct.rows`
  Problem& operator=(const Problem&) = delete;

  static DistinctRows checked_distinct_rows(const Eigen::Ref<const Matrix>& k, const Eigen::Ref<const Vector>& query) {
    VASHISTA_CHECK(k.rows() >= 1, ErrorKind::bad_input, "entropic_hull: keys: no keys (n = 0)");
    VASHISTA_CHECK(k.cols() == query.size(), ErrorKind::bad_input,
                   "entropic_hull: keys have d = {} but the query has d = {}", k.cols(), query.size());
    VASHISTA_CHECK(all_finite(k) && all_finite(query.data(), query.size()), ErrorKind::bad_input,
                   "entropic_hull: keys or query: non-finite entry");
    return distinct_rows(k);
  }
  Index n() const { return keys.rows(); }
  Index d() const { return keys.cols(); }
  Index original_n() const { return caller_n; }
  Index distinct_of(Index i) const { return distinct.merged ? distinct.distinct_of[static_cast<std::size_t>(i)] : i; }
  /// ln p_i of every caller's key from ln p_u of the distinct keys.
  Vector original_log_p(const Vector& log_p) const {
    if (!distinct.merged) return log_p;
    Vector out(caller_n);
    for (Index i = 0; i < caller_n; ++i) {
      const Index u = distinct_of(i);
      out[i] = log_p[u] - log_multiplicity[u];
    }
    return out;
  }
};

// Everything the dual needs at one y.
struct Eval {
  Vector y;     // the dual point, rounded to double
  Vector y_lo;  // compensated mode: the point is the unevaluated sum y + y_lo (see evaluate); else empty
  Vector log_p, p, x, grad;
  double eps_lse = 0;         // eps LSE_i(-<k_i, y>/eps)
  double dual = 0;            // D(y)
  double grad_norm = 0;
  double noise = 0;           // rounding level of D(y)
  double grad_noise = 0;      // rounding level of grad D(y) (see evaluate)
  bool compensated = false;   // the logits that carry weight came from compensated dots (see evaluate)
};

// Rounding of one plain logit <k_i, y>/eps: |fl<k_i, y> - <k_i, y>| <~ (sqrt(d) + 2) u ||k_i|| ||y|| (Higham,
// probabilistic form), divided by eps.
double plain_logit_rounding(const Problem& pb, const Vector& y, double eps) {
  return (std::sqrt(static_cast<double>(pb.d())) + 2) * kUnitRoundoff * pb.key_max * y.norm() / eps;
}

// Rounding level of the sums of grad D(y) = K^T p(y) - q - y (K^T p over n terms, q, y), the logits
// taken as exact.
double gradient_sum_rounding(const Problem& pb, const Vector& y) {
  const double sd = std::sqrt(static_cast<double>(pb.d()));
  const double n = static_cast<double>(pb.n());
  return 4 * (sd + std::log2(n) + 2) * kUnitRoundoff * (pb.q.norm() + y.norm() + pb.key_max) +
         n * kSmallestNormal * pb.key_max;  // the weights set to 0 (evaluate)
}

// Compensated mode: the keys whose logits were recomputed (those with weight), with their logit rounding,
// and the same set as a mask over the keys (built once per evaluation).
struct RecomputedKeys {
  std::vector<std::pair<Index, double>> keys;
  std::vector<char> mask;
};

// Compensated mode: the weights' sum and x = K^T p over the recomputed keys summed with two_sum /
// two_product, the others (weights below e^-64 of the largest) plainly.
double compensated_weight_sum(const Vector& t, const RecomputedKeys& recomputed) {
  const std::vector<char>& own = recomputed.mask;
  double hi = 0, lo = 0;
  for (const auto& [i, rounding] : recomputed.keys) compensated_add(hi, lo, t[i]);
  double rest = 0;
  for (Index i = 0; i < t.size(); ++i)
    if (!own[static_cast<std::size_t>(i)]) rest += t[i];
  return hi + (lo + rest);
}

Vector compensated_point(const Problem& pb, const Vector& p, const RecomputedKeys& recomputed) {
  const Index d = pb.d();
  Vector hi = Vector::Zero(d), lo = Vector::Zero(d), rest = Vector::Zero(d);
  const std::vector<char>& own = recomputed.mask;
  for (const auto& [i, rounding] : recomputed.keys) {
    const double w = p[i];
    const double* k = pb.keys.row(i).data();
    for (Index j = 0; j < d; ++j) compensated_add_product(hi[j], lo[j], w, k[j]);
  }
  for (Index i = 0; i < pb.n(); ++i)
    if (!own[static_cast<std::size_t>(i)] && p[i] != 0) rest += p[i] * pb.keys.row(i).transpose();
  return hi + (lo + rest);
}

// Rounding level of grad D = x - q - (y + y_lo) in compensated mode, the logits taken as exact: the weights
// p_i = fl(t_i / sum) (relative 2u with the compensated sum's own u + 2 gamma_{n+1}^2), x summed with
// compensation over the recomputed keys (u ||x|| + 2 gamma^2 max ||k||; Dot2 as in compensated_dot.hpp), the
// others plainly (gamma_n times their total weight times max ||k||), the weights set to 0 (n DBL_MIN
// max ||k||), and the three subtractions (2u (||x|| + ||q|| + ||y||)).
double compensated_sum_rounding(const Problem& pb, const Eval& e, const RecomputedKeys& recomputed) {
  double own_weight = 0;
  for (const auto& [i, rounding] : recomputed.keys) own_weight += e.p[i];
  const double n = static_cast<double>(pb.n());
  const double rest_weight = std::max(0.0, 1.0 - own_weight) + rounding_gamma(n);
  const double c = compensated_dot_error_factor(pb.n() + 1);
  return ((4 * kUnitRoundoff + 4 * c) * pb.key_max + kUnitRoundoff * e.x.norm() + rounding_gamma(n) * rest_weight * pb.key_max +
          2 * kUnitRoundoff * (e.x.norm() + pb.q.norm() + e.y.norm()) + n * kSmallestNormal * pb.key_max) *
         (1 + 16 * kUnitRoundoff);
}

// In compensated mode, the logits within this many nats (plus twice their plain rounding) of the largest
// are recomputed with compensated dots; the others carry weights below e^-64 ~ 1.6e-28 of the largest,
// and their plain rounding enters the gradient's rounding level with that weight.
constexpr double kCompensatedWindow = 64.0;

// Evaluates the dual at y (+ y_lo: in compensated mode the dual point is kept as the unevaluated pair
// y + y_lo, since a point rounded to double moves each logit by up to ulp(y) ||k|| / eps, which also grows
// like 1/eps and stopped Newton at ||grad D|| ~ 2e-9 at eps = 3.6e-7 in the example below even with
// compensated logits). The logits a_i = -<k_i, y>/eps are formed relative to a reference key t (the
// largest logit): a_i - a_t = -(<k_i, y> - <k_t, y>)/eps, so the large common part <k_t, y>/eps never
// enters a weight, and eps LSE = -<k_t, y> + eps ln sum_i e^{a_i - a_t} is formed without dividing that
// part by eps.
//
// A logit difference's rounding is amplified by 1/eps. Plain dots (one GEMV): plain_logit_rounding per
// logit, which at small eps puts a floor under ||grad D|| growing like 1/eps (~1e-3 at eps = 1e-11 for
// d = 128 keys of norm ~12: every solve there stopped at that floor and no tail could be compared).
// Compensated mode: the logits that carry weight (kCompensatedWindow) are recomputed as compensated dots
// (Dot2, solvers/compensated_dot.hpp) plus <k_i, y_lo>, and differenced as unevaluated pairs, so each is
// within
//   (2 c_d ||y|| + 2 (sqrt(d) + 2) u ||y_lo||) ||k||max / eps + 4 u |a_i - a_t| + 8 u
// (c_d = compensated_dot_error_factor(d); the last two terms cover the differencing, ln m_u, exp and the ln of
// the sum) of its exact value.
//
// Rounding level of grad D (grad_noise): the sums (gradient_sum_rounding) plus the logit rounding da_i
// carried into x = K^T p: it moves x by <= sum_i p_i da_i ||k_i - x|| <= sum_i p_i da_i (||k_i - c|| + ||c - x||).
Eval evaluate(const Problem& pb, double eps, const Vector& y, const Vector& y_lo, bool compensated) {
  Eval e;
  e.y = y;
  e.compensated = compensated;
  if (compensated) e.y_lo = y_lo.size() == y.size() ? y_lo : Vector::Zero(y.size());
  const Index n = pb.n();
  Vector& logit = e.log_p;  // the logits a_i - a_t first, ln p_i once the LSE is known
  logit.noalias() = pb.keys * y;  // <k_i, y>, the plain logits' dots (y_lo is below their rounding)
  Index top = 0;
  double reference_dot = logit.minCoeff(&top);
  // a_i - a_t = -(<k_i, y> - <k_t, y>)/eps <= 0; a product with -1/eps is cheaper than a division, unless
  // 1/eps overflows (subnormal eps: 0 * inf would make a_t NaN)
  const double minus_inverse = -1.0 / eps;
  if (std::isfinite(minus_inverse))
    logit = (logit.array() - reference_dot) * minus_inverse;
  else
    logit = -(logit.array() - reference_dot) / eps;
  if (pb.distinct.merged) logit += pb.log_multiplicity;  // m_u copies of key u
  const double plain = plain_logit_rounding(pb, y, eps);
  RecomputedKeys recomputed;
  if (compensated) {
    recomputed.mask.assign(static_cast<std::size_t>(n), 0);
    const double lowest = logit.maxCoeff() - kCompensatedWindow - 2 * plain;
    const double pair_rounding =
        2 * compensated_dot_error_factor(pb.d()) * pb.key_max * y.norm() / eps + 2 * plain_logit_rounding(pb, e.y_lo, eps) +
        8 * kUnitRoundoff;
    // <k_i, y + y_lo> as hi + lo: the compensated dot with y, plus <k_i, y_lo> into the low part
    auto pair_dot = [&](Index i) {
      DoubleDouble dot = compensated_dot(pb.keys.row(i).data(), y.data(), pb.d());
      dot.lo += pb.keys.row(i).dot(e.y_lo);
      return dot;
    };
    const DoubleDouble ref = pair_dot(top);
    for (Index i = 0; i < n; ++i) {
      if (!(logit[i] >= lowest)) continue;
      const DoubleDouble dot = pair_dot(i);
      logit[i] = -((dot.hi - ref.hi) + (dot.lo - ref.lo)) / eps;
      if (pb.distinct.merged) logit[i] += pb.log_multiplicity[i];
      recomputed.keys.emplace_back(i, pair_rounding + 4 * kUnitRoundoff * std::abs(logit[i]));
      recomputed.mask[static_cast<std::size_t>(i)] = 1;
    }
    reference_dot = ref.hi + ref.lo;
  }
  const double shift = logit.maxCoeff();  // 0 in plain mode; the compensated correction otherwise
  // One exponential per key: t_i = exp(a_i - a_t - shift) gives the LSE's sum and, divided by it, p_i.
  e.p = (logit.array() - shift).exp();
  double sum = e.p.sum();
  if (compensated) sum = compensated_weight_sum(e.p, recomputed);
  const double log_sum = shift + std::log(sum);
  logit.array() -= log_sum;  // now ln p_i
  // Weights below the smallest normal double are set to 0: at small eps most keys' weights underflow to
  // subnormals, and products with subnormal operands cost microcode assists: K^T p took 80 % of a sweep
  // down to eps = 3e-9 (language-model trace, n = 8192). x moves by at most n DBL_MIN max_i ||k_i||,
  // which gradient_sum_rounding includes. The sum of the LSE above is unchanged by its subnormal terms
  // (it holds the term 1).
  e.p /= sum;
  e.p = (e.p.array() < kSmallestNormal).select(0.0, e.p);
  if (compensated) {
    e.x = compensated_point(pb, e.p, recomputed);
  } else {
    e.x.noalias() = pb.keys.transpose() * e.p;
  }
  e.grad = e.x - pb.q - y;
  if (compensated) e.grad -= e.y_lo;
  e.grad_norm = e.grad.norm();
  e.eps_lse = -reference_dot + eps * log_sum;
  const double yq = y.dot(pb.q), yy = 0.5 * y.squaredNorm();
  e.dual = -yq - yy - e.eps_lse;
  e.noise = 64 * kUnitRoundoff * (std::abs(yq) + yy + std::abs(e.eps_lse) + std::abs(e.dual));
  // sum_i p_i da_i ||k_i - x||: the plain rounding for every key through ||k_i - c|| + ||c - x|| (sum p <= 1),
  // except the recomputed keys (those with weight), which carry their own rounding and distance
  // ||k_i - x|| (x2: its own rounding)
  const double centre_to_x = (pb.centre - e.x).norm();
  double carried = 0;
  if (!compensated) {
    carried = plain * (e.p.dot(pb.dist_to_centre) + centre_to_x);
  } else {
    for (const auto& [i, rounding] : recomputed.keys)
      carried += 2 * e.p[i] * rounding * (pb.keys.row(i) - e.x.transpose()).norm();
    double rest = 0;
    for (Index i = 0; i < n; ++i)
      if (!recomputed.mask[static_cast<std::size_t>(i)]) rest += e.p[i] * (pb.dist_to_centre[i] + centre_to_x);
    carried += plain * rest;
  }
  e.grad_noise = (compensated ? compensated_sum_rounding(pb, e, recomputed) : gradient_sum_rounding(pb, y)) + carried;
  return e;
}

// Cholesky factor of -hess D = I + Cov_p(K)/eps at e.y, Cov over the keys with non-negligible weight;
// the Newton direction s solves (I + Cov_p(K)/eps) s = grad.
struct HessianFactor {
  Eigen::LLT<Eigen::MatrixXd> llt;
  Index kept = 0;  // keys in the sum
};

HessianFactor hessian_factor(const Problem& pb, double eps, const Eval& e, double cutoff) {
  const double threshold = cutoff * e.p.maxCoeff();
  std::vector<Index> kept;
  kept.reserve(static_cast<std::size_t>(pb.n()));
  for (Index i = 0; i < pb.n(); ++i)
    if (e.p[i] >= threshold) kept.push_back(i);
  Matrix w(static_cast<Index>(kept.size()), pb.d());
  for (Index r = 0; r < w.rows(); ++r) {
    const Index i = kept[static_cast<std::size_t>(r)];
    w.row(r) = std::sqrt(e.p[i]) * (pb.keys.row(i) - e.x.transpose());
  }
  Eigen::MatrixXd h = Eigen::MatrixXd::Identity(pb.d(), pb.d());
  h.selfadjointView<Eigen::Lower>().rankUpdate(w.transpose(), 1.0 / eps);
  return {Eigen::LLT<Eigen::MatrixXd>(h.selfadjointView<Eigen::Lower>()), w.rows()};
}


Index in_face_count(const std::vector<char>& in) { return static_cast<Index>(std::count(in.begin(), in.end(), 1)); }

TailEstimate tail_of(const Problem& pb, const Vector& log_p, const Vector& y, double y_error, double eps,
                     const std::vector<Index>& face) {
  const Index n = pb.original_n();  // log_p and face index the caller's keys
  std::vector<char> in(static_cast<std::size_t>(n), 0);
  for (Index i : face) {
    VASHISTA_CHECK(i >= 0 && i < n, ErrorKind::bad_input, "entropic_hull: face index {} outside [0, {})", i, n);
    in[static_cast<std::size_t>(i)] = 1;
  }
  double top = -kInf, far = 0;
  for (Index i = 0; i < n; ++i)
    if (!in[i]) { top = std::max(top, log_p[i]); far = std::max(far, pb.dist_to_centre[pb.distinct_of(i)]); }
  TailEstimate t;
  // Every key in F: m_out = 0 exactly. A key outside F with ln p_i = -inf is an overflow of its logit
  // (-<k_i - k_t, y>/eps beyond double at a subnormal eps): the exact ln p_i is finite (p_eps > 0), so
  // such a tail is undetermined, never -inf with no error bar.
  if (top == -kInf) { t.log_mass = -kInf; t.log_error = in_face_count(in) == n ? 0 : kInf; return t; }
  double sum = 0;
  for (Index i = 0; i < n; ++i)
    if (!in[i]) sum += std::exp(log_p[i] - top);
  t.log_mass = top + std::log(sum);
  // logit rounding: |fl(<k_i, y>) - <k_i, y>| <~ (sqrt(d) + 2) u ||k_i|| ||y|| (Higham, probabilistic form),
  // twice (the logit and the LSE), plus the LSE sums.
  const double logit_rounding = 4 * (std::sqrt(static_cast<double>(pb.d())) + 2) * kUnitRoundoff * pb.key_max * y.norm() / eps +
                                8 * std::log2(static_cast<double>(n) + 1) * kUnitRoundoff;
  t.log_error = y_error * (far + pb.radius) / eps + logit_rounding;
  return t;
}

EntropicSolve finish(const Problem& pb, double eps, const Eval& e, int iterations, bool ok, std::string message,
                     const EntropicOptions& options) {
  EntropicSolve s;
  s.status = ok ? EntropicStatus::converged : EntropicStatus::unresolved;
  s.eps = eps;
  s.y = e.y;
  s.x = e.x;
  s.log_p = pb.original_log_p(e.log_p);
  double entropy_term = 0;  // sum_i p_i ln p_i = sum_u p_u (ln p_u - ln m_u) over the distinct keys
  for (Index i = 0; i < pb.n(); ++i)
    if (e.p[i] > 0) entropy_term += e.p[i] * (e.log_p[i] - (pb.distinct.merged ? pb.log_multiplicity[i] : 0.0));
  s.primal_objective = 0.5 * (e.x - pb.q).squaredNorm() + eps * entropy_term;
  s.dual_objective = e.dual;
  s.duality_gap = 0.5 * e.grad_norm * e.grad_norm;
  s.primal_minus_dual = s.primal_objective - s.dual_objective;
  s.gradient_norm = e.grad_norm;
  // Plain mode: the sums' rounding only (the logits' enters log_tail_error directly); compensated mode:
  // the whole rounding level of the gradient, logits included.
  s.y_error = e.grad_norm + (e.compensated ? e.grad_noise : gradient_sum_rounding(pb, e.y));
  if (!options.face.empty()) {
    const TailEstimate t = tail_of(pb, s.log_p, e.y, s.y_error, eps, options.face);
    s.log_tail = t.log_mass;
    s.log_tail_error = t.log_error;
  }
  s.iterations = iterations;
  s.compensated = e.compensated;
  s.distinct_keys = pb.n();
  s.message = std::move(message);
  return s;
}

// Damped Newton from `start` at eps to relative gradient tolerance `tol`. Returns the last Eval.
struct NewtonResult {
  Eval e;
  int iterations = 0;
  bool ok = false;
  std::string message;
};

// Hessian reuse (chord steps): forming -hess D costs O(n_kept d^2), about n_kept d / (4 n) evaluations of
// D (two products over all n keys each). When that is at least two evaluations (n_kept d >= 8 n: a spread
// p; not the face-reduced Hessians of small eps) and a full step has cut ||grad D|| by kChordGain, the next
// step reuses the factor, and so on while each full step keeps that gain; any other outcome (a shorter
// step, a smaller gain, no acceptable step: then retried fresh) makes the next step fresh. The factor is
// symmetric positive definite, so every step is an ascent direction, and the line search and stopping
// tests are Newton's; near y* the chord steps converge linearly at the rate of the Hessian's change since
// it was formed. Steps at the rounding floor are always fresh. Measured on the language-model and bundled
// traces at eps = 0.05-4 (d = 64): 19 % less time than a fresh Hessian every step; at eps = 0.001-20 3 %
// (docs/benchmarks.md, "Entropic solves").
constexpr double kChordGain = 16.0;
constexpr double kChordMinHessianCost = 8.0;  // reuse only when n_kept d >= this * n

// The dual at e's point + t * step. Compensated mode: the new pair is (y + t step, y_lo) renormalised by
// two_sum per coordinate, so the step is not rounded away when it is below ulp(y).
Eval step_to(const Problem& pb, double eps, const Eval& e, double t, const Vector& step) {
  if (!e.compensated) return evaluate(pb, eps, e.y + t * step, Vector(), false);
  Vector hi(e.y.size()), lo(e.y.size());
  for (Index j = 0; j < e.y.size(); ++j) hi[j] = two_sum(e.y[j], t * step[j] + e.y_lo[j], lo[j]);
  return evaluate(pb, eps, hi, lo, true);
}

NewtonResult newton_steps(const Problem& pb, double eps, Eval e, double target, const EntropicOptions& options) {
  NewtonResult r;
  HessianFactor factor;
  bool reuse = false;  // the next step may use `factor`
  for (;;) {
    // Logits <k_i, y>/eps beyond double (e.g. 1/eps overflows for a subnormal eps): no Newton step is
    // defined (every weight is NaN); the solve is unresolved, never continued on NaN.
    // The same when the gradient is finite but its rounding level is not (the logit differences overflow
    // to -inf and every weight but one is 0: the tail would read -inf with no error bar).
    if (!std::isfinite(e.grad_norm) || !std::isfinite(e.grad_noise)) {
      r.message = fmt::format("entropic_hull: eps = {:.6g}: non-finite dual gradient or rounding level (logits "
                              "<k, y>/eps overflow double)", eps);
      break;
    }
    if (e.grad_norm <= target) { r.ok = true; break; }
    // Within the (pessimistic) rounding level of the gradient: keep taking full Newton steps while each
    // one at least halves ||grad D||; stop, converged, at the first that does not (the rounding floor).
    const bool at_floor = e.grad_norm <= 4 * e.grad_noise;
    if (r.iterations >= options.max_newton_iterations) {
      r.message = fmt::format("entropic_hull: eps = {:.6g}: {} Newton iterations, ||grad D|| = {:.3g}", eps,
                              r.iterations, e.grad_norm);
      break;
    }
    ++r.iterations;
    const bool chord = reuse && !at_floor;
    if (!chord) factor = hessian_factor(pb, eps, e, options.hessian_weight_cutoff);
    const Vector step = factor.llt.solve(e.grad);
    const double slope = e.grad.dot(step);
    const double grad_before = e.grad_norm;
    bool accepted = false, full_step = false;
    reuse = false;
    if (at_floor) {
      if (slope > 0 && step.allFinite()) {
        Eval trial = step_to(pb, eps, e, 1.0, step);
        if (trial.grad_norm <= 0.5 * e.grad_norm) { e = std::move(trial); continue; }
      }
      r.ok = true;
      break;
    }
    if (slope > 0 && step.allFinite()) {
      double t = 1;
      for (int k = 0; k < 60; ++k, t *= 0.5) {
        Eval trial = step_to(pb, eps, e, t, step);
        if (!std::isfinite(trial.dual)) continue;
        const bool armijo = trial.dual >= e.dual + 1e-4 * t * slope;
        const bool flat = trial.dual >= e.dual - e.noise && trial.grad_norm < e.grad_norm;  // below rounding of D
        if (armijo || flat) {
          if (trial.dual <= e.dual + e.noise && trial.grad_norm >= e.grad_norm) break;  // no progress at all
          e = std::move(trial);
          accepted = true;
          full_step = k == 0;
          break;
        }
      }
    }
    if (chord && !accepted) continue;  // retried with a fresh Hessian
    reuse = accepted && full_step && e.grad_norm * kChordGain <= grad_before &&
            static_cast<double>(factor.kept * pb.d()) >= kChordMinHessianCost * static_cast<double>(pb.n());
    if (!accepted) {
      r.ok = e.grad_norm <= 16 * e.grad_noise;
      if (!r.ok) {
        r.message = fmt::format("entropic_hull: eps = {:.6g}: line search stalled at ||grad D|| = {:.3g}", eps,
                                e.grad_norm);
      }
      break;
    }
  }
  r.e = std::move(e);
  return r;
}

// Damped Newton to ||grad D|| <= tol * scale. When plain evaluations end at their rounding floor above
// that target (converged at the floor, or a line-search stall), the solve goes on from the same y in
// compensated mode (evaluate), whose floor does not grow like 1/eps; r.e.compensated tells the caller.
NewtonResult newton(const Problem& pb, double eps, Eval e, double tol, const EntropicOptions& options) {
  const double target = tol * pb.scale;
  NewtonResult r = newton_steps(pb, eps, std::move(e), target, options);
  const bool floor_above_target = std::isfinite(r.e.grad_norm) && r.e.grad_norm > target &&
                                  r.iterations < options.max_newton_iterations;
  if (r.e.compensated || !floor_above_target) return r;
  EntropicOptions rest = options;
  rest.max_newton_iterations = options.max_newton_iterations - r.iterations;
  NewtonResult c = newton_steps(pb, eps, evaluate(pb, eps, r.e.y, Vector(), true), target, rest);
  c.iterations += r.iterations;
  return c;
}

// A converged solve whose tail is not comparable (its error bar, y_error (max ||k_i - c|| + R_c)/eps, is
// too wide against |ln m_out| ~ Delta/eps: a small Delta needs y_error below the target tol * scale): Newton
// goes on from the same point in compensated mode down to that mode's rounding floor (target 0: the floor
// test of newton_steps ends it). The polished solve replaces `solved` when it converged and its error bar
// is smaller; otherwise `solved` stays as it was.
constexpr int kPolishIterations = 30;

void polish(const Problem& pb, double eps, const Eval& from, const EntropicOptions& options, EntropicSolve& solved) {
  EntropicOptions limited = options;
  limited.max_newton_iterations = kPolishIterations;
  NewtonResult c = newton_steps(pb, eps, evaluate(pb, eps, from.y, from.y_lo, true), 0.0, limited);
  if (!c.ok) return;
  EntropicSolve polished = finish(pb, eps, c.e, solved.iterations + c.iterations, true, std::string(), options);
  if (polished.log_tail_error < solved.log_tail_error) solved = std::move(polished);
}

// R max(R, ||q - c||) (entropic_cold_start_eps).
double cold_start_eps(const Problem& pb) {
  const double far = (pb.q - pb.centre).norm();
  const double r = pb.radius > 0 ? pb.radius : pb.scale;
  return r * std::max(r, far);
}

void check_eps(double eps) {
  VASHISTA_CHECK(eps > 0 && std::isfinite(eps), ErrorKind::bad_input,
                 "entropic_hull: regulariser eps = {} must be finite and > 0", eps);
}

// One continuation path over the targets (descending); fills out[order[j]].
void run_path(const Problem& pb, const std::vector<double>& targets_desc, const std::vector<std::size_t>& order,
              std::vector<EntropicSolve>& out, const EntropicOptions& options) {
  VASHISTA_CHECK(options.continuation_ratio > 1, ErrorKind::bad_input,
                 "entropic_hull: continuation_ratio = {} must be > 1", options.continuation_ratio);
  const double cold = std::max(cold_start_eps(pb), targets_desc.front());
  // the path: geometric points (ratio <= continuation_ratio) from `cold` through every target
  struct Point { double eps; std::ptrdiff_t target; };
  std::vector<Point> path;
  double prev = cold;
  if (cold > targets_desc.front()) path.push_back({cold, -1});
  for (std::size_t j = 0; j < targets_desc.size(); ++j) {
    const double t = targets_desc[j];
    if (!path.empty() || j > 0) {
      // In logs: prev / t can overflow double (cold start ~1e300, target ~1e-300), and the int cast of
      // an infinite piece count is UB (found by fuzz_stream_eval).
      const double log_ratio = std::log(prev) - std::log(t);
      const int pieces = std::isfinite(log_ratio)
                             ? static_cast<int>(std::min(std::ceil(log_ratio / std::log(options.continuation_ratio) - 1e-9), 1e6))
                             : 1;
      for (int k = 1; k < pieces; ++k)
        path.push_back({std::exp(std::log(prev) - log_ratio * static_cast<double>(k) / pieces), -1});
    }
    path.push_back({t, static_cast<std::ptrdiff_t>(j)});
    prev = t;
  }
  // cold start y = mean(k) - q (p uniform: the eps -> inf solution)
  Vector y_prev = pb.centre - pb.q, y_prev2;
  double eps_prev = kNaN, eps_prev2 = kNaN;
  int pending_iterations = 0;
  bool compensated = false;  // once a point needed compensated logits, every smaller eps uses them
  for (const Point& pt : path) {
    Eval e = evaluate(pb, pt.eps, y_prev, Vector(), compensated);
    if (std::isfinite(eps_prev2)) {  // secant predictor in eps
      const Vector y_pred = y_prev + (pt.eps - eps_prev) / (eps_prev - eps_prev2) * (y_prev - y_prev2);
      Eval ep = evaluate(pb, pt.eps, y_pred, Vector(), compensated);
      if (ep.dual > e.dual) e = std::move(ep);
    }
    const bool is_target = pt.target >= 0;
    NewtonResult r = newton(pb, pt.eps, std::move(e), is_target ? options.gradient_tolerance : options.path_tolerance,
                            options);
    pending_iterations += r.iterations;
    compensated = r.e.compensated;
    if (is_target) {
      EntropicSolve solved = finish(pb, pt.eps, r.e, pending_iterations, r.ok, std::move(r.message), options);
      if (r.ok && !options.face.empty() && !tail_comparable(solved, options.max_log_tail_error))
        polish(pb, pt.eps, r.e, options, solved);
      out[order[static_cast<std::size_t>(pt.target)]] = std::move(solved);
      pending_iterations = 0;
    }
    y_prev2 = std::move(y_prev);
    eps_prev2 = eps_prev;
    y_prev = r.e.y;
    eps_prev = pt.eps;
  }
}

}  // namespace

double entropic_cold_start_eps(const Eigen::Ref<const Matrix>& keys, const Eigen::Ref<const Vector>& q) {
  return cold_start_eps(Problem(keys, q));
}

EntropicSolve solve_entropic_from(const Eigen::Ref<const Matrix>& keys, const Eigen::Ref<const Vector>& q, double eps,
                                  const Eigen::Ref<const Vector>& y_start, const EntropicOptions& options) {
  check_eps(eps);
  const Problem pb(keys, q);
  VASHISTA_CHECK(y_start.size() == pb.d() && y_start.allFinite(), ErrorKind::bad_input,
                 "entropic_hull: warm start y has size {} (d = {}) or a non-finite entry", y_start.size(), pb.d());
  NewtonResult r = newton(pb, eps, evaluate(pb, eps, Vector(y_start), Vector(), false), options.gradient_tolerance, options);
  return finish(pb, eps, r.e, r.iterations, r.ok, std::move(r.message), options);
}

EntropicSolve solve_entropic(const Eigen::Ref<const Matrix>& keys, const Eigen::Ref<const Vector>& q, double eps,
                             const EntropicOptions& options) {
  return solve_entropic_sweep(keys, q, {eps}, options).front();
}

std::vector<EntropicSolve> solve_entropic_sweep(const Eigen::Ref<const Matrix>& keys,
                                                const Eigen::Ref<const Vector>& q,
                                                const std::vector<double>& eps_values,
                                                const EntropicOptions& options) {
  VASHISTA_CHECK(!eps_values.empty(), ErrorKind::bad_input, "entropic_hull: sweep: no eps values");
  for (double eps : eps_values) check_eps(eps);
  const Problem pb(keys, q);
  std::vector<std::size_t> order(eps_values.size());
  for (std::size_t j = 0; j < order.size(); ++j) order[j] = j;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return eps_values[a] > eps_values[b]; });
  std::vector<double> targets;
  for (std::size_t j : order) targets.push_back(eps_values[j]);
  std::vector<EntropicSolve> out(eps_values.size());
  run_path(pb, targets, order, out, options);
  return out;
}

TailEstimate entropic_log_mass_outside(const Eigen::Ref<const Matrix>& keys, const EntropicSolve& solve,
                                       const std::vector<Index>& face) {
  VASHISTA_CHECK(solve.log_p.size() == keys.rows() && solve.y.size() == keys.cols(), ErrorKind::bad_input,
                 "entropic_hull: log_mass_outside: the solve does not belong to these keys ({} x {})", keys.rows(),
                 keys.cols());
  const Problem pb(keys, solve.x);  // q is not used by the tail
  return tail_of(pb, solve.log_p, solve.y, solve.y_error, solve.eps, face);
}

bool tail_comparable(const EntropicSolve& solve, double max_log_error) {
  if (solve.status != EntropicStatus::converged || std::isnan(solve.log_tail)) return false;
  if (solve.log_tail == -kInf) return solve.log_tail_error == 0;  // F holds every key (tail_of)
  return std::isfinite(solve.log_tail_error) &&
         solve.log_tail_error <= max_log_error * std::max(1.0, std::abs(solve.log_tail));
}

}  // namespace vashista
