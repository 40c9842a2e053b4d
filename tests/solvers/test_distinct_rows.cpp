// Exact duplicate rows (solvers/distinct_rows.hpp).
#include "solvers/distinct_rows.hpp"

#include <doctest/doctest.h>

using namespace vashista;

TEST_CASE("distinct rows: duplicates merged in order of first occurrence, -0.0 equal to 0.0") {
  Matrix k(6, 2);
  k << 1, 2, 0, 0, 1, 2, -0.0, 0.0, 3, 4, 1, 2;
  const DistinctRows r = distinct_rows(k);
  REQUIRE(r.merged);
  REQUIRE(r.rows.rows() == 3);
  CHECK(r.rows.row(0) == k.row(0));
  CHECK(r.rows.row(1) == k.row(1));
  CHECK(r.rows.row(2) == k.row(4));
  CHECK(r.distinct_of == std::vector<Index>{0, 1, 0, 1, 2, 0});
  CHECK(r.multiplicity[0] == 3);
  CHECK(r.multiplicity[1] == 2);
  CHECK(r.multiplicity[2] == 1);
}

TEST_CASE("distinct rows: nothing merged when every row differs (even by one ulp)") {
  Matrix k(3, 2);
  k << 1, 2, 1, std::nextafter(2.0, 3.0), 2, 1;
  const DistinctRows r = distinct_rows(k);
  CHECK_FALSE(r.merged);
  CHECK(r.rows.size() == 0);
  CHECK(r.distinct_of.empty());
}

TEST_CASE("distinct rows: rows with equal hashes but different values stay apart") {
  // many rows, few distinct: every run of equal hashes is checked value by value
  Matrix k(1000, 3);
  for (Index i = 0; i < k.rows(); ++i) k.row(i) << static_cast<double>(i % 7), 0.5 * static_cast<double>(i % 3), 1.0;
  const DistinctRows r = distinct_rows(k);
  REQUIRE(r.merged);
  CHECK(r.rows.rows() == 21);  // lcm(7, 3) classes
  CHECK(r.multiplicity.sum() == 1000);
  for (Index i = 0; i < k.rows(); ++i) CHECK(r.rows.row(r.distinct_of[static_cast<std::size_t>(i)]) == k.row(i));
}

TEST_CASE("distinct rows: rows equal on the sampled coordinates but not elsewhere are not merged") {
  // d = 16: the quick test hashes coordinates 0, 2, 4, ..., 14; these rows differ only at odd ones
  Matrix k = Matrix::Zero(50, 16);
  for (Index i = 0; i < k.rows(); ++i) k(i, 1 + 2 * (i % 8)) = 1.0 + static_cast<double>(i);
  CHECK_FALSE(distinct_rows(k).merged);
  k.row(49) = k.row(7);  // one true duplicate among them
  const DistinctRows r = distinct_rows(k);
  REQUIRE(r.merged);
  CHECK(r.rows.rows() == 49);
  CHECK(r.distinct_of[49] == r.distinct_of[7]);
}
