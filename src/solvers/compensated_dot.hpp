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

/// two_sum: a + b = sum + error exactly, sum = fl(a + b) (Knuth; no branch, no overflow assumed).
inline double two_sum(double a, double b, double& error) {
  const double sum = a + b;
  const double z = sum - a;
  error = (a - (sum - z)) + (b - z);
  return sum;
}

/// One step of a compensated sum: hi + lo += a (hi renewed by two_sum, its error into lo).
inline void compensated_add(double& hi, double& lo, double a) {
  double error = 0;
  hi = two_sum(hi, a, error);
  lo += error;
}

/// One step of a compensated dot product: hi + lo += a b (two_product by a fused multiply-add: a b = h + r
/// exactly unless it underflows; then two_sum of hi and h).
inline void compensated_add_product(double& hi, double& lo, double a, double b) {
  const double h = a * b;
  const double r = std::fma(a, b, -h);
  double error = 0;
  hi = two_sum(hi, h, error);
  lo += error + r;
}

/// Dot2 of a (length k, unit stride) and b: hi + lo within compensated_dot_error_factor(k) sum |a_j b_j|.
inline DoubleDouble compensated_dot(const double* a, const double* b, Index k) {
  DoubleDouble out;
  for (Index j = 0; j < k; ++j) compensated_add_product(out.hi, out.lo, a[j], b[j]);
  return out;
}

/// 2 gamma_{k+1}^2 of the Dot2 bound above.
inline double compensated_dot_error_factor(Index k) {
  const double g = rounding_gamma(static_cast<double>(k + 1));
  return 2 * g * g;
}

}  // namespace vashista
