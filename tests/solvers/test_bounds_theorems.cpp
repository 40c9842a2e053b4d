// Theorems S, H1, H2, H3 (docs/theory.md, sections 1-2) on closed forms and random planted instances.
#include "bounds/bound_check.hpp"
#include "bounds/face_geometry.hpp"
#include "bounds/theorem_h1.hpp"
#include "bounds/theorem_h2.hpp"
#include "bounds/theorem_h3.hpp"
#include "bounds/theorem_s.hpp"
#include "solvers/entropic_hull.hpp"
#include "solvers/softmax_model.hpp"
#include "solvers/test_entropic_planted.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <vector>

using namespace vashista;

TEST_CASE("bound check: ln(measured) <= ln(bound) + kLogBoundSlack, NaN is not compared") {
  CHECK(check_bound(-10.0, -10.0).verdict == BoundVerdict::holds);
  CHECK(check_bound(-10.0 + 0.5 * kLogBoundSlack, -10.0).verdict == BoundVerdict::holds);
  CHECK(check_bound(-10.0 + 1e-6, -10.0).verdict == BoundVerdict::violated);
  CHECK(check_bound(-kInf, -kInf).verdict == BoundVerdict::holds);
  CHECK(check_bound(-5.0, -kInf).verdict == BoundVerdict::violated);
  CHECK(check_bound(kNaN, 0.0).verdict == BoundVerdict::not_compared);
  CHECK(check_bound(-1.0, kNaN).verdict == BoundVerdict::not_compared);
  CHECK(check_bound(-3.0, -1.0).log_margin == doctest::Approx(2.0));
}

TEST_CASE("face geometry: D_i and D against a direct computation") {
  Matrix k(4, 2);
  k << 0, 0, 1, 0, 0, 3, 5, 5;
  const FaceGeometry g = face_geometry(k, {0, 1});
  CHECK(g.distances[2] == doctest::Approx(std::sqrt(10.0)));
  CHECK(g.distances[3] == doctest::Approx(std::sqrt(50.0)));
  CHECK(g.distances[0] == doctest::Approx(1.0));
  CHECK(g.d_max == doctest::Approx(std::sqrt(50.0)));
}

TEST_CASE("Theorem S wrapper: identity <= B_S <= closed form on random scores") {
  std::mt19937_64 rng(29);
  std::normal_distribution<double> normal;
  int violations = 0;
  for (int trial = 0; trial < 50; ++trial) {
    Vector s(40);
    for (Index i = 0; i < s.size(); ++i) s[i] = normal(rng);
    for (double eps : {10.0, 1.0, 0.1, 1e-3}) {
      for (double eta : {0.0, 0.05}) {
        const TheoremS t = theorem_s(s, eps, eta);
        violations += check_bound(t.log_tail, t.log_bound_bs).verdict != BoundVerdict::holds;
        violations += check_bound(t.log_bound_bs, t.log_bound_closed).verdict != BoundVerdict::holds;
        CHECK(t.log_tail == doctest::Approx(log_mass_outside(s, eps, t.face)).epsilon(1e-15));
      }
    }
  }
  CHECK(violations == 0);
}

TEST_CASE("Theorem H1: eps0 formula and the bound forms") {
  CHECK(theorem_h1_eps0(0.5, 2.0, 100) == doctest::Approx(0.25 / (8 * 4 * std::log(100.0))));
  CHECK(std::isinf(theorem_h1_eps0(0.5, 0.0, 10)));
  Vector lambda(4);
  lambda << 0, 0.3, 0, 0.9;
  const TheoremH1 t = theorem_h1(lambda, {0, 2}, 2.0, 0.01);
  CHECK(t.eps0 == doctest::Approx(0.09 / (32 * std::log(4.0))));
  CHECK(t.applicable == (0.01 <= t.eps0));
  CHECK(t.log_bound == doctest::Approx(std::log(std::exp(-15.0) + std::exp(-45.0))));
  CHECK(t.log_bound_closed == doctest::Approx(std::log(2.0) - 15.0));
  const TheoremH1 all = theorem_h1(lambda, {0, 1, 2, 3}, 2.0, 0.01);
  CHECK(all.log_bound == -kInf);
  CHECK(all.applicable);
}

TEST_CASE("Theorem H2: rho = 0 gives sum e^{-lambda_i/eps}; large rho saturates at n - |F|") {
  Vector lambda(3), dist(3);
  lambda << 0, 0.4, 1.0;
  dist << 1, 2, 3;
  CHECK(theorem_h2_log_bound(lambda, dist, {0}, 0.0, 0.1) ==
        doctest::Approx(std::log(std::exp(-4.0) + std::exp(-10.0))));
  CHECK(theorem_h2_log_bound(lambda, dist, {0}, 10.0, 0.1) == doctest::Approx(std::log(2.0)));
}

TEST_CASE("Theorems H1 and H2 hold on random planted instances over many eps (0 violations)") {
  std::mt19937_64 rng(101);
  int compared_h1 = 0, compared_h2 = 0, violations_h1 = 0, violations_h2 = 0, unresolved = 0;
  double worst_h1_margin = kInf, worst_h2_margin = kInf;
  for (int trial = 0; trial < 24; ++trial) {
    const Index n = 40 + 20 * (trial % 6), d = 4 + 2 * (trial % 4), m = 1 + trial % std::min<Index>(d, 6);
    const double t = 0.5 + 0.25 * (trial % 3);
    const auto pl = testing::make_planted(rng, n, d, m, t, 0.2, 2.5, 0.7);
    const auto& h = pl.projection;
    const FaceGeometry geo = face_geometry(pl.keys, h.face);
    const double eps0 = theorem_h1_eps0(h.delta, geo.d_max, n);
    std::vector<double> eps_values;
    for (int j = 0; j < 30; ++j) eps_values.push_back(eps0 * std::pow(10.0, 2.0 - 5.0 * j / 29.0));  // 1e2..1e-3 eps0
    EntropicOptions o;
    o.face = h.face;
    const auto solves = solve_entropic_sweep(pl.keys, pl.q, eps_values, o);
    for (const EntropicSolve& s : solves) {
      if (!tail_comparable(s, o.max_log_tail_error)) { ++unresolved; continue; }
      // rho upper bound: computed distance + ||x(y) - x_eps|| <= ||y - y*|| + ||grad D|| <= 2 y_error
      const double rho = (s.x - h.x).norm() + 2 * s.y_error;
      const double h2 = theorem_h2_log_bound(h.lambda, geo.distances, h.face, rho, s.eps);
      const BoundCheck c2 = check_bound(s.log_tail, h2);
      ++compared_h2;
      worst_h2_margin = std::min(worst_h2_margin, c2.log_margin);
      if (c2.verdict != BoundVerdict::holds) {
        ++violations_h2;
        MESSAGE("H2 violation: trial " << trial << " eps " << s.eps << " ln m " << s.log_tail << " bound " << h2);
      }
      const TheoremH1 h1 = theorem_h1(h.lambda, h.face, geo.d_max, s.eps);
      if (!h1.applicable) continue;
      ++compared_h1;
      const BoundCheck c1 = check_bound(s.log_tail, h1.log_bound);
      worst_h1_margin = std::min(worst_h1_margin, c1.log_margin);
      if (c1.verdict != BoundVerdict::holds) {
        ++violations_h1;
        MESSAGE("H1 violation: trial " << trial << " eps " << s.eps << " ln m " << s.log_tail << " bound " << h1.log_bound);
      }
      CHECK(h1.log_bound <= h1.log_bound_closed + kLogBoundSlack);
    }
  }
  MESSAGE("H1 compared " << compared_h1 << " (worst margin " << worst_h1_margin << "), H2 compared " << compared_h2
                         << " (worst margin " << worst_h2_margin << "), unresolved " << unresolved);
  CHECK(violations_h1 == 0);
  CHECK(violations_h2 == 0);
  CHECK(unresolved == 0);
  CHECK(compared_h1 >= 24 * 15);
  CHECK(compared_h2 == 24 * 30);
}

TEST_CASE("Theorem H3: two-key face in closed form, bordered system satisfied") {
  Matrix k(3, 2);
  k << 0, -1, 0, 2, -1, 0;
  Vector p(2);
  p << 0.3, 0.7;
  const TheoremH3 t = theorem_h3(k, {0, 1}, p);
  REQUIRE(t.applicable);
  // <k_1 - k_0, x'> = ln p_0 - ln p_1, x' parallel to k_1 - k_0 = (0, 3)
  Vector expect(2);
  expect << 0, (std::log(0.3) - std::log(0.7)) / 3.0;
  CHECK((t.x_prime - expect).norm() < 1e-15);
  CHECK(t.p_prime.sum() == doctest::Approx(0.0).scale(1.0));
  // [[G,1],[1^T,0]][p';mu] = [-ln p*;0] on a random 4-key face in R^6
  std::mt19937_64 rng(8);
  std::normal_distribution<double> normal;
  Matrix kf(4, 6);
  for (Index i = 0; i < 4; ++i)
    for (Index c = 0; c < 6; ++c) kf(i, c) = normal(rng);
  Vector pf(4);
  pf << 0.1, 0.2, 0.3, 0.4;
  const TheoremH3 u = theorem_h3(kf, {0, 1, 2, 3}, pf);
  REQUIRE(u.applicable);
  const Vector lhs = kf * (kf.transpose() * u.p_prime) + pf.array().log().matrix();  // G p' + ln p* = -mu 1
  CHECK(lhs.maxCoeff() - lhs.minCoeff() < 1e-13);
  CHECK(std::abs(u.p_prime.sum()) < 1e-14);
  CHECK((kf.transpose() * u.p_prime - u.x_prime).norm() < 1e-13);
}

TEST_CASE("Theorem H3: affinely dependent faces are reported not applicable") {
  Matrix k(3, 2);
  k << 0, 0, 1, 1, 2, 2;  // collinear
  Vector p = Vector::Constant(3, 1.0 / 3);
  const TheoremH3 t = theorem_h3(k, {0, 1, 2}, p);
  CHECK_FALSE(t.applicable);
  CHECK_FALSE(t.message.empty());
  Matrix many(4, 2);
  many << 0, 0, 1, 0, 0, 1, 1, 1;
  CHECK_FALSE(theorem_h3(many, {0, 1, 2, 3}, Vector::Constant(4, 0.25)).applicable);
  Vector zero(2);
  zero << 1.0, 0.0;
  CHECK_FALSE(theorem_h3(k, {0, 1}, zero).applicable);
  CHECK(theorem_h3(k, {1}, Vector::Ones(1)).applicable);
}

TEST_CASE("Theorem H3: rho(eps)/eps -> ||x'|| on planted affinely independent faces") {
  std::mt19937_64 rng(55);
  for (int trial = 0; trial < 8; ++trial) {
    const Index n = 80, d = 8, m = 2 + trial % 6;
    const auto pl = testing::make_planted(rng, n, d, m, 1.0, 0.4, 2.0);
    const auto& h = pl.projection;
    const FaceGeometry geo = face_geometry(pl.keys, h.face);
    const double eps0 = theorem_h1_eps0(h.delta, geo.d_max, n);
    const TheoremH3 t = theorem_h3(pl.keys, h.face, h.face_weights);
    REQUIRE(t.applicable);
    EntropicOptions o;
    o.face = h.face;
    const std::vector<double> eps{1e-2 * eps0, 1e-3 * eps0, 1e-4 * eps0};
    const auto s = solve_entropic_sweep(pl.keys, pl.q, eps, o);
    double rel[3];
    for (int j = 0; j < 3; ++j) {
      REQUIRE(s[j].status == EntropicStatus::converged);
      const Vector dx = (s[j].x - h.x) / eps[j];
      rel[j] = (dx - t.x_prime).norm() / t.x_prime_norm;
    }
    INFO("trial " << trial << " |F| " << m << " ||x'|| " << t.x_prime_norm << " rel err " << rel[0] << " " << rel[1]
                  << " " << rel[2]);
    // Tolerance: the o(eps) term is ~ eps ||x''||/||x'|| (observed <= 6e-5 at 1e-2 eps0, shrinking
    // tenfold per decade), plus the solver's share 2 y_error / (eps ||x'||) (y_error <~ 4e-13 here,
    // i.e. <~ 2e-4 at 1e-4 eps0). 1e-3 at 1e-3 and 1e-4 eps0 covers both with margin; the brief's
    // 1e-2 at 1e-3 eps0 is met tenfold.
    CHECK(rel[0] < 1e-3);
    CHECK(rel[1] < 1e-3);
    CHECK(rel[2] < 1e-3);
    for (int j = 0; j < 3; ++j) {  // the deviation beyond the solver's error bar shrinks with eps
      const double solver_share = 2 * s[j].y_error / (eps[j] * t.x_prime_norm);
      CHECK(rel[j] <= 1e-1 * eps[j] / eps0 + solver_share);
    }
  }
}
