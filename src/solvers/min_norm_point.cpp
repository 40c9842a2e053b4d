#include "solvers/min_norm_point.hpp"

#include "solvers/rounding.hpp"

#include <Eigen/Jacobi>
#include <Eigen/QR>

#include <algorithm>
#include <cmath>
#include <utility>

namespace vashista {

namespace {

/// A new difference column whose component orthogonal to the current span is below this fraction of
/// its length is treated as affinely dependent on the corral (the affine solve would have condition
/// number above ~1e14 and its weights would be rounding noise). 1e-12 stalled Wolfe's method on faces
/// next to keys whose multiplier is ~1e-12 of the key spread (flat simplices), leaving them to the
/// Frank-Wolfe bars; the certificate, not this threshold, decides what is proven.
constexpr double kDependentColumn = 1e-14;

/// Gram-Schmidt is repeated when a pass leaves less than this fraction of the column's length. One
/// classical pass leaves v' with |<q_j, v'>| ~ k u ||a||, i.e. ~ k u ||a|| / ||v'|| <= 2 k u relative at
/// this threshold (DGKS's 1/sqrt(2) gives 1.4 k u): orthogonality at rounding level either way. Affine
/// differences y_s - y_b share -y_b, so a new column typically keeps ~0.71 of its length: at 1/sqrt(2)
/// about every other append was repeated (4 % of the instructions per planted query at n = 4096).
constexpr double kReorthogonalise = 0.5;

/// Safety factor on the rounding margin of the major-cycle test (see margin() below).
constexpr double kMarginFactor = 2.0;

/// Points that join the corral per major cycle: the most violating one and up to 3 more by violation
/// (a block add). Each major cycle prices the whole working set; adding 4 at a time cut Wolfe's
/// instructions by 26 % on the planted benchmark (30 -> 9 major cycles for ~25-point faces at
/// n = 4096; 2, 3, 6, 8 points: -21 %, -26 %, -23 %, -18 %; docs/benchmarks.md, session 9).
constexpr std::size_t kPointsPerMajor = 4;

}  // namespace

MinNormPoint::MinNormPoint(Index dim)
    : dim_(dim), points_(16, dim), q_(dim, 0), r_(0, 0), qtb_(0), column_(dim), coefficients_(0), pass_coefficients_(0) {}

void MinNormPoint::reserve(Index capacity) {
  if (capacity > points_.rows()) points_.conservativeResize(capacity, dim_);
}

void MinNormPoint::clear() {
  count_ = 0;
  ynorm_.clear();
  corral_.clear();
  weights_.clear();
  major_iterations_ = 0;
  stalled_ = false;
}

Index MinNormPoint::add_point(const Eigen::Ref<const Vector>& y) { return add_point(y, Vector::Zero(dim_)); }

Index MinNormPoint::add_point(const Eigen::Ref<const Vector>& point, const Eigen::Ref<const Vector>& origin) {
  if (count_ == points_.rows()) points_.conservativeResize(2 * count_ + 16, dim_);
  points_.row(count_) = (point - origin).transpose();
  ynorm_.push_back(points_.row(count_).norm());
  return count_++;
}

void MinNormPoint::current_point(Vector& z) const {
  z.setZero(dim_);
  for (std::size_t s = 0; s < corral_.size(); ++s) z += weights_[s] * points_.row(corral_[s]).transpose();
}

// alpha = affine minimum-norm point of the corral: beta = -R^{-1} Q^T y_b, alpha = (1 - sum beta, beta).
void MinNormPoint::affine_solve(std::vector<double>& alpha) {
  const Index k = static_cast<Index>(corral_.size()) - 1;
  alpha.assign(corral_.size(), 0.0);
  if (k == 0) {
    alpha[0] = 1.0;
    return;
  }
  auto beta = pass_coefficients_.head(k);  // scratch (append_column's), sized with q_
  beta = -qtb_.head(k);
  r_.topLeftCorner(k, k).triangularView<Eigen::Upper>().solveInPlace(beta);
  double sum = 0;
  for (Index s = 0; s < k; ++s) {
    alpha[s + 1] = beta[s];
    sum += beta[s];
  }
  alpha[0] = 1.0 - sum;
}

// Appends the column a = y_local - y_base to D = QR (classical Gram-Schmidt with the DGKS repetition,
// which keeps Q orthonormal to rounding level). Returns false when a is dependent on the span at rounding level.
bool MinNormPoint::append_column(Index local) {
  const Index k = static_cast<Index>(corral_.size()) - 2;  // columns already in the factor
  if (k >= dim_) return false;
  // The column and the coefficients live in members sized once (four heap allocations per append were
  // ~1.6 % of a planted single solve's instructions at n = 4096).
  Vector& v = column_;
  v.noalias() = points_.row(local).transpose() - points_.row(corral_[0]).transpose();
  const double anorm = v.norm();
  if (!(anorm > 0)) return false;
  if (q_.cols() <= k) {
    const Index cap = std::min<Index>(dim_, std::max<Index>(2 * k, 16));
    q_.conservativeResize(dim_, cap);
    r_.conservativeResize(cap, cap);
    qtb_.conservativeResize(cap);
    coefficients_.resize(cap);
    pass_coefficients_.resize(cap);
  }
  auto c = coefficients_.head(k);
  auto c_pass = pass_coefficients_.head(k);
  c.setZero();
  // Classical Gram-Schmidt, repeated once when the first pass cancelled most of the length
  // (||v|| < ||a|| / 2, a Daniel-Gragg-Kaufman-Stewart criterion; "twice is enough").
  double before = anorm;
  for (int pass = 0; pass < 2 && k > 0; ++pass) {
    c_pass.noalias() = q_.leftCols(k).transpose() * v;
    v.noalias() -= q_.leftCols(k) * c_pass;
    c += c_pass;
    const double after = v.norm();
    if (after >= kReorthogonalise * before) break;
    before = after;
  }
  const double rho = v.norm();
  if (!(rho > kDependentColumn * anorm)) return false;
  q_.col(k) = v / rho;
  r_.col(k).head(k) = c;
  r_(k, k) = rho;
  for (Index i = k + 1; i < r_.rows(); ++i) r_(i, k) = 0.0;
  qtb_[k] = q_.col(k).dot(points_.row(corral_[0]).transpose());  // Q^T y_b, kept for affine_solve
  return true;
}

void MinNormPoint::rebuild_factor() {
  if (corral_.empty()) return;  // callers keep at least one point; nothing to factor otherwise
  std::vector<Index> corral = corral_;
  std::vector<double> weights = weights_;
  corral_.assign(1, corral[0]);
  weights_.assign(1, weights[0]);
  for (std::size_t s = 1; s < corral.size(); ++s) {
    corral_.push_back(corral[s]);
    weights_.push_back(weights[s]);
    if (!append_column(corral[s])) {  // dependent at rounding level: leave it out of the corral
      corral_.pop_back();
      weights_.pop_back();
      stalled_ = true;
    }
  }
  double sum = 0;
  for (double w : weights_) sum += w;
  if (!(sum > 0)) {  // every remaining weight rounded to 0: restart from equal weights
    weights_.assign(weights_.size(), 1.0 / static_cast<double>(weights_.size()));
    return;
  }
  for (double& w : weights_) w /= sum;
}

// Removes corral position `position`. For a non-base point, column c = position - 1 of R is deleted;
// the Hessenberg remainder is re-triangularised by Givens rotations G_c (rows c, c+1), and Q <- Q G
// so that D' = (Q G)(G^T R') still holds. Dropping the base point rebuilds the factor.
void MinNormPoint::drop_corral_position(std::size_t position) {
  if (position == 0) {
    corral_.erase(corral_.begin());
    weights_.erase(weights_.begin());
    rebuild_factor();
    return;
  }
  const Index k = static_cast<Index>(corral_.size()) - 1;  // columns before the drop
  const Index col = static_cast<Index>(position) - 1;
  for (Index c = col; c + 1 < k; ++c) r_.col(c).head(k) = r_.col(c + 1).head(k);
  for (Index c = col; c + 1 < k; ++c) {
    Eigen::JacobiRotation<double> rotation;
    rotation.makeGivens(r_(c, c), r_(c + 1, c));
    // Rows c and c + 1 are zero left of column c here (R was triangular, and the rotations before this one
    // zeroed the subdiagonal up to column c - 1): the rotation touches columns c .. k - 2 only.
    auto rk = r_.block(0, c, k, k - 1 - c);
    rk.applyOnTheLeft(c, c + 1, rotation.adjoint());
    r_(c + 1, c) = 0.0;
    auto qk = q_.leftCols(k);
    qk.applyOnTheRight(c, c + 1, rotation);
    auto qtb = qtb_.head(k);  // (Q G)^T y_b = G^T (Q^T y_b)
    qtb.applyOnTheLeft(c, c + 1, rotation.adjoint());
  }
  corral_.erase(corral_.begin() + static_cast<std::ptrdiff_t>(position));
  weights_.erase(weights_.begin() + static_cast<std::ptrdiff_t>(position));
}

// Final affine solve on the corral. First two steps of iterative refinement with the kept factor:
//   z = y_b + D beta (the differences formed afresh), delta = argmin ||z + D delta|| = -R^{-1} Q^T z,
//   beta <- beta + delta,
// O(d m) each (a fresh Householder QR costs O(d m^2): ~20 us per solve at d = 128, m = 25, a fifth of
// Wolfe's time on the benchmark). When the refined weights are not all positive, a fresh Householder QR
// solve decides, as before. Either way the certificate (hull_projection.cpp) judges the point.
void MinNormPoint::polish() {
  const Index k = static_cast<Index>(corral_.size()) - 1;
  if (k == 0) {
    weights_.assign(1, 1.0);
    return;
  }
  if (refine()) return;
  Eigen::MatrixXd diff(dim_, k);
  const Vector yb = points_.row(corral_[0]).transpose();
  for (Index s = 0; s < k; ++s) diff.col(s) = points_.row(corral_[s + 1]).transpose() - yb;
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(diff);
  const Vector beta = qr.solve(Vector(-yb));
  std::vector<double> alpha(corral_.size());
  double sum = 0;
  for (Index s = 0; s < k; ++s) {
    alpha[s + 1] = beta[s];
    sum += beta[s];
  }
  alpha[0] = 1.0 - sum;
  if (std::all_of(alpha.begin(), alpha.end(), [](double a) { return a > 0; })) weights_ = alpha;
  double total = 0;
  for (double w : weights_) total += w;
  for (double& w : weights_) w /= total;
}

bool MinNormPoint::refine() {
  const Index k = static_cast<Index>(corral_.size()) - 1;
  const auto yb = points_.row(corral_[0]).transpose();
  double total = 0;
  for (double w : weights_) total += w;
  if (!(total > 0)) return false;
  Vector beta(k);
  for (Index s = 0; s < k; ++s) beta[s] = weights_[static_cast<std::size_t>(s + 1)] / total;
  Vector z(dim_);
  for (int step = 0; step < 2; ++step) {
    z = yb;
    for (Index s = 0; s < k; ++s) z += beta[s] * (points_.row(corral_[static_cast<std::size_t>(s + 1)]).transpose() - yb);
    Vector delta = -(q_.leftCols(k).transpose() * z);
    r_.topLeftCorner(k, k).triangularView<Eigen::Upper>().solveInPlace(delta);
    if (!delta.allFinite()) return false;
    beta += delta;
  }
  std::vector<double> alpha(corral_.size());
  double sum = 0;
  for (Index s = 0; s < k; ++s) {
    alpha[static_cast<std::size_t>(s + 1)] = beta[s];
    sum += beta[s];
  }
  alpha[0] = 1.0 - sum;
  if (!std::all_of(alpha.begin(), alpha.end(), [](double a) { return a > 0; })) return false;
  double norm = 0;
  for (double a : alpha) norm += a;
  for (double& a : alpha) a /= norm;
  weights_ = alpha;
  return true;
}

bool MinNormPoint::solve(Index start, int max_major_iterations, bool final_polish) {
  if (corral_.empty()) {
    corral_.assign(1, start);
    weights_.assign(1, 1.0);
  }
  const double d = static_cast<double>(dim_);
  std::vector<double> alpha;
  bool single_next = false;  // the last block add made no progress: the next major cycle adds one point
  while (true) {
    Vector& z = point_;  // members sized once: no heap allocation per major cycle
    current_point(z);
    const double zn2 = z.squaredNorm();
    const double zn = std::sqrt(zn2);
    Vector& v = point_dots_;
    v.resize(count_);
    v.noalias() = points_.topRows(count_) * z;
    // Major-cycle test for point j: ||z||^2 - <z, y_j> > margin_j, where margin_j bounds the rounding
    // of both inner products: kMarginFactor * (d + 2) u (||z|| + ||y_j||) ||z||.
    Index best = -1;
    double best_violation = 0;
    violators_.clear();
    for (Index j = 0; j < count_; ++j) {
      const double violation = zn2 - v[j];
      const double margin = kMarginFactor * (d + 2) * kUnitRoundoff * (zn + ynorm_[j]) * zn;
      if (violation > margin) {
        violators_.emplace_back(violation, j);
        if (violation > best_violation) {
          best = j;
          best_violation = violation;
        }
      }
    }
    if (best < 0) break;
    if (std::find(corral_.begin(), corral_.end(), best) != corral_.end()) {
      stalled_ = true;  // a corral point "violates": the affine solve is at rounding level
      break;
    }
    if (major_iterations_ >= max_major_iterations) {
      polish();
      return false;
    }
    ++major_iterations_;
    corral_.push_back(best);
    weights_.push_back(0.0);
    if (!append_column(best)) {
      corral_.pop_back();
      weights_.pop_back();
      stalled_ = true;
      break;
    }
    // Block add: up to kPointsPerMajor - 1 further violators, most violated first, join with the best.
    const std::size_t first_new = corral_.size() - 1;  // corral position of the first point of this major
    if (!single_next && violators_.size() > 1) {
      const std::size_t take = std::min<std::size_t>(violators_.size(), kPointsPerMajor);
      std::partial_sort(violators_.begin(), violators_.begin() + static_cast<std::ptrdiff_t>(take), violators_.end(),
                        [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
      for (std::size_t t = 0; t < take; ++t) {
        const Index j = violators_[t].second;
        if (j == best || std::find(corral_.begin(), corral_.end(), j) != corral_.end()) continue;
        corral_.push_back(j);
        weights_.push_back(0.0);
        if (!append_column(j)) {  // dependent on the corral: it stays out (only the best one is required)
          corral_.pop_back();
          weights_.pop_back();
        }
      }
    }
    bool block_add = corral_.size() > first_new + 1;
    single_next = false;
    // Minor cycles.
    bool first_minor = true;
    while (true) {
      affine_solve(alpha);
      if (std::all_of(alpha.begin(), alpha.end(), [](double a) { return a > 0; })) {
        weights_ = alpha;
        break;
      }
      // Step theta = min over alpha_s <= 0 of w_s / (w_s - alpha_s) (in (0, 1] for w_s > 0; 0 for a point
      // that joined at weight 0). Some alpha_s <= 0 exists here, so `hit` is always set; an exact
      // alpha_s = 0 (integer data) gives t = 1 and must still be the hit (before: hit defaulted to the
      // base point, whose weight was then zeroed; and 0 / 0 for a block point was NaN, never a hit).
      double theta = 1.0;
      std::size_t hit = alpha.size();
      for (std::size_t s = 0; s < alpha.size(); ++s) {
        if (alpha[s] <= 0) {
          const double t = weights_[s] <= 0 ? 0.0 : weights_[s] / (weights_[s] - alpha[s]);
          if (hit == alpha.size() || t < theta) {
            theta = t;
            hit = s;
          }
        }
      }
      for (std::size_t s = 0; s < alpha.size(); ++s) weights_[s] += theta * (alpha[s] - weights_[s]);
      weights_[hit] = 0.0;
      if (block_add && theta <= 0) {
        // Points of the block (weight 0) would leave at once: drop each with alpha <= 0 and solve again.
        // When no point of the block stays, z has not moved: the next major cycle adds one point, as
        // Wolfe's method does (whose added point provably enters with a positive weight).
        const std::size_t before = corral_.size();
        for (std::size_t s = corral_.size(); s-- > first_new;)
          if (weights_[s] <= 0 && alpha[s] <= 0) drop_corral_position(s);
        if (corral_.size() == first_new) {
          single_next = true;
          break;
        }
        if (corral_.size() < before) continue;
        block_add = false;  // the blocking point is an old one (rounding): the usual rules below decide
      }
      if (first_minor && theta <= 0 && hit + 1 == corral_.size()) {
        // The new point would leave at once (theta = 0): Wolfe's method cannot progress at this
        // precision. Undo the add and stop; the certificate judges the point reached.
        drop_corral_position(hit);
        stalled_ = true;
        polish();
        return true;
      }
      first_minor = false;
      // Drop the points whose weight reached 0, but never the last one: when rounding sends every
      // weight to <= 0 (points at ~1e-14 in d = 6, a fuzz finding: the corral became empty and the
      // factor rebuild read past it) the point with the largest weight stays.
      const std::size_t keep = static_cast<std::size_t>(
          std::max_element(weights_.begin(), weights_.end()) - weights_.begin());
      for (std::size_t s = corral_.size(); s-- > 0;) {
        if (weights_[s] <= 0 && s != keep && corral_.size() > 1) drop_corral_position(s);
      }
      if (corral_.size() == 1) {
        weights_.assign(1, 1.0);
        break;
      }
      double sum = 0;
      for (double w : weights_) sum += w;
      for (double& w : weights_) w /= sum;
    }
  }
  if (final_polish) polish();
  return true;
}

}  // namespace vashista
