#pragma once
// Wolfe's minimum-norm-point algorithm on a small working set of points (docs/theory.md, section 3:
// "the exact projection: an active-set / minimum-norm-point method").
//
// Problem on the working set W (points y_j = k_j - q, i.e. coordinates centred at the query):
//   min_{w in simplex_|W|} 1/2 || sum_j w_j y_j ||^2     (= P0 restricted to W, shifted by q).
// Wolfe's method keeps a "corral" S (affinely independent points with weights w_S > 0) and its
// point z = sum_{s in S} w_s y_s.
//   Major cycle: j = argmin_{j in W} <z, y_j>; if ||z||^2 - <z, y_j> <= margin_j (the rounding
//     error of that test), z is optimal over W; else j joins S, together with up to 3 more violators
//     (the most violated; a "block add": fewer pricings of W). Points of the block that would leave at
//     once are dropped; when none stays, the next major cycle adds j alone (Wolfe's rule, under which
//     the added point provably enters with a positive weight, so ||z|| decreases and the method ends).
//   Minor cycle: alpha = affine minimum-norm point of aff{y_s : s in S} (sum alpha = 1). If alpha > 0
//     it becomes w; else move w towards alpha until a weight hits 0, drop that point, repeat.
// The affine step is solved by QR on differences D = [y_s - y_b]_{s != b} (b = base point):
//   beta = argmin || y_b + D beta || = -R^{-1} Q^T y_b,  alpha = (1 - sum beta, beta)  (Q^T y_b is kept
//   with the factor, so a minor cycle costs one triangular solve),
// never by the Gram matrix normal equations (which square the condition number). Q (d x m-1, explicit
// orthonormal columns; Gram-Schmidt, repeated when it cancels: DGKS) and R are updated in O(d m) when a
// point is added or a non-base point is dropped (Givens rotations restore the triangle); dropping the base point
// rebuilds the factor. The final answer is polished by iterative refinement of the affine solve with
// the kept factor (a fresh Householder QR solve on the corral when that does not give positive weights).
#include "core/conventions.hpp"

#include <utility>
#include <vector>

namespace vashista {

class MinNormPoint {
 public:
  explicit MinNormPoint(Index dim);

  /// Reserves room for `capacity` working-set points (avoids regrowth while points are added).
  void reserve(Index capacity);

  /// Empties the working set and the corral, keeping the allocated storage (for reuse on a new problem
  /// of the same dimension).
  void clear();
  Index dim() const { return dim_; }

  /// Adds a point to the working set (not to the corral); returns its local index.
  Index add_point(const Eigen::Ref<const Vector>& y);
  /// The same for y = point - origin, formed in the working set's storage (no temporary).
  Index add_point(const Eigen::Ref<const Vector>& point, const Eigen::Ref<const Vector>& origin);
  Index working_set_size() const { return count_; }

  /// Runs Wolfe's method over the whole working set, warm-started from the current corral (the first
  /// call starts from the point `start`). Returns false when the major-cycle limit was hit.
  /// polish = false skips the final refined affine solve on the corral (for intermediate working sets
  /// whose answer is not certified; a later solve with polish = true polishes the same corral).
  bool solve(Index start, int max_major_iterations, bool polish = true);

  /// Corral (local indices) and its barycentric weights (> 0, sum 1).
  const std::vector<Index>& corral() const { return corral_; }
  const std::vector<double>& weights() const { return weights_; }
  int major_iterations() const { return major_iterations_; }
  /// True when Wolfe's method stopped because of a numerical stall (an added point was affinely
  /// dependent on the corral at rounding level, or an add/drop cycle); the certificate decides.
  bool stalled() const { return stalled_; }

 private:
  void current_point(Vector& z) const;
  void affine_solve(std::vector<double>& alpha);
  bool append_column(Index local);  // Gram-Schmidt update of Q, R with y_local - y_base
  void drop_corral_position(std::size_t position);
  void rebuild_factor();
  void polish();
  bool refine();  // iterative refinement of the affine solve with the kept factor (see polish)

  Index dim_;
  Matrix points_;                // working-set points as rows (capacity x d), first count_ used
  Index count_ = 0;
  std::vector<double> ynorm_;    // ||y_j||
  std::vector<Index> corral_;    // corral_[0] is the base point b
  std::vector<double> weights_;  // same order as corral_
  Eigen::MatrixXd q_;            // d x cap, first corral_.size()-1 columns used
  Eigen::MatrixXd r_;            // cap x cap upper triangular, same
  Vector qtb_;                   // Q^T y_b (first corral_.size()-1 entries), updated with Q
  Vector column_;                // append_column's scratch: the new difference column (d)
  Vector coefficients_, pass_coefficients_;  // and its Gram-Schmidt coefficients (q_.cols())
  Vector point_, point_dots_;    // solve's z and <y_j, z> over the working set
  std::vector<std::pair<double, Index>> violators_;  // (violation, local index) of one major cycle
  int major_iterations_ = 0;
  bool stalled_ = false;
};

}  // namespace vashista
