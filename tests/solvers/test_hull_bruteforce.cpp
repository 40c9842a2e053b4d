// Exact hull projection against brute force: for n <= 12 every subset S of affinely independent keys
// gives the affine projection of q onto aff(S); the feasible ones (weights >= 0) are points of the hull,
// and the nearest feasible one is x* (Caratheodory: x* is the affine projection onto some affinely
// independent subset of its face with positive weights).
#include "solvers/hull_projection.hpp"

#include <doctest/doctest.h>

#include <Eigen/QR>

#include <cmath>
#include <random>
#include <string>
#include <vector>

using namespace vashista;

namespace {

struct Truth {
  Vector x;
  Vector lambda;
  std::vector<Index> face;
  double delta = kNaN;
  double rnorm = 0;
};

// Brute-force rounding allowances (the brute force itself is computed in double): a subset's weights
// count as feasible at >= -kFeasible, a multiplier counts as 0 below kZero * scale^2.
constexpr double kFeasible = 1e-11;
constexpr double kZero = 1e-9;

Truth brute_force(const Matrix& keys, const Vector& q) {
  const Index n = keys.rows(), d = keys.cols();
  Truth t;
  double best = kInf;
  for (unsigned mask = 1; mask < (1u << n); ++mask) {
    std::vector<Index> s;
    for (Index i = 0; i < n; ++i)
      if (mask & (1u << i)) s.push_back(i);
    const Index k = static_cast<Index>(s.size()) - 1;
    if (k > d) continue;
    Vector z;
    Vector alpha(k + 1);
    const Vector k0 = keys.row(s[0]).transpose();
    if (k == 0) {
      z = k0;
      alpha[0] = 1;
    } else {
      Eigen::MatrixXd diff(d, k);
      for (Index c = 0; c < k; ++c) diff.col(c) = keys.row(s[static_cast<std::size_t>(c + 1)]).transpose() - k0;
      Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(diff);
      qr.setThreshold(1e-10);
      if (qr.rank() < k) continue;  // affinely dependent subset: covered by its independent subsets
      const Vector beta = qr.solve(Vector(q - k0));
      z = k0 + diff * beta;
      alpha.tail(k) = beta;
      alpha[0] = 1 - beta.sum();
    }
    if (alpha.minCoeff() < -kFeasible) continue;
    const double dist = (q - z).norm();
    if (dist < best) {
      best = dist;
      t.x = z;
    }
  }
  t.rnorm = best;
  const Vector r = q - t.x;
  double scale = 1;
  for (Index i = 0; i < n; ++i) scale = std::max(scale, (keys.row(i).transpose() - t.x).norm() * (1 + r.norm()));
  t.lambda.resize(n);
  for (Index i = 0; i < n; ++i) {
    t.lambda[i] = (t.x - keys.row(i).transpose()).dot(r);
    if (std::abs(t.lambda[i]) <= kZero * scale) {
      t.face.push_back(i);
    } else if (std::isnan(t.delta) || t.lambda[i] < t.delta) {
      t.delta = t.lambda[i];
    }
  }
  return t;
}

struct Tally {
  int certified = 0, no_gap = 0, ambiguous = 0, unresolved = 0;
  int screened = 0;  // solves with keys certified by a screening bound (query axis) instead of a pass
  int exact = 0;     // certified with face_exact
  int superset = 0;  // certified with F larger than the true face (possible only without face_exact)
};

// A working set of one key, one key added per pricing: even at n <= 12 most keys are then outside W0 and
// certified by the query-axis bound or priced as the candidate pool (hull_projection.cpp), so every
// bar and interval of those paths is checked against the brute-force truth as well.
HullOptions small_working_set() {
  HullOptions options;
  options.initial_working_set = 1;
  options.max_added_per_pass = 1;
  return options;
}

void compare(const Matrix& keys, const Vector& q, Tally& tally, const HullOptions& options = {}) {
  const Truth t = brute_force(keys, q);
  const auto h = project_onto_hull(keys, q, options);
  if (h.screened_keys > 0) ++tally.screened;
  const double slack = 1e-12 * (1 + keys.cwiseAbs().maxCoeff() + q.norm());  // brute-force rounding
  CAPTURE(keys);
  CAPTURE(q.transpose());
  CAPTURE(h.message);
  CAPTURE(to_string(h.status));
  // The certificate must be sound whatever the status.
  CHECK((h.x - t.x).norm() <= h.x_error + slack);
  switch (h.status) {
    case HullStatus::certified:
      ++tally.certified;
      CHECK(t.rnorm > 0);
      // F contains the true face (checked below); face_exact promises equality. Delta is Delta_F, the
      // smallest true multiplier outside F (= the true Delta when F is the true face).
      if (h.face_exact) {
        ++tally.exact;
        CHECK(h.face == t.face);
      }
      if (h.face != t.face) ++tally.superset;
      {
        double delta_f = kNaN;
        for (Index i = 0; i < keys.rows(); ++i)
          if (!std::binary_search(h.face.begin(), h.face.end(), i))
            delta_f = std::isnan(delta_f) ? t.lambda[i] : std::min(delta_f, t.lambda[i]);
        if (std::isnan(delta_f)) {
          CHECK(std::isnan(h.delta));
        } else {
          CHECK(h.delta_lo <= delta_f + slack);
          CHECK(h.delta_hi >= delta_f - slack);
        }
      }
      for (Index i = 0; i < keys.rows(); ++i) CHECK(std::abs(h.lambda[i] - t.lambda[i]) <= h.lambda_error[i] + slack);
      break;
    case HullStatus::no_gap:
      ++tally.no_gap;
      CHECK(t.rnorm <= h.x_error + slack);  // r* = 0 must be consistent
      break;
    case HullStatus::face_ambiguous: ++tally.ambiguous; break;
    case HullStatus::unresolved: ++tally.unresolved; break;
  }
  // A returned face always contains the true face (keys outside F are proven outside).
  for (Index f : t.face) {
    if (h.status == HullStatus::certified || h.status == HullStatus::face_ambiguous)
      CHECK(std::binary_search(h.face.begin(), h.face.end(), f));
  }
}

// The tallies of a brute-force run with default options and with a one-key working set: no solve may be
// unresolved or ambiguous, both runs certify the same instances, and the small working set's runs
// really exercised the screening bounds (at least min_screened solves with screened keys).
void report_and_check(const char* name, const Tally& tally, const Tally& small, int min_screened) {
  for (const Tally* t : {&tally, &small}) {
    const std::string label = std::string(name) + (t == &small ? ", working set of 1" : "");
    MESSAGE(label, ": certified ", t->certified, " (face exact ", t->exact,
            ", F larger than the face ", t->superset, "), no_gap ", t->no_gap, ", ambiguous ", t->ambiguous,
            ", unresolved ", t->unresolved, ", with screened keys ", t->screened);
  }
  CHECK(tally.unresolved == 0);
  CHECK(tally.ambiguous == 0);
  CHECK(tally.certified > 200);
  CHECK(small.unresolved == 0);
  CHECK(small.ambiguous == 0);
  CHECK(small.certified == tally.certified);
  CHECK(small.screened > min_screened);
}

}  // namespace

TEST_CASE("hull vs brute force: Gaussian keys, d in {2,3,5,8}, n <= 12") {
  std::mt19937_64 rng(1234);
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<int> pick_n(1, 12);
  Tally tally, small;
  for (int rep = 0; rep < 400; ++rep) {
    const Index d = std::vector<Index>{2, 3, 5, 8}[static_cast<std::size_t>(rep % 4)];
    const Index n = pick_n(rng);
    const Matrix keys = Matrix::NullaryExpr(n, d, [&](Index, Index) { return normal(rng); });
    const double spread = (rep % 3 == 0) ? 0.3 : 2.5;  // some queries inside, most outside
    const Vector q = Vector::NullaryExpr(d, [&](Index) { return spread * normal(rng); });
    compare(keys, q, tally);
    compare(keys, q, small, small_working_set());
  }
  report_and_check("gaussian", tally, small, 50);
  // Keys in general position: every certified face is proven exact (the linear certificate holds).
  CHECK(tally.exact == tally.certified);
  CHECK(small.exact == small.certified);
}

TEST_CASE("hull vs brute force: integer keys (ties, duplicates, dependent faces)") {
  std::mt19937_64 rng(99);
  std::uniform_int_distribution<int> coord(-2, 2);
  std::uniform_int_distribution<int> qcoord(-8, 8);
  std::uniform_int_distribution<int> pick_n(1, 12);
  Tally tally, small;
  for (int rep = 0; rep < 400; ++rep) {
    const Index d = std::vector<Index>{2, 3, 5, 8}[static_cast<std::size_t>(rep % 4)];
    const Index n = pick_n(rng);
    const Matrix keys = Matrix::NullaryExpr(n, d, [&](Index, Index) { return double(coord(rng)); });
    const Vector q = Vector::NullaryExpr(d, [&](Index) { return 0.5 * qcoord(rng); });
    compare(keys, q, tally);
    compare(keys, q, small, small_working_set());
  }
  report_and_check("integer", tally, small, 20);
}
