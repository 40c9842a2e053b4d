// Theorem H3 (docs/theory.md, section 2): first-order face error x' by QR of face differences.
#include "bounds/theorem_h3.hpp"

#include "core/error.hpp"

#include <Eigen/QR>

#include <cmath>

namespace vashista {

TheoremH3 theorem_h3(const Eigen::Ref<const Matrix>& keys, const std::vector<Index>& face,
                     const Eigen::Ref<const Vector>& face_weights) {
  const Index n = keys.rows(), d = keys.cols();
  const Index m = static_cast<Index>(face.size());
  VASHISTA_CHECK(m >= 1, ErrorKind::bad_input, "theorem_h3: empty face");
  VASHISTA_CHECK(face_weights.size() == m, ErrorKind::bad_input, "theorem_h3: {} weights for a face of {} keys",
                 face_weights.size(), m);
  for (Index j : face)
    VASHISTA_CHECK(j >= 0 && j < n, ErrorKind::bad_input, "theorem_h3: face index {} outside [0, {})", j, n);
  TheoremH3 t;
  t.x_prime = Vector::Zero(d);
  t.p_prime = Vector::Zero(m);
  if (!(face_weights.array() > 0).all()) {
    t.message = "theorem_h3: strict complementarity fails (a face weight is <= 0)";
    return t;
  }
  if (m == 1) {  // a vertex: x_eps - x* is exponentially small, x' = 0
    t.applicable = true;
    t.x_prime_norm = 0;
    t.condition = 1;
    return t;
  }
  if (m - 1 > d) {
    t.message = fmt::format("theorem_h3: face of {} keys in dimension {} is affinely dependent", m, d);
    return t;
  }
  // A = E^T: column j = k_{face[j+1]} - k_{face[0]};  c_j = ln p*_0 - ln p*_{j+1}
  Eigen::MatrixXd a(d, m - 1);
  Vector c(m - 1);
  const double log_p0 = std::log(face_weights[0]);
  for (Index j = 0; j + 1 < m; ++j) {
    a.col(j) = (keys.row(face[static_cast<std::size_t>(j + 1)]) - keys.row(face[0])).transpose();
    c[j] = log_p0 - std::log(face_weights[j + 1]);
  }
  Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(a);
  qr.setThreshold(kAffineRankThreshold);
  const auto r = qr.matrixR().topLeftCorner(m - 1, m - 1).template triangularView<Eigen::Upper>();
  const double r_first = std::abs(qr.matrixR()(0, 0));
  const double r_last = std::abs(qr.matrixR()(m - 2, m - 2));
  t.condition = r_last > 0 ? r_first / r_last : kInf;
  if (qr.rank() < m - 1) {
    t.message = fmt::format("theorem_h3: face keys affinely dependent (rank {} < {}, pivot ratio {:.3g})", qr.rank(),
                            m - 1, t.condition);
    return t;
  }
  // A P = Q R;  E x = c  <=>  R^T (Q^T x) = P^T c;  minimum-norm x = Q_1 z with R^T z = P^T c.
  const Vector pc = qr.colsPermutation().transpose() * c;
  const Vector z = r.transpose().solve(pc);
  Vector qz = Vector::Zero(d);
  qz.head(m - 1) = z;
  t.x_prime = qr.householderQ() * qz;
  // p' = Z w with A w = x'  =>  R P^T w = z
  const Vector pw = r.solve(z);
  const Vector w = qr.colsPermutation() * pw;
  t.p_prime[0] = -w.sum();
  t.p_prime.tail(m - 1) = w;
  t.x_prime_norm = t.x_prime.norm();
  t.applicable = true;
  return t;
}

}  // namespace vashista
