#pragma once
// Theorem H2 (a-posteriori tail, any eps; docs/theory.md, section 2). Hull model, hull regulariser eps.
//   m_out(eps) <= sum_{i not in F} min(1, e^{(D_i rho(eps) - lambda_i)/eps}),   rho(eps) = ||x_eps - x*||,
// D_i = max_{j in F} ||k_i - k_j|| (bounds/face_geometry.hpp).
// rho must be an upper bound of the true ||x_eps - x*|| for the result to be a bound (e.g. the
// computed distance plus the solves' error bars).
#include "core/conventions.hpp"

#include <vector>

namespace vashista {

/// ln sum_{i not in F} min(1, e^{(D_i rho - lambda_i)/eps}); -inf when F holds every key.
/// lambda, distances: n; rho >= 0; eps > 0.
double theorem_h2_log_bound(const Eigen::Ref<const Vector>& lambda, const Eigen::Ref<const Vector>& distances,
                            const std::vector<Index>& face, double rho, double eps);

}  // namespace vashista
