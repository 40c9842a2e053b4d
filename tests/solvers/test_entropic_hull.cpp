// Entropic hull problem (docs/theory.md, sections 2-3): brute-force primal, duality gap, KKT,
// continuation to eps = 1e-4 eps0 on planted instances.
#include "bounds/face_geometry.hpp"
#include "bounds/theorem_h1.hpp"
#include "bounds/theorem_h3.hpp"
#include "core/error.hpp"
#include "solvers/entropic_hull.hpp"
#include "solvers/test_entropic_planted.hpp"

#include <Eigen/QR>
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <vector>

using namespace vashista;

namespace {

// Brute-force primal: entropic mirror descent in long double,
//   ln p <- (1 - eta eps) ln p - eta K (K^T p - q), renormalised, eta = 1/L, L = max_i ||k_i||^2
// (relative smoothness w.r.t. the entropy). Linear rate (1 - eps/L). Returns ln p.
std::vector<long double> mirror_descent(const Matrix& k, const Vector& q, double eps, int iterations) {
  const Index n = k.rows(), d = k.cols();
  long double big = 0;
  for (Index i = 0; i < n; ++i) big = std::max<long double>(big, k.row(i).squaredNorm());
  const long double eta = 1.0L / big;
  std::vector<long double> lp(n, -std::log(static_cast<long double>(n))), x(d);
  for (int it = 0; it < iterations; ++it) {
    std::fill(x.begin(), x.end(), 0.0L);
    for (Index i = 0; i < n; ++i) {
      const long double pi = std::exp(lp[i]);
      for (Index c = 0; c < d; ++c) x[c] += pi * k(i, c);
    }
    long double top = -1e300L;
    for (Index i = 0; i < n; ++i) {
      long double gi = 0;
      for (Index c = 0; c < d; ++c) gi += k(i, c) * (x[c] - q[c]);
      lp[i] = (1 - eta * eps) * lp[i] - eta * gi;
      top = std::max(top, lp[i]);
    }
    long double s = 0;
    for (Index i = 0; i < n; ++i) s += std::exp(lp[i] - top);
    const long double lse = top + std::log(s);
    for (Index i = 0; i < n; ++i) lp[i] -= lse;
  }
  return lp;
}

}  // namespace

TEST_CASE("entropic: matches a brute-force long-double mirror-descent primal solve at small n") {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal;
  for (int trial = 0; trial < 4; ++trial) {
    const Index n = 6, d = 3;
    Matrix k(n, d);
    Vector q(d);
    for (Index i = 0; i < n; ++i)
      for (Index c = 0; c < d; ++c) k(i, c) = normal(rng);
    for (Index c = 0; c < d; ++c) q[c] = 2 * normal(rng);
    for (double eps : {1.0, 0.2, 0.05}) {
      const EntropicSolve s = solve_entropic(k, q, eps);
      REQUIRE(s.status == EntropicStatus::converged);
      const auto lp = mirror_descent(k, q, eps, 60000);
      for (Index i = 0; i < n; ++i) CHECK(s.log_p[i] == doctest::Approx(static_cast<double>(lp[i])).epsilon(1e-9));
      CHECK(std::abs(s.log_p.array().exp().sum() - 1) < 1e-14);
    }
  }
}

TEST_CASE("entropic: duality gap is >= 0, equals primal - dual and goes to 0; KKT p_i ∝ exp(<k_i, r>/eps)") {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  const Index n = 200, d = 16;
  Matrix k(n, d);
  Vector q(d);
  for (Index i = 0; i < n; ++i)
    for (Index c = 0; c < d; ++c) k(i, c) = normal(rng);
  for (Index c = 0; c < d; ++c) q[c] = 3 * normal(rng);
  const double eps = 0.5;
  EntropicOptions o;
  const Vector y0 = k.colwise().mean().transpose() - q;
  double previous = kInf;
  for (int iters : {0, 1, 2, 3, 5, 8, 30}) {
    o.max_newton_iterations = iters;
    const EntropicSolve s = solve_entropic_from(k, q, eps, y0, o);
    CHECK(s.duality_gap >= 0);
    CHECK(s.primal_minus_dual >= -1e-13);
    // the two objectives are computed separately: their difference carries rounding ~ n u (|P| + |D|)
    const double rounding = static_cast<double>(n) * 1.2e-16 * (std::abs(s.primal_objective) + std::abs(s.dual_objective));
    INFO("P = " << s.primal_objective << " D = " << s.dual_objective << " P-D = " << s.primal_minus_dual);
    CHECK(std::abs(s.primal_minus_dual - s.duality_gap) <= rounding);
    CHECK(s.duality_gap <= previous * (1 + 1e-12));
    previous = s.duality_gap;
  }
  CHECK(previous < 1e-26);
  o.max_newton_iterations = 100;
  const EntropicSolve s = solve_entropic_from(k, q, eps, y0, o);
  REQUIRE(s.status == EntropicStatus::converged);
  // KKT: ln p_i - <k_i, r_eps>/eps is the same constant for every i (r_eps = q - x_eps)
  const Vector r = q - s.x;
  const Vector c = s.log_p - k * r / eps;
  CHECK(c.maxCoeff() - c.minCoeff() < 1e-11);
  // y* = x_eps - q
  CHECK((s.y - (s.x - q)).norm() < 1e-12);
}

TEST_CASE("entropic: continuation reaches eps = 1e-4 eps0 on planted instances; x_eps -> x*") {
  std::mt19937_64 rng(17);
  for (int trial = 0; trial < 6; ++trial) {
    const Index n = 64 + 32 * trial, d = 8, m = 2 + trial % 5;
    const auto pl = testing::make_planted(rng, n, d, m, 1.0, 0.3, 2.0);
    const auto& h = pl.projection;
    const FaceGeometry geo = face_geometry(pl.keys, h.face);
    const double eps0 = theorem_h1_eps0(h.delta, geo.d_max, n);
    REQUIRE(eps0 > 0);
    EntropicOptions o;
    o.face = h.face;
    std::vector<double> eps_values;
    for (double f : {1.0, 1e-1, 1e-2, 1e-3, 1e-4}) eps_values.push_back(f * eps0);
    const auto solves = solve_entropic_sweep(pl.keys, pl.q, eps_values, o);
    for (std::size_t j = 0; j < solves.size(); ++j) {
      const EntropicSolve& s = solves[j];
      INFO("trial " << trial << " eps/eps0 = " << eps_values[j] / eps0 << " " << s.message);
      CHECK(s.status == EntropicStatus::converged);
      CHECK(s.eps == eps_values[j]);
      CHECK(tail_comparable(s, 1e-6));
      CHECK(s.log_tail < -h.delta / (2 * s.eps));                    // far below: Theorem H1's rate
      CHECK((s.x - h.x).norm() <= std::sqrt(2 * s.eps * std::log(static_cast<double>(n))) + 1e-12);  // 1/2 rho^2 <= eps ln n
      const TailEstimate t = entropic_log_mass_outside(pl.keys, s, h.face);
      CHECK(t.log_mass == s.log_tail);
      CHECK(t.log_error == s.log_tail_error);
    }
  }
}

TEST_CASE("entropic: a sweep returns the same solutions as single solves, in input order") {
  std::mt19937_64 rng(23);
  const auto pl = testing::make_planted(rng, 100, 6, 3, 0.8, 0.5, 1.5);
  EntropicOptions o;
  o.face = pl.projection.face;
  const std::vector<double> eps{1e-3, 0.3, 1e-5, 3e-2};
  const auto sweep = solve_entropic_sweep(pl.keys, pl.q, eps, o);
  for (std::size_t j = 0; j < eps.size(); ++j) {
    const EntropicSolve single = solve_entropic(pl.keys, pl.q, eps[j], o);
    REQUIRE(single.status == EntropicStatus::converged);
    REQUIRE(sweep[j].status == EntropicStatus::converged);
    CHECK(sweep[j].eps == eps[j]);
    CHECK((sweep[j].x - single.x).norm() < 1e-11);
    CHECK(sweep[j].log_tail == doctest::Approx(single.log_tail).epsilon(1e-8));
  }
}

TEST_CASE("entropic: degenerate inputs (n = 1, duplicate keys, q inside the hull) and bad input") {
  Matrix one(1, 3);
  one << 1, 2, 3;
  Vector q(3);
  q << 0, 0, 0;
  const EntropicSolve s1 = solve_entropic(one, q, 1e-6);
  CHECK(s1.status == EntropicStatus::converged);
  CHECK(s1.log_p[0] == doctest::Approx(0.0).scale(1.0));
  CHECK((s1.x - one.row(0).transpose()).norm() < 1e-14);

  Matrix dup(3, 2);
  dup << 1, 0, 1, 0, -1, 0;
  Vector qi(2);
  qi << 0.0, 0.5;
  EntropicOptions o;
  const EntropicSolve s2 = solve_entropic(dup, qi, 1e-3, o);
  CHECK(s2.status == EntropicStatus::converged);
  CHECK(s2.log_p[0] == doctest::Approx(s2.log_p[1]).epsilon(1e-12));  // duplicates share their mass

  CHECK_THROWS_AS(solve_entropic(dup, qi, 0.0), Error);
  Vector bad(3);
  bad << 0, 0, 0;
  CHECK_THROWS_AS(solve_entropic(dup, bad, 1.0), Error);
}

namespace {

// Entropic tails of a rotated planted instance against the H3 expansion: as eps -> 0, for any j in F
// (Theorem H3, x' = lim (x_eps - x*)/eps),
//   ln m_out(eps) = ln p*_j + LSE_{i not in F} (-lambda_i/eps - <k_i - k_j, x'>) + O(eps),
// with lambda from the planted instance. The instance is rotated at random (a planted one has exact zeros
// that make plain dots exact); lambda is invariant, up to the rotation's rounding (~1e-13 relative here,
// covered by the 1e-12 relative slack). Every solve must be converged and comparable, its error bar must
// cover the difference, and those at eps <= compensated_below must have used compensated mode.
void check_tails_against_h3(std::mt19937_64& rng, Index n, Index d, Index m, double t, double gap_min, double gap_max,
                            const std::vector<double>& eps_values, double compensated_below) {
  const auto pl = testing::make_planted(rng, n, d, m, t, gap_min, gap_max);
  const auto& h = pl.projection;
  std::normal_distribution<double> normal;
  Eigen::MatrixXd gauss(d, d);
  for (Index r = 0; r < d; ++r)
    for (Index c = 0; c < d; ++c) gauss(r, c) = normal(rng);
  const Eigen::MatrixXd rotation = Eigen::HouseholderQR<Eigen::MatrixXd>(gauss).householderQ();
  const Matrix keys = pl.keys * rotation;  // rows k_i^T Q
  const Vector q = rotation.transpose() * pl.q;
  const TheoremH3 h3 = theorem_h3(keys, h.face, h.face_weights);
  REQUIRE(h3.applicable);
  EntropicOptions o;
  o.face = h.face;
  const auto solves = solve_entropic_sweep(keys, q, eps_values, o);
  const Index j = h.face.front();
  std::vector<char> in(static_cast<std::size_t>(n), 0);
  for (Index f : h.face) in[static_cast<std::size_t>(f)] = 1;
  for (std::size_t e = 0; e < solves.size(); ++e) {
    const EntropicSolve& s = solves[e];
    const double eps = eps_values[e];
    double top = -kInf;
    std::vector<double> terms;
    for (Index i = 0; i < n; ++i) {
      if (in[static_cast<std::size_t>(i)]) continue;
      terms.push_back(-h.lambda[i] / eps - (keys.row(i) - keys.row(j)).dot(h3.x_prime));
      top = std::max(top, terms.back());
    }
    double sum = 0;
    for (double term : terms) sum += std::exp(term - top);
    const double predicted = std::log(h.face_weights[0]) + top + std::log(sum);
    INFO("n " << n << " d " << d << " Delta " << h.delta << " eps " << eps << " " << s.message << " ln m_out "
              << s.log_tail << " +- " << s.log_tail_error << " predicted " << predicted << " difference "
              << s.log_tail - predicted);
    CHECK(s.status == EntropicStatus::converged);
    CHECK(tail_comparable(s, 1e-6));
    if (eps <= compensated_below) CHECK(s.compensated);
    // O(eps) remainder of the expansion: ~eps (||x''|| D + |d ln p_j/d eps|), below 1e-3 from 1e-6 on
    CHECK(std::abs(s.log_tail - predicted) <= s.log_tail_error + 1e-12 * std::abs(predicted) + (eps <= 1e-6 ? 1e-3 : 1.0));
  }
}

}  // namespace

TEST_CASE("entropic: compensated logits resolve the tail far below eps0 (H3 asymptotics as the reference)") {
  // With plain dots a logit <k_i, y>/eps carries ~(sqrt(d) + 2) u ||k|| ||y|| / eps of rounding, and a
  // dual point rounded to double moves it by ulp(y) ||k|| / eps: ||grad D|| stalled at a floor growing
  // like 1/eps, and below eps ~ 1e-6 no tail of these instances (d = 64, ||k|| ~ 8, ||y|| = 10) was
  // comparable.
  std::mt19937_64 rng(41);
  for (int trial = 0; trial < 3; ++trial)
    check_tails_against_h3(rng, 300 + 100 * trial, 64, 3 + 2 * trial, 10.0, 0.05, 1.0, {1e-4, 1e-6, 1e-8, 1e-10}, 1e-8);
}

TEST_CASE("entropic: a small Delta's tail is polished to comparable (compensated sums of x down to the floor)") {
  // Delta ~1e-6: the tail's error bar y_error (max ||k_i - c|| + R_c)/eps against |ln m_out| ~ Delta/eps needs
  // y_error ~1e-6 Delta / 20 ~ 5e-14, below the Newton target 1e-13 scale and the plain sums' floor: such
  // rows stayed "too inaccurate to compare" (gen --kind hull --gap 1e-6 --d 32: 24 of 40 sweep rows), at
  // eps where Delta/eps is only 10-1000 (H3's expansion does not hold there yet). With a face given, a
  // converged solve whose tail is not comparable is polished in compensated mode (x = K^T p summed with
  // compensation). Reference: the same solve without a face (no polishing) and its tail computed
  // afterwards; the two must agree within their error bars, and the unpolished one must need it.
  std::mt19937_64 rng(43);
  int needed = 0;
  for (int trial = 0; trial < 3; ++trial) {
    const Index n = 400, d = 32;
    const auto pl = testing::make_planted(rng, n, d, 4 + trial, 1.0, 1e-6, 1e-5);
    std::normal_distribution<double> normal;
    Eigen::MatrixXd gauss(d, d);
    for (Index r = 0; r < d; ++r)
      for (Index c = 0; c < d; ++c) gauss(r, c) = normal(rng);
    const Eigen::MatrixXd rotation = Eigen::HouseholderQR<Eigen::MatrixXd>(gauss).householderQ();
    const Matrix keys = pl.keys * rotation;
    const Vector q = rotation.transpose() * pl.q;
    const std::vector<double> eps_values = {1e-6, 1e-7, 1e-8, 1e-9};
    EntropicOptions with_face;
    with_face.face = pl.projection.face;
    const auto polished = solve_entropic_sweep(keys, q, eps_values, with_face);
    const auto plain = solve_entropic_sweep(keys, q, eps_values, EntropicOptions{});
    for (std::size_t e = 0; e < eps_values.size(); ++e) {
      const EntropicSolve& s = polished[e];
      const TailEstimate t = entropic_log_mass_outside(keys, plain[e], pl.projection.face);
      INFO("trial " << trial << " Delta " << pl.projection.delta << " eps " << eps_values[e] << " polished " << s.log_tail
                    << " +- " << s.log_tail_error << " plain " << t.log_mass << " +- " << t.log_error);
      CHECK(s.status == EntropicStatus::converged);
      CHECK(tail_comparable(s, 1e-6));
      CHECK(std::abs(s.log_tail - t.log_mass) <= s.log_tail_error + t.log_error);
      if (t.log_error > 1e-6 * std::max(1.0, std::abs(t.log_mass))) ++needed;
    }
  }
  CHECK(needed > 0);
}

TEST_CASE("entropic: a tail of -inf is comparable only when F holds every key (else a logit overflowed)") {
  Matrix keys(3, 2);
  keys << 1, 0, 0, 1, -1, -1;
  EntropicSolve s;
  s.status = EntropicStatus::converged;
  s.eps = 1e-320;
  s.y = Vector::Zero(2);
  s.x = keys.row(0).transpose();
  s.y_error = 0;
  s.log_p = Vector::Constant(3, -kInf);
  s.log_p[0] = 0;  // weights (1, 0, 0): the other logits overflowed to -inf
  const TailEstimate outside = entropic_log_mass_outside(keys, s, {0});
  CHECK(outside.log_mass == -kInf);
  CHECK(outside.log_error == kInf);
  s.log_tail = outside.log_mass;
  s.log_tail_error = outside.log_error;
  CHECK_FALSE(tail_comparable(s, 1e-6));
  const TailEstimate none = entropic_log_mass_outside(keys, s, {0, 1, 2});
  CHECK(none.log_mass == -kInf);
  CHECK(none.log_error == 0);
  s.log_tail_error = none.log_error;
  CHECK(tail_comparable(s, 1e-6));
}

TEST_CASE("entropic: duplicate keys are merged: same solution as the long-double brute force, every copy alike") {
  // 5 distinct keys with 1, 3, 1, 7, 2 copies, interleaved
  Matrix base(5, 3);
  base << 1, 0, 0.5, 0, 1, -0.5, -1, -1, 0.2, 0.3, -0.2, 1.1, 0.8, 0.9, -0.7;
  const std::vector<int> copies = {1, 3, 1, 7, 2};
  std::vector<Index> source;
  for (int round = 0; round < 7; ++round)
    for (Index u = 0; u < 5; ++u)
      if (round < copies[static_cast<std::size_t>(u)]) source.push_back(u);
  Matrix keys(static_cast<Index>(source.size()), 3);
  for (Index i = 0; i < keys.rows(); ++i) keys.row(i) = base.row(source[static_cast<std::size_t>(i)]);
  Vector q(3);
  q << 2.0, 1.5, -1.0;
  for (double eps : {1.0, 0.1}) {
    const EntropicSolve s = solve_entropic(keys, q, eps);
    REQUIRE(s.status == EntropicStatus::converged);
    REQUIRE(s.log_p.size() == keys.rows());
    const auto reference = mirror_descent(keys, q, eps, 200000);
    for (Index i = 0; i < keys.rows(); ++i) {
      INFO("eps " << eps << " key " << i);
      CHECK(s.log_p[i] == doctest::Approx(static_cast<double>(reference[static_cast<std::size_t>(i)])).epsilon(1e-9));
    }
  }
}

TEST_CASE("entropic: 200 000 zero rows next to 40 keys (a zero-padded cache) are solved as 41 keys") {
  // Without merging, every Newton step summed the equal weights of all copies and formed the Hessian over
  // all of them: on a trace of 508 keys padded with 261 636 zero rows (d = 64) a solve at eps = 8 took
  // 70 s and stopped at the iteration limit (||grad D|| = 1.2e-9 above its target; 200 000 rows still
  // converged); merged, 0.12 s and 4 iterations (development box).
  std::mt19937_64 rng(9);
  std::normal_distribution<double> normal;
  const Index real = 40, pad = 200000, d = 16;
  Matrix keys = Matrix::Zero(real + pad, d);
  for (Index i = 0; i < real; ++i)
    for (Index c = 0; c < d; ++c) keys(i, c) = normal(rng);
  Vector q(d);
  for (Index c = 0; c < d; ++c) q[c] = 2 * normal(rng);
  EntropicOptions o;
  o.face = {0};
  const auto solves = solve_entropic_sweep(keys, q, {8.0, 1.0, 0.01}, o);
  for (const EntropicSolve& s : solves) {
    INFO("eps " << s.eps << " " << s.message);
    CHECK(s.status == EntropicStatus::converged);
    CHECK(s.distinct_keys == real + 1);
    CHECK(s.iterations < 40);
    CHECK(s.log_p[real] == s.log_p[real + pad - 1]);  // the copies share their weight
    CHECK(std::isfinite(s.log_tail));
  }
}
