#include "analysis/hull_check.hpp"

#include "bounds/bound_check.hpp"
#include "bounds/face_geometry.hpp"
#include "bounds/theorem_h1.hpp"
#include "bounds/theorem_h2.hpp"
#include "bounds/theorem_h3.hpp"
#include "core/error.hpp"
#include "core/log_sum_exp.hpp"
#include "solvers/entropic_hull.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>

namespace vashista {

namespace {

constexpr double kLn10 = 2.302585092994046;

/// Largest ln m_out error bar of an entropic solve for which its tail is compared with a bound
/// (natural-log units; a violation of a theorem is far larger than this).
constexpr double kMaxLogTailError = 1e-6;

/// Certified lower ends of the multipliers: max(0, lambda_i - error_i). Bounds evaluated with them
/// stay rigorous although lambda is known only to its error bar.
Vector lambda_lower(const HullProjection& p) { return (p.lambda - p.lambda_error).cwiseMax(0.0); }

/// Largest eps_hull <= eps0 whose H1 bound sum_{i not in F} e^{-lambda_i/(2 eps)} is <= delta
/// (the bound increases with eps, so bisection in ln eps); NaN when even tiny eps fails; eps0 when
/// eps0 itself is safe.
double h1_eps_star(const Vector& lambda, const std::vector<Index>& face, double d_max, double eps0,
                   double delta_target) {
  if (!(eps0 > 0) || !std::isfinite(eps0)) return kNaN;
  auto log_bound = [&](double eps) { return theorem_h1(lambda, face, d_max, eps).log_bound; };
  const double target = std::log(delta_target);
  if (log_bound(eps0) <= target) return eps0;
  double lo = std::log(eps0) - 60.0, hi = std::log(eps0);
  if (log_bound(std::exp(lo)) > target) return kNaN;
  for (int it = 0; it < 100 && hi - lo > 1e-12; ++it) {
    const double mid = 0.5 * (lo + hi);
    (log_bound(std::exp(mid)) <= target ? lo : hi) = mid;
  }
  return std::exp(lo);
}

/// Smallest k whose k largest entropic weights leave at most delta outside (exact, log domain).
double entropic_k_eff(const Vector& log_p, double delta_target) {
  std::vector<double> sorted(log_p.data(), log_p.data() + log_p.size());
  std::sort(sorted.begin(), sorted.end(), std::greater<>());
  // Suffix log-sums: mass outside the top k = LSE(sorted[k..]).
  std::vector<double> suffix(sorted.size() + 1, -kInf);
  for (size_t i = sorted.size(); i-- > 0;) suffix[i] = log_add_exp(suffix[i + 1], sorted[i]);
  const double target = std::log(delta_target);
  for (size_t k = 0; k <= sorted.size(); ++k) {
    if (suffix[k] <= target) return static_cast<double>(k);
  }
  return static_cast<double>(sorted.size());
}

QueryRecord base_record(const Stream& stream, Index j, const HullProjection& p, double eps) {
  QueryRecord r;
  r.stream = stream.name;
  r.query = j;
  r.model = Model::hull;
  r.n = stream.visible_keys(j);
  r.eps = eps;
  r.eps_hull = eps / stream.scale;
  r.status = to_string(p.status);
  r.face = p.face;
  r.face_size = static_cast<Index>(p.face.size());
  r.fw_gap = p.fw_gap;
  r.hull_certificate = p.linear_certificate ? "linear" : "frank_wolfe";
  if (p.status == HullStatus::certified || p.status == HullStatus::face_ambiguous)
    r.face_exact = p.face_exact;
  if (p.status != HullStatus::no_gap) {
    r.delta = p.delta;
    r.delta_lo = p.delta_lo;
    r.delta_hi = p.delta_hi;
  }
  return r;
}

}  // namespace

std::vector<HullProjection> project_stream_queries(const Stream& stream) {
  std::vector<Index> visible(static_cast<size_t>(stream.num_queries()));
  for (Index j = 0; j < stream.num_queries(); ++j) visible[static_cast<size_t>(j)] = stream.visible_keys(j);
  return project_onto_hull_batch(stream.keys, stream.queries, visible);
}

double hull_eps0(const Stream& stream, Index j, const HullProjection& projection) {
  if (projection.status != HullStatus::certified) return kNaN;
  const Index n = stream.visible_keys(j);
  if (static_cast<Index>(projection.face.size()) == n) return kNaN;  // no key outside the face
  const FaceGeometry geometry = face_geometry(stream.keys.topRows(n), projection.face);
  return theorem_h1(lambda_lower(projection), projection.face, geometry.d_max, 1.0).eps0;
}

std::vector<QueryRecord> check_hull_query(const Stream& stream, Index j, const HullProjection& p,
                                          const std::vector<double>& eps_values, double delta_target) {
  std::vector<QueryRecord> rows;
  const Index n = stream.visible_keys(j);
  if (p.status != HullStatus::certified) {
    for (double eps : eps_values) {
      QueryRecord r = base_record(stream, j, p, eps);
      r.note = p.status == HullStatus::no_gap ? "query inside the hull of the keys: no gap"
                                              : "projection not certified: " + p.message;
      if (p.status == HullStatus::no_gap) r.log10_tail_measured = -kInf;
      rows.push_back(std::move(r));
    }
    return rows;
  }
  if (static_cast<Index>(p.face.size()) == n) {
    // Every visible key is on the face (n = 1, or all keys on one supporting face): no key outside F,
    // no gap, nothing to bound — reported like the softmax model's "all scores tie" (found by
    // fuzz_stream_eval: it was `certified` with a NaN Delta interval).
    for (double eps : eps_values) {
      QueryRecord r = base_record(stream, j, p, eps);
      r.status = "no_gap";
      r.delta = r.delta_lo = r.delta_hi = kNaN;
      r.log10_tail_measured = -kInf;
      r.note = "every visible key is on the face: no gap";
      rows.push_back(std::move(r));
    }
    return rows;
  }

  const auto keys = stream.keys.topRows(n);
  const Vector q = stream.queries.row(j).transpose();
  const Vector lambda = lambda_lower(p);
  const FaceGeometry geometry = face_geometry(keys, p.face);
  // Theorem H3 is about the true face: a Frank-Wolfe face may contain keys with lambda_i > 0.
  const TheoremH3 h3 = p.face_exact ? theorem_h3(keys, p.face, p.face_weights) : TheoremH3{};
  const double eps0 = theorem_h1(lambda, p.face, geometry.d_max, 1.0).eps0;
  const double eps_star_hull = h1_eps_star(lambda, p.face, geometry.d_max, eps0, delta_target);

  std::vector<double> eps_hull(eps_values.size());
  for (size_t e = 0; e < eps_values.size(); ++e) eps_hull[e] = eps_values[e] / stream.scale;
  EntropicOptions options;
  options.face = p.face;
  options.max_log_tail_error = kMaxLogTailError;
  const std::vector<EntropicSolve> solves = solve_entropic_sweep(keys, q, eps_hull, options);

  for (size_t e = 0; e < eps_values.size(); ++e) {
    const EntropicSolve& s = solves[e];
    QueryRecord r = base_record(stream, j, p, eps_values[e]);
    r.eps0 = eps0;
    r.eps_star = eps_star_hull * stream.scale;  // softmax-temperature units
    r.xprime_norm = h3.applicable ? h3.x_prime_norm : kNaN;
    r.duality_gap = s.duality_gap;
    if (s.log_p.size() == n) r.k_eff = entropic_k_eff(s.log_p, delta_target);
    r.log10_tail_measured = s.log_tail / kLn10;
    if (!tail_comparable(s, kMaxLogTailError)) {
      r.status = "unresolved";
      r.note = s.status != EntropicStatus::converged ? "entropic solve unresolved: " + s.message
               : std::isfinite(s.log_tail_error)
                   ? fmt::format("entropic solve too inaccurate to compare (ln-tail error {:.2g})", s.log_tail_error)
                   : std::string("entropic tail beyond double range (a logit overflows at this eps)");
      rows.push_back(std::move(r));
      continue;
    }
    r.rho = (s.x - p.x).norm();
    // Rigorous upper bound of rho for H2: the computed distance plus the certified errors of x_eps
    // (||y - y*||, y* = x_eps - q) and of x* (sqrt(2 g)).
    const double rho_upper = r.rho + s.y_error + p.x_error;
    const TheoremH1 h1 = theorem_h1(lambda, p.face, geometry.d_max, r.eps_hull);
    const double log_h2 = theorem_h2_log_bound(lambda, geometry.distances, p.face, rho_upper, r.eps_hull);
    r.log10_tail_h2 = log_h2 / kLn10;
    // The measured value counts with its error bar: a bound holds when ln m_out - err <= ln bound + slack.
    const double log_measured_low = s.log_tail - s.log_tail_error;
    const BoundCheck h2_check = check_bound(log_measured_low, log_h2);
    bool holds = h2_check.verdict != BoundVerdict::violated;
    double log_used = log_h2;
    r.bound = "H2";
    if (h1.applicable) {
      r.log10_tail_h1 = h1.log_bound / kLn10;
      const BoundCheck h1_check = check_bound(log_measured_low, h1.log_bound);
      if (h1_check.verdict == BoundVerdict::violated) {
        holds = false;
        r.note = "Theorem H1 violated";
      }
      if (h1.log_bound <= log_h2) {
        r.bound = "H1";
        log_used = h1.log_bound;
      }
    }
    if (h2_check.verdict == BoundVerdict::violated) r.note += (r.note.empty() ? "" : "; ") + std::string("Theorem H2 violated");
    r.log10_tail_bound = log_used / kLn10;
    r.bound_holds = holds;
    r.safe = log_used <= std::log(delta_target);
    rows.push_back(std::move(r));
  }
  return rows;
}

StreamCertificates stream_certificates(const Stream& stream, const std::vector<HullProjection>& projections) {
  const Index m = stream.num_queries();
  VASHISTA_CHECK(static_cast<Index>(projections.size()) == m, ErrorKind::internal,
                 "{}: {} projections for {} queries", stream.name, projections.size(), m);
  const Index n = stream.keys.rows();
  StreamCertificates c;
  c.name = stream.name;
  c.x = Matrix::Constant(m, stream.keys.cols(), kNaN);
  c.lambda = Matrix::Constant(m, n, kNaN);
  c.lambda_error = Matrix::Constant(m, n, kNaN);
  c.face_offsets.push_back(0);
  for (Index j = 0; j < m; ++j) {
    const HullProjection& p = projections[static_cast<size_t>(j)];
    const Index visible = stream.visible_keys(j);
    c.visible.push_back(visible);
    c.status.push_back(static_cast<int8_t>(p.status));
    if (p.x.size() == c.x.cols()) c.x.row(j) = p.x.transpose();
    const bool weighted = p.face_weights.size() == static_cast<Index>(p.face.size());
    for (size_t t = 0; t < p.face.size(); ++t) {
      c.face_keys.push_back(p.face[t]);
      c.face_weights.push_back(weighted ? p.face_weights[static_cast<Index>(t)] : kNaN);
    }
    c.face_offsets.push_back(static_cast<int64_t>(c.face_keys.size()));
    if (p.lambda.size() == visible) c.lambda.row(j).head(visible) = p.lambda.transpose();
    if (p.lambda_error.size() == visible) c.lambda_error.row(j).head(visible) = p.lambda_error.transpose();
    c.delta.push_back(p.delta);
    c.delta_lo.push_back(p.delta_lo);
    c.delta_hi.push_back(p.delta_hi);
    c.fw_gap.push_back(p.fw_gap);
    c.x_error.push_back(p.x_error);
    c.linear_certificate.push_back(p.linear_certificate ? 1 : 0);
    c.face_exact.push_back(p.face_exact ? 1 : 0);
  }
  return c;
}

}  // namespace vashista
