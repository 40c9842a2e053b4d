#pragma once
// Exact duplicate rows of a key matrix (e.g. the zero rows of a zero-padded cache). Keys that are equal as
// vectors (every coordinate ==, so -0.0 equals 0.0) are one key for every solver: the entropic problem
// gives each copy the same weight, so it can run on the distinct rows with ln(multiplicity) added to their
// logits (solvers/entropic_hull.cpp).
//
// Cost: a hash of at most 8 sampled coordinates per row into an open-addressing table; only when a sample
// hash repeats, a hash of every coordinate, a sort of the n hashes and comparisons of the rows within a
// run of equal hashes. When no row repeats, nothing is copied (`merged` is false).
#include "core/conventions.hpp"

#include <vector>

namespace vashista {

struct DistinctRows {
  bool merged = false;            // some row repeats; the fields below are filled only then
  Matrix rows;                    // the distinct rows, in order of first occurrence
  Vector multiplicity;            // copies of each distinct row (>= 1, sums to n)
  std::vector<Index> distinct_of; // row i of the input is rows.row(distinct_of[i])
};

DistinctRows distinct_rows(const Eigen::Ref<const Matrix>& keys);

}  // namespace vashista
