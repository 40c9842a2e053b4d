#include "solvers/gram_inverse_bound.hpp"

#include "solvers/rounding.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace vashista {

namespace {

constexpr double kInflate = 1.0 + 64.0 * kUnitRoundoff;
constexpr int kInverseIterations = 4;  // enough for the first shift on the benchmark's corrals (2 left some to the second)


// In place, lower triangle: A = L L^T by columns (column j = A(j:m, j) - sum_{k<j} L(j, k) L(j:m, k), then
// scaled by its pivot's square root); each entry is one inner product of length <= m and one division,
// the algorithm of Higham's Theorem 10.3 (any summation order). False at a pivot that is not > 0.
// Plain loops on the column-major storage: Eigen's segment expressions cost more than the arithmetic at
// the corral's sizes (m ~ 10-40).
bool cholesky_in_place(Eigen::MatrixXd& matrix) {
  const Index m = matrix.rows();
  double* a = matrix.data();
  for (Index j = 0; j < m; ++j) {
    double* __restrict column = a + j * m;
    for (Index k = 0; k < j; ++k) {
      const double* __restrict previous = a + k * m;
      const double l_jk = previous[j];
      for (Index i = j; i < m; ++i) column[i] -= l_jk * previous[i];
    }
    const double pivot = column[j];
    if (!(pivot > 0) || !std::isfinite(pivot)) return false;
    const double root = std::sqrt(pivot);
    column[j] = root;
    for (Index i = j + 1; i < m; ++i) column[i] /= root;
  }
  return true;
}

// x <- (L L^T)^{-1} x for the factor of cholesky_in_place (forward by columns, backward by dot products
// with the columns: both read L contiguously).
void solve_with_factor(const Eigen::MatrixXd& factor, Vector& x) {
  const Index m = factor.rows();
  const double* l = factor.data();
  double* __restrict y = x.data();
  for (Index k = 0; k < m; ++k) {
    const double* __restrict column = l + k * m;
    y[k] /= column[k];
    for (Index i = k + 1; i < m; ++i) y[i] -= column[i] * y[k];
  }
  for (Index i = m; i-- > 0;) {
    const double* __restrict column = l + i * m;
    double sum = y[i];
    for (Index k = i + 1; k < m; ++k) sum -= column[k] * y[k];
    y[i] = sum / column[i];
  }
}

// An estimate (not a bound) of lambda_min(G^) by inverse iteration with its Cholesky factor.
double smallest_eigenvalue_estimate(const Eigen::MatrixXd& factor) {
  const Index m = factor.rows();
  Vector x(m);
  for (Index j = 0; j < m; ++j) x[j] = 1.0 + 0.5 * std::sin(static_cast<double>(j + 1));  // not special
  x.normalize();
  double estimate = std::numeric_limits<double>::quiet_NaN();
  for (int it = 0; it < kInverseIterations; ++it) {
    solve_with_factor(factor, x);
    const double norm = x.norm();
    if (!(norm > 0) || !std::isfinite(norm)) return std::numeric_limits<double>::quiet_NaN();
    estimate = 1.0 / norm;  // ||x_prev|| = 1
    x /= norm;
  }
  return estimate;
}

// lambda_lo of the header for the shift s, or 0 when the factorisation of fl(G^ - s I) does not complete.
double shifted_lower_bound(const Eigen::MatrixXd& gram, double s, double gram_error, double tiny) {
  const Index m = gram.rows();
  Eigen::MatrixXd a = gram;
  double trace = 0, max_diagonal = 0;
  for (Index j = 0; j < m; ++j) {
    a(j, j) -= s;
    trace += a(j, j);
    max_diagonal = std::max(max_diagonal, a(j, j));
  }
  if (!cholesky_in_place(a)) return 0.0;
  trace *= 1.0 + rounding_gamma(static_cast<double>(m));  // the rounding of its own sum
  const double g = rounding_gamma(static_cast<double>(m) + 1.0);
  const double up = rounding_gamma(1.0);  // u / (1 - u)
  const double loss = (up * max_diagonal + g / (1.0 - g) * trace + gram_error + static_cast<double>(m) * tiny) * kInflate;
  return s * (1.0 - 4.0 * kUnitRoundoff) - loss;
}

// Rump's bound from the approximate inverse R = (L L^T)^{-1}, or inf.
double approximate_inverse_bound(const Eigen::MatrixXd& gram, const Eigen::MatrixXd& factor, double gram_error) {
  const Index m = gram.rows();
  Eigen::MatrixXd full = gram.selfadjointView<Eigen::Lower>();
  Eigen::MatrixXd inverse = Eigen::MatrixXd::Identity(m, m);
  factor.triangularView<Eigen::Lower>().solveInPlace(inverse);
  factor.triangularView<Eigen::Lower>().transpose().solveInPlace(inverse);
  if (!inverse.allFinite()) return kInf;
  const Eigen::MatrixXd residual = Eigen::MatrixXd::Identity(m, m) - inverse * full;
  const double rfro = inverse.norm();
  const double theta = (residual.norm() + rounding_gamma(static_cast<double>(m)) * rfro * full.norm() + rfro * gram_error) * kInflate;
  if (!(theta < 0.5)) return kInf;
  return rfro / (1.0 - theta) * kInflate;
}

}  // namespace

double gram_inverse_bound(const Eigen::MatrixXd& gram, double gram_error, double tiny) {
  Eigen::MatrixXd factor = gram;
  if (!cholesky_in_place(factor)) return kInf;
  const double estimate = smallest_eigenvalue_estimate(factor);
  if (estimate > 0) {
    for (double fraction : {0.5, 0.125}) {
      const double lower = shifted_lower_bound(gram, fraction * estimate, gram_error, tiny);
      if (lower > 0) return kInflate / lower;
    }
  }
  return approximate_inverse_bound(gram, factor, gram_error);
}

}  // namespace vashista
