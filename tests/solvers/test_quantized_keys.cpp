// The 16-bit copy of a stream's keys (solvers/quantized_keys.hpp): every product within its rigorous bound,
// the copy grown by appended keys, and the exact projection's pass 1 and full pricing from the copy
// (hull_projection.cpp, scores_from_copy and price_from_copy) against passes over K, with their fallbacks.
#include "core/error.hpp"
#include "solvers/hull_projection.hpp"
#include "solvers/key_norms.hpp"
#include "solvers/quantized_keys.hpp"
#include "solvers/rounding.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <vector>

using namespace vashista;

namespace {

// <a, b> in long double (64-bit significand on x86-64): within d 2^-63 ||a|| ||b|| of the exact value,
// far below the copy's ~1e-4 relative bound.
double reference_dot(const double* a, const double* b, Index d) {
  long double s = 0;
  for (Index j = 0; j < d; ++j) s += static_cast<long double>(a[j]) * static_cast<long double>(b[j]);
  return static_cast<double>(s);
}

ErrorKind kind_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind();
  }
  return ErrorKind::internal;
}

}  // namespace

TEST_CASE("quantized keys: every product within the bound E_i, which is not vacuous") {
  std::mt19937_64 rng(34);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> exponent(-140.0, 140.0);
  double worst = 0;  // largest |T_i - <k_i, v>| / E_i seen
  int rows_checked = 0;
  for (Index d : {1, 3, 8, 15, 16, 33, 128, 130}) {
    for (int rep = 0; rep < 12; ++rep) {
      const Index n = 1 + (rep * 37) % 61;
      Matrix keys = Matrix::NullaryExpr(n, d, [&](Index, Index) { return normal(rng); });
      // Row scales from 1e-140 to 1e140 (kind 1), a single non-zero entry (its code is exactly +-32767),
      // entries of mixed sizes, and rows the copy must refuse (zero, 1e-290, 1e-150: norms below 1e-140).
      for (Index i = 0; i < n; ++i) {
        const int kind = static_cast<int>((i + rep) % 5);
        if (kind == 1) keys.row(i) *= std::pow(10.0, exponent(rng));
        if (kind == 2) {
          keys.row(i).setZero();
          keys(i, i % d) = rep % 2 == 0 ? 3.0 : -7.5;
        }
        if (kind == 3) keys(i, 0) *= 1e8;
      }
      if (n > 3) {
        keys.row(1).setZero();
        keys.row(2) = 1e-290 * Vector::NullaryExpr(d, [&](Index) { return normal(rng); }).transpose();
        keys.row(3) = 1e-150 * Vector::NullaryExpr(d, [&](Index) { return normal(rng); }).transpose();
      }
      const QuantizedKeys copy(keys, KeyNorms(keys));
      for (int vrep = 0; vrep < 4; ++vrep) {
        Vector v = Vector::NullaryExpr(d, [&](Index) { return normal(rng); });
        if (vrep == 1) v *= 1e-120;
        if (vrep == 2) v *= 1e120;
        if (vrep == 3) v[0] *= 1e42;  // one dominant entry: the others scale to single-precision subnormals
        Vector out(n);
        REQUIRE(copy.dots(0, n, v.data(), out.data()));
        const double vnorm = v.norm() * (1.0 + 2.0 * rounding_gamma(static_cast<double>(d) + 2.0));
        for (Index i = 0; i < n; ++i) {
          if (copy.exact_only(i)) continue;
          const double exact = reference_dot(keys.row(i).data(), v.data(), d);
          const double bound = copy.row_bounds()[i] * vnorm + 2.0 * kUnitRoundoff * std::abs(out[i]) +
                               4.0 * std::numeric_limits<double>::denorm_min();
          CAPTURE(d);
          CAPTURE(i);
          CHECK(std::abs(out[i] - exact) <= bound);
          worst = std::max(worst, std::abs(out[i] - exact) / bound);
          ++rows_checked;
        }
      }
      if (n > 3) {
        CHECK(copy.exact_only(1));
        CHECK(copy.exact_only(2));
        CHECK(copy.exact_only(3));
      }
    }
  }
  MESSAGE("quantized keys: " << rows_checked << " products, largest error / bound " << worst);
  // The bound is ~sqrt(d) times the typical error: the largest error must still reach a visible part of it.
  CHECK(worst > 0.02);
  // A zero (or non-normal-range) vector is refused: its products come from the keys.
  const Matrix keys = Matrix::Ones(2, 4);
  const QuantizedKeys copy(keys, KeyNorms(keys));
  Vector out(2);
  const Vector zero = Vector::Zero(4);
  CHECK_FALSE(copy.dots(0, 2, zero.data(), out.data()));
}

TEST_CASE("hull projection: full pricing from the 16-bit copy agrees with the pass over K") {
  // Solves with the stream's copy (full pricing passes from it) and without: the same status and face, the
  // same Delta (the key of Delta is always priced from K), and bars that overlap; on planted instances both
  // must contain the exact multipliers.
  std::mt19937_64 rng(20261207);
  std::normal_distribution<double> normal;
  int solves = 0, with_full_pass = 0, with_copy_keys = 0, axis_only = 0, axis_only_from_copy = 0;
  for (Index d : {4, 16, 64, 128}) {
    for (int rep = 0; rep < 10; ++rep) {
      const Index n = 50 + 211 * rep;
      // 0: planted face (face keys at <k, u> = c, others below by at least 0.05 or 0.5); 1: far query; 2:
      // query near the hull; 3: duplicated keys and a face of duplicates; 4: keys at 1e-100 scale.
      const int kind = rep % 5;
      Matrix keys = Matrix::NullaryExpr(n, d, [&](Index, Index) { return normal(rng); });
      Vector q = Vector::NullaryExpr(d, [&](Index) { return normal(rng); });
      std::vector<Index> planted_face;
      Vector planted_lambda;
      if (kind == 0) {
        Vector u = Vector::NullaryExpr(d, [&](Index) { return normal(rng); });
        u.normalize();
        const Index face_size = std::min<Index>(d, 3 + rep);
        Vector x = Vector::Zero(d);
        double wsum = 0;
        for (Index i = 0; i < n; ++i) {
          Vector k = keys.row(i).transpose();
          k -= u * u.dot(k);
          const double below = rep % 2 == 0 ? 0.05 + std::abs(normal(rng)) : 0.5 + std::abs(normal(rng));
          k += (i < face_size ? 1.5 : 1.5 - below) * u;
          keys.row(i) = k.transpose();
          if (i < face_size) {
            const double w = 0.1 + std::abs(normal(rng));
            x += w * k;
            wsum += w;
            planted_face.push_back(i);
          }
        }
        x /= wsum;
        q = x + 2.0 * u;
        planted_lambda.resize(n);
        for (Index i = 0; i < n; ++i) planted_lambda[i] = (x - keys.row(i).transpose()).dot(q - x);
      }
      if (kind == 1) q *= 6.0;
      if (kind == 2) q *= 0.7;
      if (kind == 3) {
        for (Index i = n / 2; i < n; ++i) keys.row(i) = keys.row(i - n / 2);
        q *= 4.0;
      }
      if (kind == 4) {
        keys *= 1e-100;
        q *= 3e-100;
      }
      const KeyNorms norms(keys);
      const QuantizedKeys copy(keys, norms);
      HullProjection hc, hk;
      project_onto_hull(keys, norms, copy, q, HullOptions{}, hc);
      project_onto_hull(keys, norms, q, HullOptions{}, hk);
      CAPTURE(d);
      CAPTURE(rep);
      CAPTURE(hc.message);
      ++solves;
      CHECK(hc.status == hk.status);
      CHECK(hc.face == hk.face);
      CHECK((hc.x - hk.x).norm() <= hc.x_error + hk.x_error);
      for (Index i = 0; i < n; ++i) {
        CHECK(std::abs(hc.lambda[i] - hk.lambda[i]) <= hc.lambda_error[i] + hk.lambda_error[i]);
        if (kind == 0) CHECK(std::abs(hc.lambda[i] - planted_lambda[i]) <= hc.lambda_error[i] + 1e-12);
      }
      if (kind == 0) {
        REQUIRE(hc.status == HullStatus::certified);
        CHECK(hc.face == planted_face);
      }
      if (hc.status == HullStatus::certified && std::isfinite(hk.delta)) {
        CHECK(hc.delta == doctest::Approx(hk.delta).epsilon(1e-9));
        CHECK(hc.delta_lo <= hk.delta_hi);
        CHECK(hc.delta_hi >= hk.delta_lo);
      }
      if (hk.key_passes >= 2) {  // a full pricing pass: from the copy in hc
        ++with_full_pass;
        if (hc.screened_keys > hk.screened_keys) ++with_copy_keys;
      }
      // Pass 1 read the copy (every row of these keys is quantized: norms above 1e-140, even kind 4's).
      CHECK(hc.copy_passes >= 1);
      CHECK(hc.key_passes <= hk.key_passes);  // the copy's fallback reads K once per pass it replaces
      if (hk.key_passes == 1) {  // pass 1 alone certified (query-axis bound): with the copy, no pass over K
        ++axis_only;
        if (hc.key_passes == 0 && hc.copy_passes == 1) ++axis_only_from_copy;
      }
    }
  }
  MESSAGE("copy pricing: " << with_copy_keys << "/" << with_full_pass << " solves with a full pricing pass (of "
                           << solves << ") kept keys priced from the copy");
  // The copy must be exercised: solves with a full pricing pass end with keys whose values come from it (the
  // others certify at the pool stage or by the query-axis bound: no full pass to price from the copy).
  CHECK(with_full_pass * 3 >= solves);
  CHECK(with_copy_keys * 4 >= with_full_pass * 3);
  // The query-axis bound with the copy's scores (their error bars added) must prove what it proves with exact
  // scores on nearly every such solve.
  MESSAGE("pass 1 from the copy: " << axis_only_from_copy << "/" << axis_only
                                   << " solves certified by pass 1 alone read no row range of K");
  CHECK(axis_only >= 8);
  CHECK(axis_only_from_copy * 10 >= axis_only * 9);
}

TEST_CASE("hull projection with the copy: every bar contains the exact multiplier (dyadic instances)") {
  // Exact truth in double: face keys on the hyperplane x_{d-1} = 1 with coordinates in multiples of 1/8, x*
  // their centroid (4 keys, weights 1/4), q = x* + t e_{d-1} (t a power of two: 64, 4096 put q far out), the
  // other keys at x_{d-1} = 1 - g_i, g_i = (1 + i mod 64) / 128 and for every 97th key 2^-20 ... 2^-39:
  // lambda_i = t g_i exactly, Delta = t min g_i. Face keys near the axis (coordinates 0 or +-1/8) or spread
  // (+-2): the query-axis bound then proves most keys from the copy's scores, or the copy's pricing does;
  // either way those keys' bars are the copy's, and every bar must contain the truth. (Delta's interval is
  // checked where the face is exact: a face that only contains the true one has Delta_F >= Delta.)
  std::mt19937_64 rng(20261209);
  std::uniform_int_distribution<int> eighths(-16, 16);
  int solves = 0, no_pass_over_k = 0, pass1_only = 0;
  for (Index d : {16, 64, 128}) {
    for (Index n : {300, 2000}) {
      for (double t : {1.0, 64.0, 4096.0}) {
       for (int spread : {1, 16}) {
        const Index face_size = 4;
        Matrix keys(n, d);
        Vector centroid = Vector::Zero(d);
        double delta = kInf;
        for (Index i = 0; i < n; ++i) {
          for (Index c = 0; c + 1 < d; ++c) keys(i, c) = (i < face_size ? eighths(rng) % (spread + 1) : eighths(rng)) / 8.0;
          const double g = i < face_size ? 0.0
                           : i % 97 == 0 ? std::ldexp(1.0, -(20 + static_cast<int>((i / 97) % 20)))
                                         : static_cast<double>(1 + i % 64) / 128.0;
          keys(i, d - 1) = 1.0 - g;
          if (i < face_size) centroid += 0.25 * keys.row(i).transpose();
          else delta = std::min(delta, t * g);
        }
        Vector q = centroid;
        q[d - 1] += t;
        const KeyNorms norms(keys);
        const QuantizedKeys copy(keys, norms);
        HullProjection h;
        project_onto_hull(keys, norms, copy, q, HullOptions{}, h);
        ++solves;
        if (h.key_passes == 0) ++no_pass_over_k;
        if (h.key_passes == 0 && h.copy_passes == 1) ++pass1_only;
        CAPTURE(d);
        CAPTURE(spread);
        CAPTURE(n);
        CAPTURE(t);
        CAPTURE(h.message);
        CHECK(h.copy_passes >= 1);
        CHECK((h.x - centroid).norm() <= h.x_error);
        for (Index i = 0; i < n; ++i) CHECK(std::abs(h.lambda[i] - t * (1.0 - keys(i, d - 1))) <= h.lambda_error[i]);
        for (Index i = 0; i < face_size; ++i) CHECK(std::binary_search(h.face.begin(), h.face.end(), i));
        if (h.status == HullStatus::certified && h.face_exact) {
          CHECK(h.delta_lo <= delta);
          CHECK(h.delta_hi >= delta);
        }
       }
      }
    }
  }
  MESSAGE("dyadic instances with the copy: " << no_pass_over_k << " of " << solves << " solves made no pass over K, "
                                              << pass1_only << " read the copy once");
  // Both copy paths must be exercised: solves certified from pass 1 over the copy alone, and solves whose
  // full pricing read the copy.
  CHECK(pass1_only >= 4);
  CHECK(no_pass_over_k - pass1_only >= 4);
}

TEST_CASE("hull projection: pass 1 from the copy falls back to K where the copy cannot serve") {
  std::mt19937_64 rng(20261208);
  std::normal_distribution<double> normal;
  const Index n = 400, d = 8;
  auto solve_both = [&](const Matrix& keys, const Vector& q, HullProjection& hc, HullProjection& hk) {
    const KeyNorms norms(keys);
    const QuantizedKeys copy(keys, norms);
    project_onto_hull(keys, norms, copy, q, HullOptions{}, hc);
    project_onto_hull(keys, norms, q, HullOptions{}, hk);
    CAPTURE(hc.message);
    CHECK(hc.status == hk.status);
    CHECK(hc.face == hk.face);
    for (Index i = 0; i < keys.rows(); ++i)
      CHECK(std::abs(hc.lambda[i] - hk.lambda[i]) <= hc.lambda_error[i] + hk.lambda_error[i]);
  };
  SUBCASE("a face of 100 keys: the copy's pricing leaves too many unproven, a pass over K prices every key") {
    Vector u = Vector::NullaryExpr(d, [&](Index) { return normal(rng); });
    u.normalize();
    Matrix keys(n, d);
    Vector x = Vector::Zero(d);
    for (Index i = 0; i < n; ++i) {
      Vector k = Vector::NullaryExpr(d, [&](Index) { return normal(rng); });
      k -= u * u.dot(k);
      k += (i % 4 == 0 ? 1.5 : 1.0 - std::abs(normal(rng))) * u;  // keys 0, 4, 8, ... on the face plane
      keys.row(i) = k.transpose();
      if (i % 4 == 0) x += k / 100.0;
    }
    const Vector q = x + 2.0 * u;  // x: the centroid of the 100 face keys, inside their hull
    HullProjection hc, hk;
    solve_both(keys, q, hc, hk);
    CHECK(hc.copy_passes >= 2);  // pass 1 and the pricing pass that could not prove enough keys
    CHECK(hc.key_passes >= 1);   // the pricing pass over K (forming the exact scores block by block)
    CHECK(hc.face.size() == 100);
  }
  SUBCASE("rows too small for the copy: a few are scored from K, many send pass 1 to K") {
    for (const Index tiny : {Index{10}, Index{100}}) {
      Matrix keys = Matrix::NullaryExpr(n, d, [&](Index, Index) { return normal(rng); });
      for (Index i = 0; i < tiny; ++i) keys.row(3 * i) *= 1e-150;  // norms below 1e-140: not quantized
      const Vector q = 6.0 * Vector::NullaryExpr(d, [&](Index) { return normal(rng); });
      HullProjection hc, hk;
      CAPTURE(tiny);
      solve_both(keys, q, hc, hk);
      // 10 of 400 rows (< 1/16): pass 1 from the copy; 100: pass 1 over K.
      CHECK(hc.copy_passes >= (tiny == 10 ? 1 : 0));
      if (tiny == 100) CHECK(hc.key_passes >= 1);
    }
  }
}

TEST_CASE("quantized keys: a copy grown by appended keys is the copy of all of them; mismatches are refused") {
  std::mt19937_64 rng(3407);
  std::normal_distribution<double> normal;
  for (Index d : {5, 16, 128}) {
    const Index n = 300;
    const Matrix keys = Matrix::NullaryExpr(n, d, [&](Index, Index) { return normal(rng); });
    const Vector v = Vector::NullaryExpr(d, [&](Index) { return normal(rng); });
    const KeyNorms norms(keys);
    const QuantizedKeys whole(keys, norms);
    QuantizedKeys grown(keys.topRows(1), norms);
    for (Index rows : {Index{7}, Index{13}, Index{13}, Index{200}, n}) grown.append(keys.topRows(rows), norms);
    REQUIRE(grown.rows() == n);
    Vector a(n), b(n);
    REQUIRE(whole.dots(0, n, v.data(), a.data()));
    REQUIRE(grown.dots(0, n, v.data(), b.data()));
    CAPTURE(d);
    for (Index i = 0; i < n; ++i) {
      CHECK(a[i] == b[i]);
      CHECK(whole.row_bounds()[i] == grown.row_bounds()[i]);
    }
    // Fewer rows than the copy, another dimension, norms that do not cover the keys: bad input.
    CHECK(kind_of([&] { grown.append(keys.topRows(10), norms); }) == ErrorKind::bad_input);
    CHECK(kind_of([&] { QuantizedKeys c(keys, KeyNorms(keys.topRows(10))); }) == ErrorKind::bad_input);
    const Matrix wider = Matrix::Ones(n, d + 1);
    CHECK(kind_of([&] { QuantizedKeys c(wider, norms); }) == ErrorKind::bad_input);
    // A projection over more keys than the copy holds is refused, not priced from stale codes.
    const Matrix more = Matrix::NullaryExpr(n + 1, d, [&](Index, Index) { return normal(rng); });
    const KeyNorms more_norms(more);
    HullProjection h;
    CHECK(kind_of([&] { project_onto_hull(more, more_norms, whole, v, HullOptions{}, h); }) == ErrorKind::bad_input);
  }
}
