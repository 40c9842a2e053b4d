// Wolfe's minimum-norm-point method on small working sets (solvers/min_norm_point.hpp): exact zero
// affine weights, the block add, and warm starts after points join the working set; and an integer
// instance on which the exact-zero step once made the exact projection cycle.
#include "solvers/min_norm_point.hpp"

#include "solvers/hull_projection.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace vashista;

namespace {

Vector point(std::initializer_list<double> values) {
  Vector v(static_cast<Index>(values.size()));
  Index i = 0;
  for (double x : values) v[i++] = x;
  return v;
}

Vector min_norm(const MinNormPoint& mnp, const std::vector<Vector>& points) {
  Vector z = Vector::Zero(points.front().size());
  for (std::size_t s = 0; s < mnp.corral().size(); ++s)
    z += mnp.weights()[s] * points[static_cast<std::size_t>(mnp.corral()[s])];
  return z;
}

}  // namespace

TEST_CASE("min-norm point: an exact zero affine weight of an old corral point is the step's hit") {
  // Corral {y0 = (0, 2, 1), y1 = (2, 1, 1)} at z = (0.8, 1.6, 1); then y2 = (0, -1, 1) joins. The affine
  // minimum of the three is (0, 0, 1) = 1/3 y0 + 2/3 y2, with weight exactly 0 on y1: the minor cycle
  // must drop y1 and keep y0 (it once zeroed the base point y0 instead, detoured through the corral {y2}
  // and took a third major cycle).
  const std::vector<Vector> points = {point({0, 2, 1}), point({2, 1, 1}), point({0, -1, 1})};
  MinNormPoint mnp(3);
  mnp.add_point(points[0]);
  mnp.add_point(points[1]);
  REQUIRE(mnp.solve(0, 100));
  CHECK(mnp.corral().size() == 2);
  CHECK(mnp.major_iterations() == 1);
  mnp.add_point(points[2]);
  REQUIRE(mnp.solve(0, 100));
  std::vector<Index> corral = mnp.corral();
  std::sort(corral.begin(), corral.end());
  CHECK(corral == std::vector<Index>{0, 2});
  CHECK(mnp.major_iterations() == 2);
  CHECK((min_norm(mnp, points) - point({0, 0, 1})).norm() <= 1e-15);
  CHECK_FALSE(mnp.stalled());
}

TEST_CASE("min-norm point: block adds reach a 20-point face in a few major cycles") {
  // y_i = e_i + e_20 (i < 20): the minimum-norm point of their hull is the centroid, weights 1/20 each;
  // y_20 = 3 e_20 and y_21 = e_0 + 2 e_20 lie beyond it and must stay out. From y_0 every face point
  // violates equally: Wolfe's method adding one point per major cycle needs 19, the block add 5.
  const Index d = 21;
  std::vector<Vector> points;
  for (Index i = 0; i < 20; ++i) {
    Vector y = Vector::Zero(d);
    y[i] = 1;
    y[20] = 1;
    points.push_back(y);
  }
  points.push_back(3 * Vector::Unit(d, 20));
  points.push_back(Vector::Unit(d, 0) + 2 * Vector::Unit(d, 20));
  MinNormPoint mnp(d);
  for (const Vector& y : points) mnp.add_point(y);
  REQUIRE(mnp.solve(0, 100));
  CHECK(mnp.corral().size() == 20);
  CHECK(std::none_of(mnp.corral().begin(), mnp.corral().end(), [](Index s) { return s >= 20; }));
  for (double w : mnp.weights()) CHECK(w == doctest::Approx(1.0 / 20).epsilon(1e-14));
  CHECK(mnp.major_iterations() <= 5);
  Vector expected = Vector::Constant(d, 1.0 / 20);
  expected[20] = 1;
  CHECK((min_norm(mnp, points) - expected).norm() <= 1e-14);
}

TEST_CASE("hull projection: integer keys with q on a hull edge end in a few major cycles (no cycling)") {
  // A random integer instance (d = 2, n = 16, duplicates) on which the exact-zero hit of the minor cycle
  // (see above) sent Wolfe's method round a cycle of corrals until the 10000-major-cycle limit, returning
  // x = (2, 2) with x_error = 2. q = (1.5, 2) lies on the hull's edge from (-1, 2) to (2, 2): no_gap.
  Matrix keys(16, 2);
  keys << 0, 0, -1, -2, 1, -2, -2, -2, 1, -1, 0, 1, -1, -2, 2, 2, -2, -1, -1, 2, 2, 2, -1, 1, -2, -1, 2, 1, 0, -2, -1, -1;
  const Vector q = point({1.5, 2});
  for (int initial : {64, 1}) {
    HullOptions options;
    options.initial_working_set = initial;
    const HullProjection h = project_onto_hull(keys, q, options);
    CAPTURE(initial);
    CHECK(h.status == HullStatus::no_gap);
    CHECK(h.major_iterations <= 10);
    CHECK((h.x - q).norm() <= 1e-12);
    CHECK(h.x_error <= 1e-6);
  }
}
