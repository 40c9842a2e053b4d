#pragma once
// Row norms ||k_i|| of a key matrix, kept with the keys of a stream (docs/theory.md, section 3).
//
// The exact hull projection needs ||k_i|| for its candidate pool, for the query-axis bound and for
// every rounding bound of its certificate. A norm belongs to the key, not to the query: computed once per
// stream (and once per appended key while decoding), it is reused by every query over those keys, and
// the projection's pass 1 then computes the scores <k_i, q> alone (on cache-resident keys about 2/3 of
// the time of the fused score-and-norm pass). Any summation order is allowed: the computed norm is within
// gamma_{d+1} ||k_i|| of the exact one, the rounding the certificate assumes.
// Contract: the norms must belong to the keys they are passed with (the same rows, unchanged); the
// projection checks the row count and the dimension, not the values.
#include "core/conventions.hpp"

namespace vashista {

class KeyNorms {
 public:
  KeyNorms() = default;
  /// Norms of every row. Throws Error(bad_input) on a non-finite entry or a norm beyond ~1e154 (its
  /// square overflows, which no certificate could handle).
  explicit KeyNorms(const Eigen::Ref<const Matrix>& keys);

  /// Extends the norms to all rows of `keys`, whose first size() rows are the keys already covered (a
  /// stream that grew by appended keys); only the new rows are read.
  void append(const Eigen::Ref<const Matrix>& keys);

  Index size() const { return norms_.size(); }
  Index dim() const { return dim_; }
  const Vector& values() const { return norms_; }

 private:
  Vector norms_;
  Index dim_ = 0;
};

}  // namespace vashista
