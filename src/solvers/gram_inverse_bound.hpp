#pragma once
// A rigorous upper bound on ||G^{-1}||_2 for a symmetric positive definite G known only through a
// computed G^ with ||G - G^||_F <= e (the Gram matrix of the linear certificate, docs/theory.md section 2).
//
// Shifted Cholesky (the default, O(m^3 / 3)). Higham, "Accuracy and Stability of Numerical Algorithms",
// Theorem 10.3: when the Cholesky factorisation of a symmetric A runs to completion in floating point,
// the computed factor satisfies L^ L^T = A + E with |E| <= gamma_{m+1} |L^||L^T|; with
// ||E||_2 <= gamma_{m+1} ||L^||_F^2 and ||L^||_F^2 = tr(A + E) <= tr(A) / (1 - gamma_{m+1}):
//   ||E||_2 <= gamma_{m+1} tr(A) / (1 - gamma_{m+1}).
// For A^ = fl(G^ - s I) (|A^_jj - (G^_jj - s)| <= u |A^_jj| / (1 - u)) whose factorisation completes,
// G^ = L^ L^T - E + s I - F with L^ L^T >= 0, hence
//   lambda_min(G) >= s - u' max_j A^_jj - gamma_{m+1} tr(A^) / (1 - gamma_{m+1}) - e =: lambda_lo,
// and ||G^{-1}||_2 <= 1 / lambda_lo when lambda_lo > 0. The shift s is half an estimate of lambda_min(G^)
// (inverse iteration with the factor of G^), then an eighth of it; the factorisations here are the
// unblocked textbook order, to which the theorem applies as stated.
//
// Approximate inverse (the fallback when both shifts fail: G near-singular at the shift's margin, O(m^3)):
// with R ~ G^{-1} (from the factor of G^), theta = ||I - R G||_F <= ||I - fl(R G^)||_F + gamma_m ||R||_F
// ||G^||_F + ||R||_F e (Rump's argument); theta < 1/2 gives ||G^{-1}||_2 <= ||R||_F / (1 - theta).
//
// Every bound is inflated by (1 + 64 u) for the rounding of its own evaluation, and carries an absolute
// floor for subnormal rounding (`tiny` per entry, as the caller's e does).
#include "core/conventions.hpp"

namespace vashista {

/// Upper bound on ||G^{-1}||_2 where ||G - gram||_F <= gram_error and `gram` is symmetric (only its lower
/// triangle is read); `tiny` is the absolute (subnormal) rounding floor of one entry. Returns +inf when
/// neither method proves G positive definite.
double gram_inverse_bound(const Eigen::MatrixXd& gram, double gram_error, double tiny);

}  // namespace vashista
