// Compensated dot product (solvers/compensated_dot.hpp): exact where a plain dot loses everything to
// cancellation, and within its stated bound of a long-double reference on random vectors.
#include "solvers/compensated_dot.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

using namespace vashista;

namespace {
__extension__ typedef __int128 Int128;  // GCC / Clang extension: exact sums of 60-bit products
}  // namespace

TEST_CASE("compensated dot: exact on a cancelling sum where the plain dot returns 0") {
  const std::vector<double> a = {1e16, 1.0, -1e16}, b = {1.0, 1.0, 1.0};
  double plain = 0;
  for (std::size_t j = 0; j < a.size(); ++j) plain += a[j] * b[j];
  CHECK(plain == 0.0);  // 1e16 + 1 rounds to 1e16
  const DoubleDouble c = compensated_dot(a.data(), b.data(), 3);
  CHECK(c.hi + c.lo == 1.0);
  // products that are not representable: (1 + 2^-30)^2 - 1 - 2^-29 = 2^-60 exactly
  const double t = 1.0 + std::ldexp(1.0, -30);
  const std::vector<double> x = {t, -1.0, -std::ldexp(1.0, -29)}, y = {t, 1.0, 1.0};
  const DoubleDouble e = compensated_dot(x.data(), y.data(), 3);
  CHECK(e.hi + e.lo == std::ldexp(1.0, -60));
}

TEST_CASE("compensated dot: exact on cancelling integer vectors whose products need 60 bits (d = 128)") {
  // a_j, b_j integers below 2^30 in magnitude: every product a_j b_j is exact in Int128, and so is the
  // sum; the pair hi + lo of integers is exact in Int128 too. The bound 2 gamma_129^2 sum |a_j b_j|
  // (< 2^67 * 4.1e-28 < 1) then says hi + lo must equal the sum exactly. The last term cancels the
  // others to within ~2^15, where a plain double dot is off by ~u 2^67 = 2^14.
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<std::int64_t> draw(-(std::int64_t{1} << 30), std::int64_t{1} << 30);
  int plain_wrong = 0;
  for (int trial = 0; trial < 200; ++trial) {
    const Index k = 128;
    std::vector<double> a(k), b(k);
    Int128 partial = 0;
    for (Index j = 0; j + 1 < k; ++j) {
      a[j] = static_cast<double>(draw(rng));
      b[j] = static_cast<double>(draw(rng));
      partial += static_cast<Int128>(a[j]) * static_cast<Int128>(b[j]);
    }
    b[k - 1] = 1.0;
    a[k - 1] = -static_cast<double>(partial);  // the nearest double: cancels all but ~2^15
    const Int128 exact = partial + static_cast<Int128>(a[k - 1]);
    double abs_sum = 0, plain = 0;
    for (Index j = 0; j < k; ++j) { abs_sum += std::fabs(a[j] * b[j]); plain += a[j] * b[j]; }
    REQUIRE(compensated_dot_error_factor(k) * abs_sum < 0.5);
    const DoubleDouble c = compensated_dot(a.data(), b.data(), k);
    INFO("trial " << trial << " exact " << static_cast<double>(exact) << " hi " << c.hi << " lo " << c.lo);
    CHECK(c.hi == std::trunc(c.hi));
    CHECK(c.lo == std::trunc(c.lo));
    CHECK(static_cast<Int128>(c.hi) + static_cast<Int128>(c.lo) == exact);
    if (static_cast<Int128>(plain) != exact) ++plain_wrong;
  }
  CHECK(plain_wrong > 100);  // the instances do defeat a plain dot
}
