#pragma once
// Theorem H3 (face error is linear in eps; docs/theory.md, section 2). Hull model.
//   If the keys of F are affinely independent and strict complementarity holds (p*_F > 0),
//   x_eps = x* + eps x' + o(eps),  x' = K_F^T p',  [[G, 1], [1^T, 0]] [p'; mu] = [-ln p*_F; 0],  G = K_F K_F^T,
//   so rho(eps)/eps -> ||x'|| as eps -> 0.
// Stable solve (no Gram matrix): with p' = Z w, Z = [e_{j+1} - e_1]_j (so 1^T p' = 0), the system
// reduces to E x' = c, x' in range(E^T), where E has rows k_{j+1} - k_1 (j = 1..m-1) and
// c_j = ln p*_1 - ln p*_{j+1}: x' is the minimum-norm solution of E x' = c. It is computed by a
// column-pivoted Householder QR of E^T (d x (m-1)); the face is affinely dependent (Theorem H3 not
// applicable) when the numerical rank of E is below m - 1.
#include "core/conventions.hpp"

#include <string>
#include <vector>

namespace vashista {

struct TheoremH3 {
  bool applicable = false;  // keys of F affinely independent and p*_F > 0
  Vector x_prime;           // x' (d)
  Vector p_prime;           // p' (|F|, sums to 0), in the order of `face`
  double x_prime_norm = kNaN;  // ||x'|| = lim rho(eps)/eps
  double condition = kNaN;  // |R_11| / |R_mm| of the QR of E^T (affine conditioning of the face)
  std::string message;      // why not applicable
};

/// Relative pivot threshold below which the face counts as affinely dependent.
constexpr double kAffineRankThreshold = 1e-10;

/// x' and ||x'|| for the face F (indices into the keys, n x d) with weights p*_F (same order, > 0).
TheoremH3 theorem_h3(const Eigen::Ref<const Matrix>& keys, const std::vector<Index>& face,
                     const Eigen::Ref<const Vector>& face_weights);

}  // namespace vashista
