// gram_inverse_bound (solvers/gram_inverse_bound.hpp): a rigorous upper bound on ||G^{-1}||_2, checked
// against the smallest eigenvalue of the stored matrix computed in long double.
#include "solvers/gram_inverse_bound.hpp"

#include <doctest/doctest.h>

#include <Eigen/Eigenvalues>
#include <Eigen/QR>

#include <cmath>
#include <limits>
#include <random>

using namespace vashista;

namespace {

using LongMatrix = Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>;

// U diag(lambda) U^T rounded to double, with U a random orthogonal matrix and eigenvalues spread
// geometrically from 1 down to 1 / condition, or (one_small) all 1 but the last, 1 / condition.
Eigen::MatrixXd spd_matrix(Index m, double condition, std::mt19937_64& rng, bool one_small = false) {
  std::normal_distribution<double> normal;
  const Eigen::MatrixXd random = Eigen::MatrixXd::NullaryExpr(m, m, [&](Index, Index) { return normal(rng); });
  const Eigen::MatrixXd u = Eigen::HouseholderQR<Eigen::MatrixXd>(random).householderQ();
  Vector lambda(m);
  for (Index j = 0; j < m; ++j)
    lambda[j] = m == 1 ? 1.0
                : one_small ? (j + 1 == m ? 1.0 / condition : 1.0)
                            : std::pow(condition, -static_cast<double>(j) / static_cast<double>(m - 1));
  Eigen::MatrixXd g = u * lambda.asDiagonal() * u.transpose();
  return (g + g.transpose()) / 2.0;  // exactly symmetric
}

// Smallest eigenvalue of the stored (double) matrix, in long double.
long double smallest_eigenvalue(const Eigen::MatrixXd& g) {
  const LongMatrix exact = g.cast<long double>();
  return Eigen::SelfAdjointEigenSolver<LongMatrix>(exact, Eigen::EigenvaluesOnly).eigenvalues().minCoeff();
}

constexpr double kTiny = 1e-320;

}  // namespace

TEST_CASE("gram inverse bound: valid and within a small factor for well-conditioned matrices") {
  std::mt19937_64 rng(26);
  for (Index m : {1, 2, 5, 17, 40, 129}) {
    for (double condition : {1.0, 1e3, 1e8, 1e11}) {
      CAPTURE(m);
      CAPTURE(condition);
      const Eigen::MatrixXd g = spd_matrix(m, condition, rng);
      const long double lambda_min = smallest_eigenvalue(g);
      REQUIRE(lambda_min > 0);
      const double bound = gram_inverse_bound(g, 0.0, kTiny);
      REQUIRE(std::isfinite(bound));
      // Valid: ||G^{-1}|| = 1 / lambda_min (the long double eigenvalue is accurate to ~1e-19 ||G||).
      CHECK(static_cast<long double>(bound) * lambda_min >= 1.0L - 1e-6L);
      // Useful: the shift is half an estimate that is >= lambda_min, so about 2 / lambda_min.
      CHECK(static_cast<long double>(bound) * lambda_min <= 2.5L);
    }
  }
}

TEST_CASE("gram inverse bound: the error of the computed matrix is covered") {
  std::mt19937_64 rng(27);
  for (Index m : {3, 30}) {
    const Eigen::MatrixXd g = spd_matrix(m, 1e4, rng);
    const long double lambda_min = smallest_eigenvalue(g);
    // Any G with ||G - g||_F <= e has lambda_min(G) >= lambda_min(g) - e, and G = g - e I attains it.
    const double e = static_cast<double>(0.1L * lambda_min);
    const double bound = gram_inverse_bound(g, e, kTiny);
    REQUIRE(std::isfinite(bound));
    CHECK(static_cast<long double>(bound) * (lambda_min - e) >= 1.0L - 1e-6L);
    // An error as large as lambda_min itself leaves nothing to prove.
    CHECK(std::isinf(gram_inverse_bound(g, static_cast<double>(lambda_min), kTiny)));
  }
}

TEST_CASE("gram inverse bound: near-singular matrices (the approximate-inverse fallback)") {
  // Eigenvalues 1 (39 times) and 1e-13: the shifts' rounding loss (gamma_41 tr G ~ 2e-13) exceeds half of
  // lambda_min, both shifted factorisations fail, and Rump's bound (theta ~ 40 u 1e13 ~ 0.04) decides.
  // At 1e15 nothing is provable; in between either outcome is allowed, but a bound must be valid.
  std::mt19937_64 rng(28);
  for (double condition : {1e12, 1e13, 1e14, 1e15}) {
    CAPTURE(condition);
    const Eigen::MatrixXd g = spd_matrix(40, condition, rng, true);
    const long double lambda_min = smallest_eigenvalue(g);
    const double bound = gram_inverse_bound(g, 0.0, kTiny);
    if (condition <= 1e13) REQUIRE(std::isfinite(bound));
    if (lambda_min <= 0) {
      CHECK(std::isinf(bound));
    } else if (std::isfinite(bound)) {
      CHECK(static_cast<long double>(bound) * lambda_min >= 1.0L - 1e-3L);
    }
  }
}

TEST_CASE("gram inverse bound: singular, indefinite and non-finite matrices give no bound") {
  std::mt19937_64 rng(29);
  std::normal_distribution<double> normal;
  // D^T D with two equal columns of D: singular (its computed Gram matrix is at most rounding away).
  Eigen::MatrixXd d = Eigen::MatrixXd::NullaryExpr(16, 6, [&](Index, Index) { return normal(rng); });
  d.col(4) = d.col(1);
  const Eigen::MatrixXd singular = d.transpose() * d;
  const long double lambda_min = smallest_eigenvalue(singular);
  const double bound = gram_inverse_bound(singular, 0.0, kTiny);
  if (lambda_min <= 0) {
    CHECK(std::isinf(bound));
  } else if (std::isfinite(bound)) {
    CHECK(static_cast<long double>(bound) * lambda_min >= 1.0L - 1e-3L);
  }
  // Once the rounding of the products is accounted for (as the linear certificate does), no bound.
  const double product_error = 18.0 * std::numeric_limits<double>::epsilon() * d.squaredNorm();
  CHECK(std::isinf(gram_inverse_bound(singular, product_error, kTiny)));
  Eigen::MatrixXd indefinite = spd_matrix(5, 10.0, rng);
  indefinite(2, 2) = -1.0;
  CHECK(std::isinf(gram_inverse_bound(indefinite, 0.0, kTiny)));
  Eigen::MatrixXd nan = spd_matrix(4, 10.0, rng);
  nan(3, 1) = std::numeric_limits<double>::quiet_NaN();
  CHECK(std::isinf(gram_inverse_bound(nan, 0.0, kTiny)));
}
