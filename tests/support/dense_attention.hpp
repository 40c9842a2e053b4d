#pragma once
// Exact dense attention of one query in double precision: the reference the sparse-kernel tests
// (tests/sparse) compare against. With s_i = scale <k_i, q> / eps and S = the keys of the selected pages,
//   lse_all = ln sum_i exp(s_i),   ln m_out(S) = ln sum_{i not in S} exp(s_i) - lse_all,
//   o = sum_i exp(s_i - lse_all) v_i   (docs/kernel.md).
#include "core/conventions.hpp"
#include "core/log_sum_exp.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace vashista::test {

struct DenseAttention {
  double lse_all;
  double log_mass_out;  // ln m_out(S); -inf when S holds every key
  Vector output;
};

inline DenseAttention dense_attention(const Matrix& keys, const Matrix& values, const Vector& q, double scale,
                                      double eps, const std::vector<Index>& selected_pages, int page_size) {
  const Index n = keys.rows();
  const Vector s = scale * (keys * q) / eps;
  std::vector<char> in_s(static_cast<size_t>(n), 0);
  for (Index p : selected_pages) {
    for (Index i = p * page_size; i < std::min<Index>(n, (p + 1) * page_size); ++i) in_s[static_cast<size_t>(i)] = 1;
  }
  LogSumExp all, out;
  for (Index i = 0; i < n; ++i) {
    all.add(s[i]);
    if (!in_s[static_cast<size_t>(i)]) out.add(s[i]);
  }
  DenseAttention dense;
  dense.lse_all = all.value();
  dense.log_mass_out = out.value() - dense.lse_all;
  dense.output = Vector::Zero(values.cols());
  for (Index i = 0; i < n; ++i) dense.output += std::exp(s[i] - dense.lse_all) * values.row(i).transpose();
  return dense;
}

}  // namespace vashista::test
