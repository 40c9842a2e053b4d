#pragma once
// Softmax (score) model (docs/theory.md, section 1): scores s_i = scale * <q, k_i>,
// p_eps = softmax(s / eps); LP limit multipliers lambda_i = s_max - s_i >= 0;
// face F = {i : lambda_i <= eta}; support gap Delta = min_{i not in F} lambda_i.
//
// Theorem S: m_out(eps) = sum_{i not in F} e^{-lambda_i/eps} / sum_j e^{-lambda_j/eps}
//            <= B_S(eps) = sum_{i not in F} e^{-lambda_i/eps} / sum_{j in F} e^{-lambda_j/eps}
//            <= ((n - |F|)/|F|) e^{-(Delta - eta)/eps}.
// Everything is in the log domain: ln m_out = LSE(out) - LSE(all), never 1 - (mass on F).
//
// Monotonicity used by eps*(delta): with t = 1/eps, d/dt ln B_S = E_F[lambda] - E_out[lambda] < 0
// (E_. is the expectation under the softmax restricted to the set), because every lambda outside
// F exceeds eta >= every lambda in F. So B_S is increasing in eps for every eta >= 0 (the theory
// states it for eta = 0), B_S -> 0 as eps -> 0 and B_S -> (n - |F|)/|F| as eps -> inf.
#include "core/conventions.hpp"

#include <vector>

namespace vashista {

struct SoftmaxAnalysis {
  std::vector<Index> face;         // F (sorted key indices)
  Vector lambda;                   // lambda_i = s_max - s_i (n)
  double delta = kNaN;             // Delta = min_{i not in F} lambda_i; NaN when F holds every key
  double log_tail_measured = kNaN; // ln m_out(eps), exact log domain (-inf when F is every key)
  double log_bound_bs = kNaN;      // ln B_S(eps) (tight form of Theorem S)
  double log_bound_closed = kNaN;  // ln of ((n-|F|)/|F|) e^{-(Delta-eta)/eps} (-inf when F is every key)
  double eps_star = kNaN;          // largest eps with B_S(eps) <= delta_target (+inf when B_S never exceeds it)
  double eps_star_closed = kNaN;   // closed-form lower bound (Delta - eta) / ln((n-|F|)/(|F| delta_target))
                                   // (+inf when (n-|F|) <= |F| delta_target)
  Index k_eff = 0;                 // smallest k with exact mass outside the top-k <= delta_target, at eps
};

struct SoftmaxOptions {
  double eps = 1.0;           // softmax temperature
  double delta_target = 1e-3; // delta for eps*(delta), k_eff(delta) and "safe"
  double eta = 0.0;           // face tolerance (0 = exact ties)
};

/// Analysis of one query from its scores s (n). Throws Error(bad_input) on n = 0, non-finite
/// scores, eps <= 0, delta_target <= 0 or eta < 0.
SoftmaxAnalysis analyze_softmax(const Eigen::Ref<const Vector>& scores, const SoftmaxOptions& options);

/// ln m_out(eps) for an arbitrary index set `inside` (log domain, exact): LSE(out) - LSE(all).
double log_mass_outside(const Eigen::Ref<const Vector>& scores, double eps, const std::vector<Index>& inside);

/// ln B_S(eps) = LSE_{i not in F}(-lambda_i/eps) - LSE_{j in F}(-lambda_j/eps) (Theorem S, tight form).
/// -inf when F holds every key. `face` must be non-empty.
double log_softmax_bs_bound(const Eigen::Ref<const Vector>& lambda, const std::vector<Index>& face, double eps);

/// eps*(delta): the largest eps with B_S(eps) <= delta (Theorem S; bracketing root finder TOMS 748
/// on ln B_S(eps) = ln delta, bracketed below by the closed-form lower bound). Requires every lambda
/// outside F to exceed every lambda in F. +inf when (n - |F|)/|F| <= delta or F holds every key.
double softmax_eps_star(const Eigen::Ref<const Vector>& lambda, const std::vector<Index>& face, double delta);

/// k_eff(delta, eps): the smallest k such that the exact mass outside the k largest scores is
/// <= delta (log domain, O(n log n)). Ties do not matter: the mass outside the top-k is a function
/// of the sorted scores.
Index softmax_effective_support(const Eigen::Ref<const Vector>& scores, double eps, double delta);

}  // namespace vashista
