#include "solvers/key_norms.hpp"

#include "core/error.hpp"

#include <cmath>

namespace vashista {

KeyNorms::KeyNorms(const Eigen::Ref<const Matrix>& keys) : dim_(keys.cols()) { append(keys); }

void KeyNorms::append(const Eigen::Ref<const Matrix>& keys) {
  VASHISTA_CHECK(keys.cols() == dim_ && keys.rows() >= norms_.size(), ErrorKind::bad_input,
                 "key norms: keys of {} x {} cannot extend norms of {} rows of dimension {}", keys.rows(), keys.cols(),
                 norms_.size(), dim_);
  const Index old = norms_.size();
  const Vector added = keys.bottomRows(keys.rows() - old).rowwise().norm();  // committed only when all finite
  for (Index i = 0; i < added.size(); ++i)
    VASHISTA_CHECK(std::isfinite(added[i]), ErrorKind::bad_input,
                   "hull projection: keys: row {} has a non-finite entry (or its norm overflows)", old + i);
  norms_.conservativeResize(keys.rows());
  norms_.tail(added.size()) = added;
}

}  // namespace vashista
