#pragma once
// Entropic hull problem (docs/theory.md, section 2, "Entropic hull problem"; numerics: section 3).
//
//   P_eps: min_{p in simplex_n} 1/2 ||K^T p - q||^2 + eps sum_i p_i ln p_i      (eps = HULL regulariser:
//          the softmax temperature divided by the attention scale; the caller converts).
//   Unique p_eps > 0 with p_eps,i ∝ exp(<k_i, r_eps>/eps), r_eps = q - x_eps, x_eps = K^T p_eps.
//   Dual (d variables, smooth, 1-strongly concave):
//     max_y D(y) = -<y, q> - 1/2 ||y||^2 - eps LSE_i(-<k_i, y>/eps),   y* = x_eps - q,
//     p(y)_i = exp(-<k_i, y>/eps - LSE),  grad D = -q - y + K^T p(y),  -hess D = I + Cov_{p(y)}(K)/eps.
//   For the primal point p(y): primal(p(y)) - D(y) = 1/2 ||grad D(y)||^2  (algebraic identity), and by
//   1-strong concavity ||y - y*|| <= ||grad D(y)|| = sqrt(2 gap).
//   Since d ln p_i(y)/dy = -(k_i - E_{p(y)} k)/eps and E_p k lies in the hull,
//     |ln p_i(y) - ln p_i(y*)| <= (||k_i - c|| + R_c) ||y - y*|| / eps   (c = key mean, R_c = max_j ||k_j - c||),
//   so ln m_out = LSE_{i not in F} ln p_i carries the error bar
//     log_tail_error = y_error (max_{i not in F} ||k_i - c|| + R_c)/eps + (rounding of the logits)/eps.
//   A tail mass is compared with a bound only when log_tail_error <= max_log_tail_error * max(1, |log_tail|)
//   (tail_comparable); otherwise it is "unresolved", never compared. The test is relative to |ln m_out|:
//   at eps -> 0 the out-of-face logits -lambda_i/eps are huge and y (stored in double) fixes them only to
//   a relative accuracy ~ u ||y|| ||k|| / lambda_i, so an absolute bar grows like 1/eps while ln m_out
//   itself does too; e.g. ln m_out = -7e7 +- 1e-4 is a fully resolved tail of e^{-7e7}.
//   That needs y_error ~ u ||k||, which plain double arithmetic cannot reach at small eps: a logit's rounding
//   and the rounding of y itself (ulp(y) ||k|| / eps) both move the weights, so ||grad D|| has a floor
//   growing like 1/eps. Compensated mode (entropic_hull.cpp, evaluate) removes it: when plain Newton ends at
//   its floor above the target, the logits that carry weight are recomputed as compensated dots and the
//   dual point is kept as an unevaluated pair y + y_lo; y_error then includes the whole rounding level.
//
// Exact duplicate keys are merged (one distinct key u with ln m_u added to its logit; log_p is returned per
// caller's key as ln p_u - ln m_u): a zero-padded cache is solved on its distinct rows.
//
// Method: Newton on the dual with a backtracking (Armijo) line search, from a warm start. Small eps
// needs continuation (a cold start at tiny eps fails): solve_entropic walks a geometric path from a
// safe cold-start eps down to the target, with a secant predictor in eps (y(eps) = y* + eps x' + o(eps),
// Theorem H3, so the predictor is first-order exact near 0). Face reduction: the Hessian sums only the
// keys with p_i >= hessian_weight_cutoff * max_j p_j. For eps far below eps0 these are exactly the face
// keys (p_i <= e^{-Delta/(2 eps)} outside F, Theorem H1), so a Newton step costs O(n d + |F| d^2), and
// the inactive p_i follow in closed form from the logits. The gradient is always exact over all keys,
// so the dropped Hessian terms (each < cutoff * diam^2/eps relative) change only the step direction,
// never the fixed point or the certificate.
#include "core/conventions.hpp"

#include <string>
#include <vector>

namespace vashista {

enum class EntropicStatus {
  converged,  // ||grad D|| <= max(gradient_tolerance * scale, 4 x its rounding level), or a line-search
              // stall within 16 x the rounding level (the floor grows like 1/eps, see entropic_hull.cpp)
  unresolved  // iteration limit or line-search stall above the floor: see message
};

const char* to_string(EntropicStatus status);

struct EntropicOptions {
  /// Stop when ||grad D(y)|| <= gradient_tolerance * scale, scale = max(||q||, max_i ||k_i||).
  double gradient_tolerance = 1e-13;
  /// Looser tolerance at the intermediate points of a continuation path (only warm starts: Newton at the
  /// next point converges from them either way). 1e-7 until session 35: 1e-4 took fewer Newton steps and
  /// less time on every workload measured (single eps 0.001-20 from a cold start, and sweeps down to
  /// eps = 3e-9 on the language-model and bundled traces), where 1e-3 was faster still for single eps but
  /// 20 % slower on the sweeps to tiny eps (docs/benchmarks.md, "Entropic solves").
  double path_tolerance = 1e-4;
  int max_newton_iterations = 100;  // per eps value
  /// Largest ratio eps_k / eps_{k+1} between consecutive points of a continuation path.
  double continuation_ratio = 4.0;
  /// Keys with p_i < cutoff * max_j p_j are left out of the Hessian (face reduction, see above).
  double hessian_weight_cutoff = 1e-20;
  /// Face F for ln m_out(eps) = LSE_{i not in F} ln p_i; empty: log_tail stays NaN.
  std::vector<Index> face;
  /// tail_comparable threshold: log_tail_error <= max_log_tail_error * max(1, |log_tail|).
  double max_log_tail_error = 1e-6;
};

struct EntropicSolve {
  EntropicStatus status = EntropicStatus::unresolved;
  double eps = kNaN;                 // hull regulariser of this solve
  Vector y;                          // dual variable (d); y* = x_eps - q
  Vector x;                          // x_eps = K^T p(y) (d), a point of the hull
  Vector log_p;                      // ln p_i(y) for every key (n), log domain
  double primal_objective = kNaN;    // 1/2 ||x - q||^2 + eps sum p_i ln p_i at p(y)
  double dual_objective = kNaN;      // D(y)
  double duality_gap = kNaN;         // primal - dual = 1/2 ||grad D||^2 (identity, evaluated without cancellation)
  double primal_minus_dual = kNaN;   // the same difference as computed from the two objectives (rounding-limited)
  double gradient_norm = kNaN;       // ||grad D(y)||
  double y_error = kNaN;             // ||y - y*|| <= ||grad D|| + rounding of its sums (logits taken as exact;
                                     // their rounding enters log_tail_error directly, first order)
  double log_tail = kNaN;            // ln m_out(eps) = LSE_{i not in F} ln p_i for options.face (NaN if none)
  double log_tail_error = kNaN;      // error bar of log_tail (see header comment)
  int iterations = 0;                // Newton iterations spent on this eps (path points before it included)
  Index distinct_keys = 0;           // keys the solve ran on: exact duplicates are merged (entropic_hull.cpp)
  bool compensated = false;          // the solve ended in compensated mode (entropic_hull.cpp, evaluate):
                                     // y is then the pair (y, y_lo) rounded to double, and log_p, x and
                                     // the gradient are those of the pair
  std::string message;               // why unresolved; empty when converged
};

struct TailEstimate {
  double log_mass = kNaN;   // ln m_out = LSE_{i not in F} ln p_i (-inf when F holds every key, or when the
                            // logits overflow: then log_error = +inf)
  double log_error = kNaN;  // bound on |ln m_out(y) - ln m_out(y*)| plus logit rounding
};

/// Newton on the dual at one eps from the warm start y_start (d). No continuation: use it only when
/// y_start is a solve at a nearby eps (or eps is large). keys: n x d (n >= 1), q: d.
EntropicSolve solve_entropic_from(const Eigen::Ref<const Matrix>& keys, const Eigen::Ref<const Vector>& q,
                                  double eps, const Eigen::Ref<const Vector>& y_start,
                                  const EntropicOptions& options = {});

/// One eps, with continuation from entropic_cold_start_eps(keys, q) (cold start y = mean(k) - q).
EntropicSolve solve_entropic(const Eigen::Ref<const Matrix>& keys, const Eigen::Ref<const Vector>& q, double eps,
                             const EntropicOptions& options = {});

/// Many eps values (any order, > 0) along ONE continuation path, descending; results in the order of
/// `eps_values`. Intermediate path points are inserted only where consecutive values are more than
/// continuation_ratio apart, so a sweep costs about one solve at its smallest eps plus a few Newton
/// iterations per reported value.
std::vector<EntropicSolve> solve_entropic_sweep(const Eigen::Ref<const Matrix>& keys,
                                                const Eigen::Ref<const Vector>& q,
                                                const std::vector<double>& eps_values,
                                                const EntropicOptions& options = {});

/// The eps at which a cold start (y = mean(k) - q) is safe: R max(R, ||q - mean(k)||), R = max_i ||k_i - mean(k)||.
double entropic_cold_start_eps(const Eigen::Ref<const Matrix>& keys, const Eigen::Ref<const Vector>& q);

/// ln m_out(eps) = LSE_{i not in F} ln p_i of a solve, with its error bar (header comment).
TailEstimate entropic_log_mass_outside(const Eigen::Ref<const Matrix>& keys, const EntropicSolve& solve,
                                       const std::vector<Index>& face);

/// True when the solve converged and its tail error bar is at most max_log_error * max(1, |log_tail|)
/// (relative, see above): only then may its ln m_out be compared with a bound. False when no face
/// was given (log_tail NaN). A tail of -inf is comparable when F holds every key (error bar 0), not when
/// a logit overflowed (error bar +inf).
bool tail_comparable(const EntropicSolve& solve, double max_log_error);

}  // namespace vashista
