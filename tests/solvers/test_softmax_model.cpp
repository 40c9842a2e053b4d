// Softmax model (docs/theory.md, section 1): closed forms, ties, eta > 0, eps*, k_eff vs brute force.
#include "core/error.hpp"
#include "solvers/softmax_model.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <vector>

using namespace vashista;

TEST_CASE("softmax: two keys, m_out = 1/(1 + e^{Delta/eps}) and B_S = e^{-Delta/eps}") {
  const double gap = 0.7;
  Vector s(2);
  s << 1.3, 1.3 - gap;
  for (double eps : {5.0, 1.0, 0.01, 1e-4}) {
    SoftmaxOptions o;
    o.eps = eps;
    const SoftmaxAnalysis a = analyze_softmax(s, o);
    REQUIRE(a.face == std::vector<Index>{0});
    CHECK(a.delta == doctest::Approx(gap).epsilon(1e-15));
    const double expect = -std::log1p(std::exp(gap / eps));  // -inf-safe: gap/eps <= 7000
    const double expect_stable = gap / eps > 700 ? -gap / eps : expect;
    CHECK(a.log_tail_measured == doctest::Approx(expect_stable).epsilon(1e-13));
    CHECK(a.log_bound_bs == doctest::Approx(-gap / eps).epsilon(1e-13));
    CHECK(a.log_bound_closed == doctest::Approx(-gap / eps).epsilon(1e-13));
    CHECK(a.log_tail_measured <= a.log_bound_bs);
  }
}

TEST_CASE("softmax: exact ties form the face; tails far below 1e-300 stay finite in the log domain") {
  Vector s(4);
  s << 3.0, 1.0, 3.0, 0.0;
  SoftmaxOptions o;
  o.eps = 0.5;
  const SoftmaxAnalysis a = analyze_softmax(s, o);
  CHECK(a.face == std::vector<Index>{0, 2});
  CHECK(a.delta == doctest::Approx(2.0));
  const double out = std::exp(-2.0 / 0.5) + std::exp(-3.0 / 0.5);
  CHECK(a.log_tail_measured == doctest::Approx(std::log(out / (2.0 + out))).epsilon(1e-14));
  CHECK(a.log_bound_bs == doctest::Approx(std::log(out / 2.0)).epsilon(1e-14));
  CHECK(a.log_bound_closed == doctest::Approx(std::log(2.0 / 2.0) - 2.0 / 0.5).epsilon(1e-14));

  Vector far(2);
  far << 0.0, -1000.0;
  CHECK(log_mass_outside(far, 1.0, {0}) == doctest::Approx(-1000.0).epsilon(1e-15));
  CHECK(log_mass_outside(far, 0.01, {0}) == doctest::Approx(-1e5).epsilon(1e-15));
  CHECK(log_mass_outside(far, 1.0, {0, 1}) == -kInf);
}

TEST_CASE("softmax: face tolerance eta > 0 and the closed form with Delta - eta") {
  Vector s(5);
  s << 5.0, 4.9, 3.0, 0.0, 2.5;
  SoftmaxOptions o;
  o.eps = 0.3;
  o.eta = 0.2;
  const SoftmaxAnalysis a = analyze_softmax(s, o);
  CHECK(a.face == std::vector<Index>{0, 1});
  CHECK(a.delta == doctest::Approx(2.0));
  const double in = 1.0 + std::exp(-0.1 / 0.3);
  const double out = std::exp(-2.0 / 0.3) + std::exp(-5.0 / 0.3) + std::exp(-2.5 / 0.3);
  CHECK(a.log_tail_measured == doctest::Approx(std::log(out / (in + out))).epsilon(1e-13));
  CHECK(a.log_bound_bs == doctest::Approx(std::log(out / in)).epsilon(1e-13));
  CHECK(a.log_bound_closed == doctest::Approx(std::log(3.0 / 2.0) - (2.0 - 0.2) / 0.3).epsilon(1e-13));
  CHECK(a.log_bound_bs <= a.log_bound_closed);
  // eps* with eta > 0: B_S(eps*) = delta and eps* >= the closed-form lower bound
  CHECK(a.eps_star >= a.eps_star_closed);
  CHECK(log_softmax_bs_bound(a.lambda, a.face, a.eps_star) == doctest::Approx(std::log(o.delta_target)).epsilon(1e-10));
}

TEST_CASE("softmax: eps* solves ln B_S = ln delta, beats the closed form and matches brute-force bisection") {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal;
  int checked = 0;
  for (int trial = 0; trial < 40; ++trial) {
    const Index n = 5 + static_cast<Index>(trial * 7 % 200);
    Vector s(n);
    for (Index i = 0; i < n; ++i) s[i] = 3 * normal(rng);
    if (trial % 4 == 0) s[1] = s.maxCoeff();  // a tie at the top
    for (double delta : {1e-1, 1e-3, 1e-8}) {
      SoftmaxOptions o;
      o.delta_target = delta;
      const SoftmaxAnalysis a = analyze_softmax(s, o);
      const double f = static_cast<double>(a.face.size());
      if (static_cast<double>(n) - f <= f * delta) {
        CHECK(std::isinf(a.eps_star));
        continue;
      }
      REQUIRE(std::isfinite(a.eps_star));
      CHECK(a.eps_star >= a.eps_star_closed * (1 - 1e-12));
      CHECK(log_softmax_bs_bound(a.lambda, a.face, a.eps_star) == doctest::Approx(std::log(delta)).epsilon(1e-10));
      // brute force: plain bisection on B_S(eps) - delta in the linear domain
      double lo = a.eps_star_closed, hi = lo;
      auto bs = [&](double eps) { return std::exp(log_softmax_bs_bound(a.lambda, a.face, eps)); };
      while (bs(hi) <= delta) hi *= 2;
      for (int k = 0; k < 200; ++k) {
        const double mid = 0.5 * (lo + hi);
        (bs(mid) <= delta ? lo : hi) = mid;
      }
      CHECK(a.eps_star == doctest::Approx(lo).epsilon(1e-9));
      ++checked;
    }
  }
  CHECK(checked > 60);
}

TEST_CASE("softmax: eps* is +inf when B_S never exceeds delta, and F = all keys is handled") {
  Vector s(4);
  s << 2.0, 2.0, 2.0, 1.0;  // (n - |F|)/|F| = 1/3
  SoftmaxOptions o;
  o.delta_target = 0.5;
  SoftmaxAnalysis a = analyze_softmax(s, o);
  CHECK(std::isinf(a.eps_star));
  CHECK(std::isinf(a.eps_star_closed));
  o.delta_target = 0.2;
  a = analyze_softmax(s, o);
  CHECK(std::isfinite(a.eps_star));

  Vector all = Vector::Constant(3, 1.5);
  a = analyze_softmax(all, o);
  CHECK(a.face.size() == 3);
  CHECK(std::isnan(a.delta));
  CHECK(a.log_tail_measured == -kInf);
  CHECK(a.log_bound_bs == -kInf);
  CHECK(a.log_bound_closed == -kInf);
  CHECK(std::isinf(a.eps_star));
  CHECK(a.k_eff >= 1);

  Vector one(1);
  one << -4.0;
  a = analyze_softmax(one, o);
  CHECK(a.face == std::vector<Index>{0});
  CHECK(a.k_eff == 1);
}

TEST_CASE("softmax: k_eff equals the brute-force smallest top-k with exact outside mass <= delta") {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal;
  int checked = 0;
  for (int trial = 0; trial < 30; ++trial) {
    const Index n = 1 + trial * 13;
    Vector s(n);
    for (Index i = 0; i < n; ++i) s[i] = 2 * normal(rng);
    for (double eps : {3.0, 1.0, 0.1}) {
      for (double delta : {0.3, 1e-2, 1e-6}) {
        // brute force in long double: masses sorted descending, tail sums from the small end
        std::vector<long double> a(static_cast<std::size_t>(n));
        const double top = s.maxCoeff();
        long double total = 0;
        for (Index i = 0; i < n; ++i) {
          a[i] = std::exp(static_cast<long double>(s[i] - top) / eps);
          total += a[i];
        }
        std::sort(a.begin(), a.end(), std::greater<long double>());
        Index brute = n;
        for (Index k = 0; k <= n; ++k) {
          long double tail = 0;
          for (Index j = k; j < n; ++j) tail += a[j];
          if (tail / total <= delta) { brute = k; break; }
        }
        CHECK(softmax_effective_support(s, eps, delta) == brute);
        ++checked;
      }
    }
  }
  CHECK(checked == 270);
}

TEST_CASE("softmax: bad input throws bad_input") {
  Vector s(2);
  s << 1.0, 0.0;
  SoftmaxOptions o;
  o.eps = 0;
  CHECK_THROWS_AS(analyze_softmax(s, o), Error);
  o.eps = 1;
  o.eta = -1;
  CHECK_THROWS_AS(analyze_softmax(s, o), Error);
  CHECK_THROWS_AS(log_mass_outside(s, 1.0, {5}), Error);
  Vector empty(0);
  CHECK_THROWS_AS(analyze_softmax(empty, SoftmaxOptions{}), Error);
}
