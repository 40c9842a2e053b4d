#pragma once
// Theorem S (docs/theory.md, section 1): for any index set F and eps > 0,
//   m_out(eps) = sum_{i not in F} e^{-lambda_i/eps} / sum_j e^{-lambda_j/eps}          (identity)
//             <= B_S(eps) = sum_{i not in F} e^{-lambda_i/eps} / sum_{j in F} e^{-lambda_j/eps}
//             <= ((n - |F|)/|F|) e^{-(Delta - eta)/eps}                                  (closed form),
// lambda_i = s_max - s_i, F = {i : lambda_i <= eta}, Delta = min_{i not in F} lambda_i. All in logs.
#include "core/conventions.hpp"

#include <vector>

namespace vashista {

struct TheoremS {
  std::vector<Index> face;      // F
  double delta = kNaN;          // Delta (NaN when F holds every key)
  double log_tail = kNaN;       // ln m_out(eps) (identity, exact; -inf when F holds every key)
  double log_bound_bs = kNaN;   // ln B_S(eps)
  double log_bound_closed = kNaN;  // ln ((n-|F|)/|F|) - (Delta - eta)/eps
};

/// Theorem S for the scores s (n) at softmax temperature eps, face tolerance eta.
TheoremS theorem_s(const Eigen::Ref<const Vector>& scores, double eps, double eta = 0.0);

}  // namespace vashista
