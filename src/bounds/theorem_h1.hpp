#pragma once
// Theorem H1 (a-priori exponential tail, docs/theory.md, section 2). Hull model, hull regulariser eps.
//   If eps <= eps0 := Delta^2 / (8 D^2 ln n), then
//   m_out(eps) = sum_{i not in F} p_eps,i <= sum_{i not in F} e^{-lambda_i/(2 eps)} <= (n - |F|) e^{-Delta/(2 eps)},
// lambda_i = <x* - k_i, r*>, F the active face, Delta = min_{i not in F} lambda_i,
// D_i = max_{j in F} ||k_i - k_j||, D = max_{i not in F} D_i (bounds/face_geometry.hpp).
#include "core/conventions.hpp"

#include <vector>

namespace vashista {

struct TheoremH1 {
  bool applicable = false;        // eps <= eps0
  double eps0 = kNaN;             // Delta^2 / (8 D^2 ln n); +inf when F holds every key, D = 0 or n = 1
  double log_bound = kNaN;        // ln sum_{i not in F} e^{-lambda_i/(2 eps)}   (-inf when F holds every key)
  double log_bound_closed = kNaN; // ln(n - |F|) - Delta/(2 eps)
};

/// eps0 = Delta^2 / (8 D^2 ln n) (Theorem H1); +inf when D == 0 or n == 1; NaN when Delta is NaN.
double theorem_h1_eps0(double delta, double d_max, Index n);

/// Theorem H1 from the multipliers lambda (n), the face F and D = max_{i not in F} D_i.
TheoremH1 theorem_h1(const Eigen::Ref<const Vector>& lambda, const std::vector<Index>& face, double d_max,
                     double eps);

}  // namespace vashista
