// KeyNorms (solvers/key_norms.hpp): a stream's key norms computed once and reused by the hull projection.
#include "core/error.hpp"
#include "solvers/hull_projection.hpp"
#include "solvers/key_norms.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>

using namespace vashista;

namespace {
ErrorKind kind_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind();
  }
  return ErrorKind::internal;  // nothing thrown
}
}  // namespace

TEST_CASE("key norms: values, appended keys, bad input") {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  const Matrix keys = Matrix::NullaryExpr(37, 11, [&](Index, Index) { return normal(rng); });
  const KeyNorms all(keys);
  REQUIRE(all.size() == 37);
  CHECK(all.dim() == 11);
  for (Index i = 0; i < 37; ++i) CHECK(std::abs(all.values()[i] - keys.row(i).norm()) <= 1e-15 * keys.row(i).norm());
  // A stream that grows: the first 20 rows, then all 37; only the new rows are computed.
  KeyNorms grown(keys.topRows(20));
  grown.append(keys);
  CHECK(grown.values() == all.values());
  // Bad input: a non-finite entry (the norms keep their old rows), a shorter or wider key matrix.
  Matrix bad = keys;
  bad(30, 4) = std::numeric_limits<double>::quiet_NaN();
  KeyNorms partial(keys.topRows(20));
  CHECK(kind_of([&] { partial.append(bad); }) == ErrorKind::bad_input);
  CHECK(partial.size() == 20);
  CHECK(kind_of([&] { KeyNorms n(bad); }) == ErrorKind::bad_input);
  bad(30, 4) = 1e200;  // its square overflows
  CHECK(kind_of([&] { KeyNorms n(bad); }) == ErrorKind::bad_input);
  CHECK(kind_of([&] { grown.append(keys.topRows(10)); }) == ErrorKind::bad_input);
  CHECK(kind_of([&] { grown.append(Matrix::Zero(40, 12)); }) == ErrorKind::bad_input);
}

TEST_CASE("key norms: the projection with the stream's norms equals the projection that computes them") {
  std::mt19937_64 rng(29);
  std::normal_distribution<double> normal;
  for (int rep = 0; rep < 12; ++rep) {
    const Index d = 16 + 8 * rep, n = 300 + 150 * rep;
    const Matrix keys = Matrix::NullaryExpr(n, d, [&](Index, Index) { return normal(rng); });
    const KeyNorms norms(keys);
    const Matrix queries = Matrix::NullaryExpr(3, d, [&](Index, Index) { return (rep % 2 == 0 ? 6.0 : 0.7) * normal(rng); });
    std::vector<HullProjection> with, without;
    project_onto_hull_batch(keys, norms, queries, {n, n / 2, n - 1}, HullOptions{}, with);
    project_onto_hull_batch(keys, queries, {n, n / 2, n - 1}, HullOptions{}, without);
    for (std::size_t j = 0; j < 3; ++j) {
      CAPTURE(rep);
      CAPTURE(j);
      CHECK(with[j].status == without[j].status);
      CHECK(with[j].face == without[j].face);
      CHECK((with[j].x - without[j].x).norm() <= with[j].x_error + without[j].x_error);
      if (std::isfinite(with[j].delta)) {
        CHECK(with[j].delta_lo <= without[j].delta_hi);
        CHECK(with[j].delta_hi >= without[j].delta_lo);
      }
    }
    HullProjection single;
    project_onto_hull(keys, norms, queries.row(0).transpose(), HullOptions{}, single);
    CHECK(single.face == without[0].face);
  }
  // Norms of fewer keys than the projection needs, or of another dimension, are refused.
  const Matrix keys = Matrix::NullaryExpr(50, 8, [&](Index, Index) { return normal(rng); });
  const Vector q = Vector::Constant(8, 3.0);
  HullProjection h;
  CHECK(kind_of([&] { project_onto_hull(keys, KeyNorms(keys.topRows(49)), q, HullOptions{}, h); }) ==
        ErrorKind::bad_input);
  CHECK(kind_of([&] { project_onto_hull(keys, KeyNorms(Matrix::Ones(50, 9)), q, HullOptions{}, h); }) ==
        ErrorKind::bad_input);
}
