#pragma once
// Compensated dot product (Ogita, Rump and Oishi, "Accurate sum and dot product", SIAM J. Sci. Comput.
// 26(6), 2005, Algorithm 5.3 "Dot2"), kept as the unevaluated pair hi + lo.
//
// Error-free transformations: two_product(a, b) = (h, r) with h = fl(a b), r = a b - h exactly (one
// fused multiply-add); two_sum(a, b) = (s, t) with s = fl(a + b), t = a + b - s exactly (Knuth, six
// additions, no branch). Dot2 accumulates the products' hi parts with two_sum and every rounding error
// in a second, plain sum. The paper's Theorem 5.3 bounds the rounded result fl(hi + lo) by
// u |<a, b>| + gamma_k^2 sum_j |a_j b_j|; the pair hi + lo itself (its proof, before that last rounding)
// is within gamma_k^2 sum_j |a_j b_j|. vashista uses twice that, with k + 1 for the fma's:
//     |hi + lo - <a, b>| <= 2 gamma_{k+1}^2 sum_j |a_j b_j| <= 2 gamma_{k+1}^2 ||a|| ||b||,   k = length,
// i.e. the dot product "as if computed in twice the working precision": used where a sum of large terms
// cancels to a small one that is divided by a tiny number afterwards (the entropic logits <k_i, y>/eps,
// solvers/entropic_hull.cpp).
#include "core/conventions.hpp"
#include "solvers/rounding.hpp"

#include <cmath>

namespace vashista {

/// The unevaluated sum hi + lo of a compensated dot product.
struct DoubleDouble {
  double hi = 0;
  double lo = 0;
};

/// Dot2 of a (length k, unit stride) and b: hi + lo within compensated_dot_error_factor(k) sum |a_j b_j|.
inline DoubleDouble compensated_dot(const double* a, const double* b, Index k) {
  double hi = 0, lo = 0;
  for (Index j = 0; j < k; ++j) {
    const double h = a[j] * b[j];
    const double r = std::fma(a[j], b[j], -h);  // two_product: a b = h + r exactly
    const double s = hi + h;                    // two_sum(hi, h): hi + h = s + t exactly
    const double z = s - hi;
    const double t = (hi - (s - z)) + (h - z);
    hi = s;
    lo += t + r;
  }
  return {hi, lo};
}

/// 2 gamma_{k+1}^2 of the Dot2 bound above.
inline double compensated_dot_error_factor(Index k) {
  const double g = rounding_gamma(static_cast<double>(k + 1));
  return 2 * g * g;
}

}  // namespace vashista
