// Softmax (score) model: face, gap, Theorem S in the log domain, eps*(delta), k_eff
// (docs/theory.md, section 1).
#include "solvers/softmax_model.hpp"

#include "core/error.hpp"
#include "core/log_sum_exp.hpp"

#include <boost/math/tools/toms748_solve.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>

namespace vashista {
namespace {

void check_scores(const Eigen::Ref<const Vector>& scores, const char* who) {
  VASHISTA_CHECK(scores.size() > 0, ErrorKind::bad_input, "softmax_model: {}: no scores (n = 0)", who);
  VASHISTA_CHECK(scores.allFinite(), ErrorKind::bad_input, "softmax_model: {}: non-finite score", who);
}

void check_eps(double eps, const char* who) {
  VASHISTA_CHECK(eps > 0 && std::isfinite(eps), ErrorKind::bad_input,
                 "softmax_model: {}: temperature eps = {} must be finite and > 0", who, eps);
}

std::vector<char> face_mask(Index n, const std::vector<Index>& face, const char* who) {
  std::vector<char> mask(static_cast<std::size_t>(n), 0);
  for (Index i : face) {
    VASHISTA_CHECK(i >= 0 && i < n, ErrorKind::bad_input, "softmax_model: {}: index {} outside [0, {})", who, i, n);
    mask[static_cast<std::size_t>(i)] = 1;
  }
  return mask;
}

// ln of ((n - f)/f) e^{-gap/eps}; -inf when n == f.
double log_closed_form(Index n, Index f, double gap, double eps) {
  if (n == f) return -kInf;
  return std::log(static_cast<double>(n - f)) - std::log(static_cast<double>(f)) - gap / eps;
}

}  // namespace

double log_softmax_bs_bound(const Eigen::Ref<const Vector>& lambda, const std::vector<Index>& face, double eps) {
  check_eps(eps, "log_softmax_bs_bound");
  VASHISTA_CHECK(!face.empty(), ErrorKind::bad_input, "softmax_model: log_softmax_bs_bound: empty face");
  const auto mask = face_mask(lambda.size(), face, "log_softmax_bs_bound");
  LogSumExp out, in;
  for (Index i = 0; i < lambda.size(); ++i) (mask[i] ? in : out).add(-lambda[i] / eps);
  return out.value() - in.value();
}

double softmax_eps_star(const Eigen::Ref<const Vector>& lambda, const std::vector<Index>& face, double delta) {
  VASHISTA_CHECK(delta > 0, ErrorKind::bad_input, "softmax_model: softmax_eps_star: delta = {} must be > 0", delta);
  VASHISTA_CHECK(!face.empty(), ErrorKind::bad_input, "softmax_model: softmax_eps_star: empty face");
  const Index n = lambda.size();
  const auto mask = face_mask(n, face, "softmax_eps_star");
  Index f = 0;
  double max_in = -kInf, min_out = kInf;
  for (Index i = 0; i < n; ++i) {
    if (mask[i]) { ++f; max_in = std::max(max_in, lambda[i]); }
    else min_out = std::min(min_out, lambda[i]);
  }
  if (f == n) return kInf;
  VASHISTA_CHECK(min_out > max_in, ErrorKind::bad_input,
                 "softmax_model: softmax_eps_star: a key outside the face has lambda {} <= {} inside it", min_out,
                 max_in);
  // lim_{eps->inf} B_S = (n - f)/f; B_S is strictly below its limit for every finite eps.
  const double log_limit = std::log(static_cast<double>(n - f)) - std::log(static_cast<double>(f));
  const double log_delta = std::log(delta);
  if (log_limit <= log_delta) return kInf;
  auto g = [&](double eps) { return log_softmax_bs_bound(lambda, face, eps) - log_delta; };
  // Lower bracket: B_S <= ((n-f)/f) e^{-(min_out - max_in)/eps}, which equals delta at eps_lo.
  double lo = (min_out - max_in) / (log_limit - log_delta);
  double g_lo = g(lo);
  if (g_lo == 0) return lo;
  for (int k = 0; g_lo > 0 && k < 2000; ++k) { lo *= 0.5; g_lo = g(lo); }  // only by rounding
  double hi = lo * 2;
  double g_hi = g(hi);
  for (int k = 0; g_hi <= 0 && k < 4000; ++k) {
    lo = hi; g_lo = g_hi;
    hi *= 2;
    g_hi = g(hi);
  }
  if (!(g_hi > 0) || !(g_lo <= 0)) {
    VASHISTA_FAIL(ErrorKind::internal, "softmax_model: softmax_eps_star: could not bracket B_S(eps) = {}", delta);
  }
  if (g_lo == 0) return lo;
  std::uintmax_t iterations = 200;
  boost::math::tools::eps_tolerance<double> tolerance(50);
  auto [a, b] = boost::math::tools::toms748_solve(g, lo, hi, g_lo, g_hi, tolerance, iterations);
  // The largest eps with B_S <= delta: return the bracket end on the feasible side.
  return g(b) <= 0 ? b : a;
}

Index softmax_effective_support(const Eigen::Ref<const Vector>& scores, double eps, double delta) {
  check_scores(scores, "softmax_effective_support");
  check_eps(eps, "softmax_effective_support");
  VASHISTA_CHECK(delta > 0, ErrorKind::bad_input, "softmax_model: softmax_effective_support: delta = {} <= 0",
                 delta);
  const Index n = scores.size();
  std::vector<double> a(scores.data(), scores.data() + n);
  std::sort(a.begin(), a.end(), std::greater<double>());
  const double top = a.front();
  for (double& v : a) v = (v - top) / eps;
  // suffix[k] = LSE_{j >= k} a_j = ln(mass outside the top-k, unnormalised), accumulated from the
  // smallest term up; suffix[0] is LSE(all).
  std::vector<double> suffix(static_cast<std::size_t>(n) + 1, -kInf);
  LogSumExp acc;
  for (Index k = n - 1; k >= 0; --k) {
    acc.add(a[static_cast<std::size_t>(k)]);
    suffix[static_cast<std::size_t>(k)] = acc.value();
  }
  const double log_all = suffix[0];
  const double log_delta = std::log(delta);
  for (Index k = 0; k <= n; ++k) {
    if (suffix[static_cast<std::size_t>(k)] - log_all <= log_delta) return k;
  }
  return n;
}

double log_mass_outside(const Eigen::Ref<const Vector>& scores, double eps, const std::vector<Index>& inside) {
  check_scores(scores, "log_mass_outside");
  check_eps(eps, "log_mass_outside");
  const auto mask = face_mask(scores.size(), inside, "log_mass_outside");
  const double top = scores.maxCoeff();
  LogSumExp out, all;
  for (Index i = 0; i < scores.size(); ++i) {
    const double a = (scores[i] - top) / eps;
    all.add(a);
    if (!mask[i]) out.add(a);
  }
  return out.value() - all.value();
}

SoftmaxAnalysis analyze_softmax(const Eigen::Ref<const Vector>& scores, const SoftmaxOptions& options) {
  check_scores(scores, "analyze_softmax");
  check_eps(options.eps, "analyze_softmax");
  VASHISTA_CHECK(options.delta_target > 0, ErrorKind::bad_input,
                 "softmax_model: analyze_softmax: delta_target = {} must be > 0", options.delta_target);
  VASHISTA_CHECK(options.eta >= 0 && std::isfinite(options.eta), ErrorKind::bad_input,
                 "softmax_model: analyze_softmax: face tolerance eta = {} must be >= 0", options.eta);
  const Index n = scores.size();
  const double eps = options.eps;
  SoftmaxAnalysis r;
  r.lambda = scores.maxCoeff() - scores.array();
  double min_out = kInf;
  for (Index i = 0; i < n; ++i) {
    if (r.lambda[i] <= options.eta) r.face.push_back(i);
    else min_out = std::min(min_out, r.lambda[i]);
  }
  const Index f = static_cast<Index>(r.face.size());
  r.delta = f == n ? kNaN : min_out;
  r.log_tail_measured = log_mass_outside(scores, eps, r.face);
  r.log_bound_bs = log_softmax_bs_bound(r.lambda, r.face, eps);
  r.log_bound_closed = f == n ? -kInf : log_closed_form(n, f, r.delta - options.eta, eps);
  r.eps_star = softmax_eps_star(r.lambda, r.face, options.delta_target);
  if (f == n || static_cast<double>(n - f) <= static_cast<double>(f) * options.delta_target) {
    r.eps_star_closed = kInf;
  } else {
    r.eps_star_closed = (r.delta - options.eta) /
                        std::log(static_cast<double>(n - f) / (static_cast<double>(f) * options.delta_target));
  }
  r.k_eff = softmax_effective_support(scores, eps, options.delta_target);
  return r;
}

}  // namespace vashista
