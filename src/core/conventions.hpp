#pragma once
// Conventions stated once for the whole toolkit.
//
// Storage order: a set of n vectors in R^d is an n x d row-major matrix (one key / value / query per
//   row), type vashista::Matrix. Row i of the keys is k_i.
// Index base: every index (key, query, page, stream row) is 0-based, in files and in reports.
// Precision: every computation is in double, whatever the storage dtype of the trace
//   (float64/32/16 and bfloat16 are converted to double when read).
// Temperature: `eps` is the softmax temperature (1 = deployed attention). Scores are
//   s_i = scale * <q, k_i>. The hull model works on raw vectors with regulariser
//   eps_hull = eps / scale (docs/theory.md, "One temperature for both models").
// Tail masses are carried as natural logarithms (ln m_out); reports print log10 values.
// A bound "holds" when ln(measured) <= ln(bound) + kLogBoundSlack (rounding slack, below).
#include <Eigen/Core>

#include <cstdint>
#include <limits>

namespace vashista {

using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::VectorXd;
using Index = Eigen::Index;

/// Absolute slack, in natural-log units, allowed between ln(measured) and ln(bound) before a
/// bound counts as violated. It covers double rounding in the log-sum-exp evaluations
/// (relative error ~1e-12 in each sum); a real violation of a theorem is far larger.
constexpr double kLogBoundSlack = 1e-9;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace vashista
