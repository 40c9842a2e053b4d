// Exact hull projection: closed forms, planted instances, degenerate inputs, batch == single.
#include "core/error.hpp"
#include "solvers/hull_projection.hpp"

#include <doctest/doctest.h>

#include <Eigen/QR>

#include <cmath>
#include <random>
#include <vector>

using namespace vashista;

namespace {

Matrix rows(std::initializer_list<std::initializer_list<double>> values) {
  Matrix m(static_cast<Index>(values.size()), static_cast<Index>(values.begin()->size()));
  Index i = 0;
  for (const auto& row : values) {
    Index j = 0;
    for (double v : row) m(i, j++) = v;
    ++i;
  }
  return m;
}

// A working set of one key, one key added per pricing: most keys then go through the screening paths
// (query-axis bound, candidate pool) even on tiny instances.
HullOptions one_key_working_set() {
  HullOptions options;
  options.initial_working_set = 1;
  options.max_added_per_pass = 1;
  return options;
}

Vector vec(std::initializer_list<double> values) {
  Vector v(static_cast<Index>(values.size()));
  Index i = 0;
  for (double x : values) v[i++] = x;
  return v;
}

/// Every certified result must satisfy its own certificate against the known exact answer.
void check_against_truth(const HullProjection& h, const Vector& x_true, const Vector& lambda_true) {
  CHECK((h.x - x_true).norm() <= h.x_error);
  REQUIRE(h.lambda.size() == lambda_true.size());
  for (Index i = 0; i < lambda_true.size(); ++i) CHECK(std::abs(h.lambda[i] - lambda_true[i]) <= h.lambda_error[i]);
  CHECK(h.residual_norm == doctest::Approx((h.residual).norm()));
}

}  // namespace

TEST_CASE("hull: to_string of every status") {
  CHECK(std::string(to_string(HullStatus::certified)) == "certified");
  CHECK(std::string(to_string(HullStatus::face_ambiguous)) == "face_ambiguous");
  CHECK(std::string(to_string(HullStatus::no_gap)) == "no_gap");
  CHECK(std::string(to_string(HullStatus::unresolved)) == "unresolved");
}

TEST_CASE("hull: n = 1 projects onto the single key") {
  const Matrix k = rows({{1.0, -2.0, 0.5}});
  const Vector q = vec({3.0, 1.0, -1.0});
  const auto h = project_onto_hull(k, q);
  CHECK(h.status == HullStatus::certified);
  CHECK((h.x - k.row(0).transpose()).norm() <= h.x_error);
  CHECK(h.face == std::vector<Index>{0});
  CHECK(h.face_weights.size() == 1);
  CHECK(h.face_weights[0] == doctest::Approx(1.0));
  CHECK(std::isnan(h.delta));
  CHECK(h.residual_norm == doctest::Approx((q - k.row(0).transpose()).norm()));
  // q equal to the key: inside the hull.
  const auto inside = project_onto_hull(k, Vector(k.row(0).transpose()));
  CHECK(inside.status == HullStatus::no_gap);
}

TEST_CASE("hull: two points, projection onto a segment") {
  const Matrix k = rows({{0.0, 0.0}, {2.0, 0.0}});
  SUBCASE("q above the middle: both keys in the face, no key outside") {
    const auto h = project_onto_hull(k, vec({1.0, 1.0}));
    CHECK(h.status == HullStatus::certified);
    check_against_truth(h, vec({1.0, 0.0}), vec({0.0, 0.0}));
    CHECK(h.face == std::vector<Index>{0, 1});
    CHECK(h.face_weights[0] == doctest::Approx(0.5));
    CHECK(h.face_weights[1] == doctest::Approx(0.5));
    CHECK(std::isnan(h.delta));
  }
  SUBCASE("q beyond the end point k1: face {1}, Delta = 2") {
    const auto h = project_onto_hull(k, vec({3.0, 1.0}));
    CHECK(h.status == HullStatus::certified);
    check_against_truth(h, vec({2.0, 0.0}), vec({2.0, 0.0}));
    CHECK(h.face == std::vector<Index>{1});
    CHECK(h.delta == doctest::Approx(2.0));
    CHECK(h.delta_lo <= 2.0);
    CHECK(h.delta_hi >= 2.0);
  }
  SUBCASE("q on the segment: no gap") {
    const auto h = project_onto_hull(k, vec({0.5, 0.0}));
    CHECK(h.status == HullStatus::no_gap);
    CHECK(h.residual_norm <= h.x_error);
  }
}

TEST_CASE("hull: q inside a triangle is no_gap") {
  const Matrix k = rows({{0.0, 0.0}, {4.0, 0.0}, {0.0, 3.0}});
  const auto h = project_onto_hull(k, vec({1.0, 1.0}));
  CHECK(h.status == HullStatus::no_gap);
  CHECK((h.x - vec({1.0, 1.0})).norm() <= h.x_error);
  CHECK(std::isnan(h.delta));
  // weights reproduce q
  Vector x = Vector::Zero(2);
  for (std::size_t f = 0; f < h.face.size(); ++f) x += h.face_weights[static_cast<Index>(f)] * k.row(h.face[f]).transpose();
  CHECK((x - vec({1.0, 1.0})).norm() < 1e-12);
}

TEST_CASE("hull: unit square, q beyond a vertex and beyond an edge") {
  const Matrix k = rows({{0.0, 0.0}, {1.0, 0.0}, {0.0, 1.0}, {1.0, 1.0}});
  SUBCASE("beyond vertex (1,1): lambda = <x - k_i, r> = (3, 2, 1, 0)") {
    const auto h = project_onto_hull(k, vec({2.0, 3.0}));
    CHECK(h.status == HullStatus::certified);
    check_against_truth(h, vec({1.0, 1.0}), vec({3.0, 2.0, 1.0, 0.0}));
    CHECK(h.face == std::vector<Index>{3});
    CHECK(h.delta == doctest::Approx(1.0));
    CHECK(h.delta_lo <= 1.0);
    CHECK(h.delta_hi >= 1.0);
  }
  SUBCASE("beyond the top edge: face {2, 3} with weights (0.7, 0.3), Delta = 1") {
    const auto h = project_onto_hull(k, vec({0.3, 2.0}));
    CHECK(h.status == HullStatus::certified);
    check_against_truth(h, vec({0.3, 1.0}), vec({1.0, 1.0, 0.0, 0.0}));
    CHECK(h.face == std::vector<Index>{2, 3});
    CHECK(h.face_weights[0] == doctest::Approx(0.7));
    CHECK(h.face_weights[1] == doctest::Approx(0.3));
    CHECK(h.delta == doctest::Approx(1.0));
    CHECK(h.residual_norm == doctest::Approx(1.0));
  }
}

namespace {

struct Planted {
  Matrix keys;
  Vector q, x_star, lambda;
  std::vector<Index> face;
  double delta;
};

// Face keys on the hyperplane <k, u> = c with x* a convex combination of them (all weights > 0),
// q = x* + t u, other keys at <k, u> = c - g_i (g_i > 0): then lambda_i = t g_i exactly, face keys 0.
Planted make_planted(std::mt19937_64& rng, Index d, Index n, Index face_size, double t) {
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform(0.05, 2.0);
  Planted p;
  Vector u = Vector::NullaryExpr(d, [&](Index) { return normal(rng); });
  u.normalize();
  const double c = 1.5;
  p.keys.resize(n, d);
  p.lambda.resize(n);
  std::vector<Index> order(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  std::shuffle(order.begin(), order.end(), rng);
  p.face.assign(order.begin(), order.begin() + face_size);
  std::sort(p.face.begin(), p.face.end());
  std::vector<char> in_face(static_cast<std::size_t>(n), 0);
  for (Index f : p.face) in_face[static_cast<std::size_t>(f)] = 1;
  p.x_star = Vector::Zero(d);
  Vector w(face_size);
  double wsum = 0;
  for (Index f = 0; f < face_size; ++f) wsum += (w[f] = uniform(rng));
  Index f = 0;
  p.delta = kInf;
  for (Index i = 0; i < n; ++i) {
    Vector k = Vector::NullaryExpr(d, [&](Index) { return normal(rng); });
    k -= u * u.dot(k);
    if (in_face[static_cast<std::size_t>(i)]) {
      k += c * u;
      p.x_star += (w[f++] / wsum) * k;
      p.lambda[i] = 0;
    } else {
      const double g = uniform(rng);
      k += (c - g) * u;
      p.lambda[i] = t * g;
      p.delta = std::min(p.delta, t * g);
    }
    p.keys.row(i) = k.transpose();
  }
  p.q = p.x_star + t * u;
  // exact lambda with the rounded data (differs from t g_i by rounding only)
  for (Index i = 0; i < n; ++i) p.lambda[i] = (p.x_star - p.keys.row(i).transpose()).dot(p.q - p.x_star);
  return p;
}

}  // namespace

TEST_CASE("hull: planted faces in d = 16..128 are recovered and certified") {
  std::mt19937_64 rng(20240611);
  int certified = 0, total = 0, passes = 0;
  for (Index d : {16, 32, 64, 128}) {
    for (int rep = 0; rep < 6; ++rep) {
      const Index face_size = std::min<Index>(d - 1, 3 + 7 * rep);
      const Index n = 200 + 150 * rep;
      const Planted p = make_planted(rng, d, n, face_size, 0.5 + 0.3 * rep);
      const auto h = project_onto_hull(p.keys, p.q);
      ++total;
      CAPTURE(d);
      CAPTURE(rep);
      CAPTURE(h.message);
      REQUIRE(h.status == HullStatus::certified);
      ++certified;
      CHECK(h.face == p.face);
      CHECK((h.x - p.x_star).norm() <= h.x_error + 1e-13 * p.x_star.norm());
      CHECK(h.delta_lo <= p.delta * (1 + 1e-12));
      CHECK(h.delta_hi >= p.delta * (1 - 1e-12));
      CHECK(h.delta == doctest::Approx(p.delta).epsilon(1e-9));
      CHECK(h.face_weights.minCoeff() > 0);
      CHECK(h.face_weights.sum() == doctest::Approx(1.0));
      CHECK(h.key_passes >= 1);  // pass 1 (scores); the certificate is a pricing pass or the query-axis bound
      passes += h.key_passes;
      for (Index i = 0; i < n; ++i) CHECK(std::abs(h.lambda[i] - p.lambda[i]) <= h.lambda_error[i] + 1e-13);
    }
  }
  CHECK(certified == total);
  MESSAGE("planted: mean key passes ", double(passes) / total);
}

TEST_CASE("hull: degenerate inputs") {
  SUBCASE("all keys equal") {
    const Matrix k = Matrix::Constant(5, 3, 0.7);
    const auto h = project_onto_hull(k, vec({1.0, 2.0, 3.0}));
    CHECK(h.status == HullStatus::certified);
    CHECK(h.face == std::vector<Index>{0, 1, 2, 3, 4});
    CHECK(std::isnan(h.delta));
    CHECK((h.x - Vector::Constant(3, 0.7)).norm() <= h.x_error);
    CHECK(h.face_weights.sum() == doctest::Approx(1.0));
    CHECK(h.face_weights.minCoeff() > 0);  // strict complementarity reached by the least-norm mix
    const auto inside = project_onto_hull(k, Vector::Constant(3, 0.7));
    CHECK(inside.status == HullStatus::no_gap);
  }
  SUBCASE("duplicate face keys share the face") {
    const Matrix k = rows({{1.0, 1.0}, {0.0, 0.0}, {1.0, 1.0}, {1.0, 0.0}, {1.0, 1.0}});
    const auto h = project_onto_hull(k, vec({3.0, 3.0}));
    CHECK(h.status == HullStatus::certified);
    CHECK(h.face == std::vector<Index>{0, 2, 4});
    check_against_truth(h, vec({1.0, 1.0}), vec({0.0, 4.0, 0.0, 2.0, 0.0}));
    CHECK(h.delta == doctest::Approx(2.0));
    CHECK(h.face_weights.minCoeff() > 0);
  }
  SUBCASE("affinely dependent face: 4 coplanar square corners in 3-D") {
    const Matrix k = rows({{1.0, 1.0, 0.0},
                           {-1.0, 1.0, 0.0},
                           {0.0, 0.0, -1.0},
                           {1.0, -1.0, 0.0},
                           {-1.0, -1.0, 0.0},
                           {0.5, 0.5, -3.0}});
    const Vector q = vec({0.2, 0.1, 2.0});
    const auto h = project_onto_hull(k, q);
    CHECK(h.status == HullStatus::certified);
    CHECK(h.face == std::vector<Index>{0, 1, 3, 4});
    check_against_truth(h, vec({0.2, 0.1, 0.0}), vec({0.0, 0.0, 2.0, 0.0, 0.0, 6.0}));
    CHECK(h.delta == doctest::Approx(2.0));
    CHECK(h.face_weights.minCoeff() >= 0);
    Vector x = Vector::Zero(3);
    for (std::size_t f = 0; f < h.face.size(); ++f) x += h.face_weights[static_cast<Index>(f)] * k.row(h.face[f]).transpose();
    CHECK((x - vec({0.2, 0.1, 0.0})).norm() < 1e-12);
  }
  SUBCASE("q exactly on a vertex and on an edge: no gap") {
    const Matrix k = rows({{0.0, 0.0}, {1.0, 0.0}, {0.0, 1.0}});
    CHECK(project_onto_hull(k, vec({1.0, 0.0})).status == HullStatus::no_gap);
    CHECK(project_onto_hull(k, vec({0.5, 0.5})).status == HullStatus::no_gap);
  }
  SUBCASE("d = 1") {
    const Matrix k = rows({{-1.0}, {2.0}, {0.5}, {2.0}});
    const auto h = project_onto_hull(k, vec({5.0}));
    CHECK(h.status == HullStatus::certified);
    CHECK(h.face == std::vector<Index>{1, 3});
    check_against_truth(h, vec({2.0}), vec({9.0, 0.0, 4.5, 0.0}));
    CHECK(h.delta == doctest::Approx(4.5));
    CHECK(project_onto_hull(k, vec({0.0})).status == HullStatus::no_gap);
  }
  SUBCASE("non-finite input and dimension mismatch throw bad_input") {
    Matrix k = rows({{0.0, 1.0}, {1.0, 0.0}});
    CHECK_THROWS_AS(project_onto_hull(k, vec({1.0, 2.0, 3.0})), Error);
    Vector q = vec({1.0, kNaN});
    try {
      project_onto_hull(k, q);
      FAIL("no throw");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::bad_input);
    }
    k(1, 1) = kInf;
    CHECK_THROWS_AS(project_onto_hull(k, vec({1.0, 2.0})), Error);
    const Matrix queries = rows({{1.0, 2.0}});
    CHECK_THROWS_AS(project_onto_hull_batch(rows({{0.0, 1.0}}), queries, {2}), Error);
    CHECK_THROWS_AS(project_onto_hull_batch(rows({{0.0, 1.0}}), queries, {0}), Error);
  }
}

namespace {

// Solves the queries as one batch and one by one (each over its visible prefix) and checks that they agree.
void check_batch_equals_single(const Matrix& keys, const Matrix& queries, const std::vector<Index>& visible,
                               const HullOptions& options) {
  const Index m = queries.rows();
  const auto batch = project_onto_hull_batch(keys, queries, visible, options);
  REQUIRE(batch.size() == static_cast<std::size_t>(m));
  for (Index j = 0; j < m; ++j) {
    CAPTURE(j);
    const Index v = visible.empty() ? keys.rows() : visible[static_cast<std::size_t>(j)];
    const auto single = project_onto_hull(keys.topRows(v), queries.row(j).transpose(), options);
    const auto& b = batch[static_cast<std::size_t>(j)];
    REQUIRE(b.lambda.size() == v);
    CHECK(b.status == single.status);
    CHECK(b.face == single.face);
    CHECK((b.x - single.x).norm() <= 1e-12 * (1 + single.x.norm()));
    CHECK((b.lambda - single.lambda).cwiseAbs().maxCoeff() <= 1e-10 * (1 + single.lambda.cwiseAbs().maxCoeff()));
    if (b.status == HullStatus::certified && !std::isnan(single.delta)) {
      CHECK(b.delta == doctest::Approx(single.delta).epsilon(1e-10));
    }
    for (Index f : b.face) CHECK(f < v);
  }
}

}  // namespace

TEST_CASE("hull: batch equals single, visible prefixes honoured") {
  // 4 queries take the batch's passes query by query (key_dots), 9 in two groups of interleaved vectors
  // per block, the second padded (key_dots_many; kNarrowBatch).
  for (const Index m : {Index{4}, Index{9}}) {
    CAPTURE(m);
    std::mt19937_64 rng(7);
    std::normal_distribution<double> normal;
    const Index n = 700, d = 12;
    Matrix keys = Matrix::NullaryExpr(n, d, [&](Index, Index) { return normal(rng); });
    Matrix queries = Matrix::NullaryExpr(m, d, [&](Index, Index) { return 3.0 * normal(rng); });
    queries.row(3) *= 0.05;  // likely inside the hull
    const std::vector<Index> prefixes = {700, 1, 50, 700, 333, 2, 699, 64, 1000 - 300};
    std::vector<Index> visible;
    for (Index j = 0; j < m; ++j) visible.push_back(prefixes[static_cast<std::size_t>(j) % prefixes.size()]);
    HullOptions options;
    options.initial_working_set = 8;  // force several pricing rounds
    options.max_added_per_pass = 4;
    check_batch_equals_single(keys, queries, visible, options);
    check_batch_equals_single(keys, queries, {}, options);  // without prefixes too
  }
}

TEST_CASE("hull: a batch of 20 queries at large d (three groups of vectors) equals single solves") {
  // 20 queries are priced in groups of 8 + 8 + 4 (key_dots_many, the last group padded) over 300 keys
  // of d = 2048 (two blocks of rows, the second shorter than the block size). Without screening every
  // pricing pass is full: the first one prices all 20 queries together.
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal;
  const Index n = 300, d = 2048, m = 20;
  const Matrix keys = Matrix::NullaryExpr(n, d, [&](Index, Index) { return normal(rng); });
  for (const double scale : {2.0, 40.0}) {  // near the hull (several passes), far (few-key faces)
    for (const bool screening : {true, false}) {
      CAPTURE(scale);
      CAPTURE(screening);
      const Matrix queries = Matrix::NullaryExpr(m, d, [&](Index, Index) { return scale * normal(rng); });
      std::vector<Index> visible;
      for (Index j = 0; j < m; ++j) visible.push_back(j % 3 == 1 ? 300 - 7 * j : 300);
      HullOptions options;
      options.screening = screening;
      options.initial_working_set = 8;
      options.max_added_per_pass = 4;
      check_batch_equals_single(keys, queries, visible, options);
    }
  }
}

TEST_CASE("hull: a multiplier at the scale of the error bars is reported face_ambiguous") {
  // Segment k0 k1 with q above its middle, plus a duplicate of k0: the duplicate's multiplier is 0 only
  // up to rounding, so the linear certificate cannot prove the corral optimal and the Frank-Wolfe bars
  // (~ sqrt of the rounding) apply. A key k2 below the segment's midpoint at height -h has
  // lambda_2 = h * ||r|| = h. Choose h = 1.5 x the error scale seen without k2: its error bar then
  // neither contains 0 nor clears the face multipliers' bars.
  const Matrix base = rows({{0.0, 0.0}, {2.0, 0.0}, {0.0, 0.0}});
  const auto h0 = project_onto_hull(base, vec({1.0, 1.0}));
  REQUIRE(h0.status == HullStatus::certified);
  CHECK(!h0.linear_certificate);
  CHECK(!h0.face_exact);  // F = {0, 1, 2} is the true face, but nothing proves the duplicate's lambda = 0
  CHECK(h0.face == std::vector<Index>{0, 1, 2});
  const double scale = h0.lambda_error.maxCoeff();
  REQUIRE(scale > 1e-10);  // Frank-Wolfe bars: ~sqrt(u), far above the rounding of lambda itself
  {
    // A key below the segment's midpoint at height -scale/100 has lambda = scale/100 > 0, inside its
    // Frank-Wolfe bar: F is then larger than the true face {0, 1, 2} (every key, no Delta). That is the
    // documented meaning of a Frank-Wolfe face (it contains the true face), and face_exact says so.
    Matrix k4(4, 2);
    k4 << 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 1.0, -0.01 * scale;
    const auto sup = project_onto_hull(k4, vec({1.0, 1.0}));
    CHECK(sup.status == HullStatus::certified);
    CHECK(!sup.face_exact);
    CHECK(sup.face == std::vector<Index>{0, 1, 2, 3});
    CHECK(std::isnan(sup.delta));
    CHECK(std::abs(sup.lambda[3] - 0.01 * scale) <= sup.lambda_error[3]);
  }
  Matrix k(4, 2);
  k << 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 1.0, -1.5 * scale;
  const auto h = project_onto_hull(k, vec({1.0, 1.0}));
  CAPTURE(h.message);
  CHECK(h.status == HullStatus::face_ambiguous);
  CHECK(!h.message.empty());
  // Without the duplicate the linear certificate holds: the same key is resolved, with an interval
  // around its true multiplier h and the exact face {0, 1}.
  Matrix k3(3, 2);
  k3 << 0.0, 0.0, 2.0, 0.0, 1.0, -1.5 * scale;
  const auto lin = project_onto_hull(k3, vec({1.0, 1.0}));
  CHECK(lin.linear_certificate);
  CHECK(lin.face_exact);
  CHECK(lin.status == HullStatus::certified);
  CHECK(lin.face == std::vector<Index>{0, 1});
  CHECK(lin.delta_lo <= 1.5 * scale);
  CHECK(lin.delta_hi >= 1.5 * scale);
  CHECK(lin.delta_hi - lin.delta_lo < 1e-3 * scale);
  k.resize(3, 2);
  k << 0.0, 0.0, 2.0, 0.0, 1.0, -1.5 * scale;
  // far below, the same key is cleanly outside
  k(2, 1) = -0.5;
  const auto clean = project_onto_hull(k, vec({1.0, 1.0}));
  CHECK(clean.status == HullStatus::certified);
  CHECK(clean.face == std::vector<Index>{0, 1});
  CHECK(clean.delta == doctest::Approx(0.5));
}

// Exact instances (every coordinate dyadic, so the truth is exact in double): face keys on the
// hyperplane x_{d-1} = 1 around x* = their centroid (4 keys, coordinates multiples of 1/8, so the
// centroid is exact), q = x* + e_{d-1}, and outside keys at x_{d-1} = 1 - g_i with g_i = 2^-k:
// lambda_i = g_i exactly, Delta = min g_i (g_i = 2^-k ... 2^-(k+5)). The linear certificate must resolve gaps far below the
// ~1e-8 relative reach of the Frank-Wolfe bars, and every certified interval must contain the truth.
TEST_CASE("hull: linear certificate on exact dyadic instances, gaps from 2^-10 down to 2^-55") {
  std::mt19937_64 rng(77);
  std::uniform_int_distribution<int> eighths(-16, 16);
  int linear = 0, total = 0;
  for (Index d : {2, 3, 5, 8, 16}) {
    for (int k = 10; k <= 50; k += 5) {
      const Index face_size = std::min<Index>(4, d);  // affinely independent generically (d - 1 >= 3) or a segment/triangle
      const Index n = face_size + 6;
      Matrix keys(n, d);
      Vector centroid = Vector::Zero(d);
      for (Index i = 0; i < face_size; ++i) {
        for (Index c = 0; c + 1 < d; ++c) keys(i, c) = eighths(rng) / 8.0;
        keys(i, d - 1) = 1.0;
      }
      // the face's centroid: with 4 (or fewer, a power of two or 3) keys; use weights 1/face_size only
      // when exact (face_size a power of two), else 1/2, 1/4, 1/4 for three keys.
      std::vector<double> w(static_cast<std::size_t>(face_size), 1.0 / static_cast<double>(face_size));
      if (face_size == 3) w = {0.5, 0.25, 0.25};
      for (Index i = 0; i < face_size; ++i) centroid += w[static_cast<std::size_t>(i)] * keys.row(i).transpose();
      double delta = kInf;
      for (Index i = face_size; i < n; ++i) {
        for (Index c = 0; c + 1 < d; ++c) keys(i, c) = eighths(rng) / 8.0;
        const double g = std::ldexp(1.0, -(k + static_cast<int>(i - face_size)));
        keys(i, d - 1) = 1.0 - g;
        delta = std::min(delta, g);
      }
      Vector q = centroid;
      q[d - 1] += 1.0;
      const auto h = project_onto_hull(keys, q);
      ++total;
      CAPTURE(d);
      CAPTURE(k);
      CAPTURE(h.message);
      // Truth: x* = centroid, r* = e_{d-1}, lambda_i = 1 - keys(i, d-1).
      CHECK((h.x - centroid).norm() <= h.x_error);
      for (Index i = 0; i < n; ++i) CHECK(std::abs(h.lambda[i] - (1.0 - keys(i, d - 1))) <= h.lambda_error[i]);
      if (h.status == HullStatus::certified && !std::isnan(h.delta)) {
        CHECK(h.delta_lo <= delta);
        CHECK(h.delta_hi >= delta);
      }
      // Without the linear certificate F is the set of keys whose multiplier could be 0: a superset of
      // the true face (and Delta is NaN when that is every key).
      for (Index i = 0; i < face_size; ++i) CHECK(std::binary_search(h.face.begin(), h.face.end(), i));
      if (h.linear_certificate) {
        ++linear;
        CHECK(h.status == HullStatus::certified);
        CHECK(static_cast<Index>(h.face.size()) == face_size);
        CHECK(h.delta_lo <= delta);
        CHECK(h.delta_hi >= delta);
      }
      // Gaps down to 2^-(k+5) = 2^-40 (~1e-12 of the key spread) must be resolved exactly.
      if (k <= 35) CHECK(h.linear_certificate);
    }
  }
  MESSAGE("dyadic: linear certificates ", linear, " of ", total);
}

TEST_CASE("hull: tiny keys (~1e-14, fuzz finding: the corral emptied) and overflowing queries") {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  int statuses[4] = {0, 0, 0, 0};
  for (int rep = 0; rep < 300; ++rep) {
    const Index n = 2 + rep % 30, d = 6;
    Matrix keys = Matrix::NullaryExpr(n, d, [&](Index, Index) { return 1e-14 * normal(rng); });
    if (rep % 3 == 0) keys.row(n - 1) = keys.row(0);  // duplicates
    if (rep % 5 == 0) keys.col(d - 1).setConstant(2e-14);  // every key on one hyperplane
    const Vector q = Vector::NullaryExpr(d, [&](Index) { return (rep % 2 ? 1e-14 : 1.0) * normal(rng); });
    const auto h = project_onto_hull(keys, q);
    ++statuses[static_cast<int>(h.status)];
    CHECK(h.x.allFinite());
    CHECK(std::isfinite(h.x_error));
    if (h.status == HullStatus::certified && !std::isnan(h.delta)) CHECK(h.delta_lo <= h.delta_hi);
  }
  MESSAGE("tiny keys: certified ", statuses[0], ", ambiguous ", statuses[1], ", no_gap ", statuses[2],
          ", unresolved ", statuses[3]);
  // Queries whose squared norm overflows double: a clear error, not infinite error bars.
  const Matrix keys = rows({{1.0}, {-3e14}, {-3e14}, {2.5e21}});
  CHECK_THROWS_AS(project_onto_hull(keys, vec({1.43e299})), Error);
}

TEST_CASE("hull: a one-key working set over duplicate keys (fuzz finding: the working set was empty)") {
  // Both keys rank by score (equal scores), none by nearness: the nearness share of a one-key W0 was
  // empty and so was W0; Wolfe then read a stale working set and "proved" both keys off the face.
  HullOptions one = one_key_working_set();
  for (const double scale : {1.0, 0x1.a2fe76a3f9475p-499}) {
    CAPTURE(scale);
    const Matrix k = rows({{scale}, {scale}});
    const Vector q = vec({-54.0 * scale});
    for (const bool screening : {true, false}) {
      one.screening = screening;
      const auto h = project_onto_hull(k, q, one);
      CHECK(h.status == HullStatus::certified);
      CHECK(h.face == std::vector<Index>{0, 1});  // both keys lie at x* = k
      CHECK(h.x[0] == scale);
      CHECK(std::abs(h.lambda[0]) <= h.lambda_error[0]);
      CHECK(std::abs(h.lambda[1]) <= h.lambda_error[1]);
    }
  }
}

TEST_CASE("hull: keys ~1e-150 and ~1e-165, products underflow (fuzz finding: bars of 0)") {
  // q is key 3, so x* = q, r* = 0 and every multiplier is exactly 0. The Frank-Wolfe gap of a nearby
  // x (~3e-333) underflowed to 0 and took every bar with it, while a computed multiplier was 3e-318:
  // key 1 was "proven" off the face. Every bar now carries the subnormal floor.
  const Matrix k = rows({{0x1.2e43ae3a7e9ebp-546}, {0x1.a2fc137e1626bp-499}, {0x1.a2fc137e1626bp-499},
                         {-0x1.3844b3162960ap-547}});
  const Vector q = vec({-0x1.3844b3162960ap-547});
  HullOptions one = one_key_working_set();
  for (const bool screening : {true, false}) {
    for (const HullOptions& base : {HullOptions{}, one}) {
      HullOptions options = base;
      options.screening = screening;
      const auto h = project_onto_hull(k, q, options);
      CAPTURE(screening);
      CAPTURE(options.initial_working_set);
      CHECK(h.status == HullStatus::no_gap);
      CHECK(h.face == std::vector<Index>{0, 1, 2, 3});
      for (Index i = 0; i < k.rows(); ++i) CHECK(std::abs(h.lambda[i]) <= h.lambda_error[i]);
    }
  }
}

TEST_CASE("hull: keys and query ~1e150, the query-axis bound's squares overflow (fuzz finding)") {
  // s_i^2 ~ 2^1992 overflowed to inf inside the tight ||P k_i|| bound, which became 0: key 1 was
  // "proven" with lambda 1.26 * 2^992 +- 2^976 while its multiplier is 3.26 * 2^992.
  const Matrix k = rows({{0x1.38d352e5096afp+498, -0x1.38d352e5096afp+498, 0x1.1b7f831f9088fp+497},
                         {-0x1.d53cfc578e206p+499, -0x1.d53cfc578e206p+499, -0x1.45e4460440cfdp+495},
                         {0x1.37e7c8dcd56fep+498, 0x1.35252ac4397ecp+496, 0x1.35252ac4397ecp+496},
                         {0x1.35252ac4397ecp+496, 0x1.35252ac4397ecp+496, 0x1.35252ac4397cap+496},
                         {-0x1.218d437217cbdp+496, 0x1.35252ac4397ecp+496, 0x1.38d352e50971dp+498}});
  const Vector q = vec({-0x1.5af084b0e6fd6p+495, 0x1.35252ac4397ecp+496, 0x1.38d352e5096afp+498});
  HullOptions one = one_key_working_set();
  HullOptions unscreened = one;
  unscreened.screening = false;
  const auto a = project_onto_hull(k, q, one);
  const auto b = project_onto_hull(k, q, unscreened);
  for (Index i = 0; i < k.rows(); ++i) {
    CAPTURE(i);
    CHECK(std::abs(a.lambda[i] - b.lambda[i]) <= a.lambda_error[i] + b.lambda_error[i]);
  }
  CHECK(a.face == b.face);
}
