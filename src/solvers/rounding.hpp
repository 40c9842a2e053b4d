#pragma once

#include <limits>

namespace vashista {

/// Unit roundoff of IEEE double: u = 2^-53, so fl(a op b) = (a op b)(1 + delta) with |delta| <= u.
inline constexpr double kUnitRoundoff = std::numeric_limits<double>::epsilon() / 2;

/// gamma_k = k u / (1 - k u) (Higham, Accuracy and Stability of Numerical Algorithms, Lemma 3.1): a
/// product of k factors (1 + delta_i)^(+-1), |delta_i| <= u, lies within 1 +- gamma_k; an inner product
/// of length k computed in any order has error at most gamma_k sum |x_i y_i| (Section 3.1). Valid for k u < 1.
constexpr double rounding_gamma(double k) { return k * kUnitRoundoff / (1.0 - k * kUnitRoundoff); }

}  // namespace vashista
