#pragma once
// Softmax (score) model (docs/theory.md, section 1): scores s_i = scale * <q, k_i>,
// p_eps = softmax(s / eps); LP limit multipliers lambda_i = s_max - s_i >= 0;
// face F = {i : lambda_i <= eta}; support gap Delta = min_{i not in F} lambda_i.
//
// Theorem S: m_out(eps) = sum_{i not in F} e^{-lambda_i/eps} / sum_j e^{-lambda_j/eps}
//            <= B_S(eps) = sum_{i not in F} e^{-lambda_i/eps} / sum_{j in F} e^{-lambda_j/eps}
//            <= ((n - |F|)/|F|) e^{-(Delta - eta)/eps}.
#include "core/conventions.hpp"

#include <vector>

namespace vashista {

struct SoftmaxAnalysis {
  std::vector<Index> face;         // F (sorted key indices)
  Vector lambda;                   // lambda_i = s_max - s_i (n)
  double delta = kNaN;             // Delta = min_{i not in F} lambda_i; NaN when F holds every key
  double log_tail_measured = kNaN; // ln m_out(eps), exact log domain (-inf when F is every key)
  double log_bound_bs = kNaN;      // ln B_S(eps) (tight form of Theorem S)
  double log_bound_closed = kNaN;  // ln of ((n-|F|)/|F|) e^{-(Delta-eta)/eps}
  double eps_star = kNaN;          // largest eps with B_S(eps) <= delta_target (inf if always; NaN if never)
  double eps_star_closed = kNaN;   // closed-form lower bound Delta / ln((n-|F|)/(|F| delta_target))
  Index k_eff = 0;                 // smallest k with exact mass outside the top-k <= delta_target, at eps
};

struct SoftmaxOptions {
  double eps = 1.0;           // softmax temperature
  double delta_target = 1e-3; // delta for eps*(delta), k_eff(delta) and "safe"
  double eta = 0.0;           // face tolerance (0 = exact ties)
};

/// Analysis of one query from its scores s (n).
SoftmaxAnalysis analyze_softmax(const Eigen::Ref<const Vector>& scores, const SoftmaxOptions& options);

/// ln m_out(eps) for an arbitrary index set `inside` (log domain, exact): LSE(out) - LSE(all).
double log_mass_outside(const Eigen::Ref<const Vector>& scores, double eps, const std::vector<Index>& inside);

}  // namespace vashista
