// Theorem H1 (docs/theory.md, section 2): a-priori tail bound of the entropic hull problem.
#include "bounds/theorem_h1.hpp"

#include "core/error.hpp"
#include "core/log_sum_exp.hpp"

#include <algorithm>
#include <cmath>

namespace vashista {

double theorem_h1_eps0(double delta, double d_max, Index n) {
  if (std::isnan(delta)) return kNaN;
  if (d_max == 0 || n <= 1) return kInf;
  return delta * delta / (8 * d_max * d_max * std::log(static_cast<double>(n)));
}

TheoremH1 theorem_h1(const Eigen::Ref<const Vector>& lambda, const std::vector<Index>& face, double d_max,
                     double eps) {
  VASHISTA_CHECK(eps > 0, ErrorKind::bad_input, "theorem_h1: eps = {} must be > 0", eps);
  VASHISTA_CHECK(!face.empty(), ErrorKind::bad_input, "theorem_h1: empty face");
  const Index n = lambda.size();
  std::vector<char> in(static_cast<std::size_t>(n), 0);
  for (Index j : face) {
    VASHISTA_CHECK(j >= 0 && j < n, ErrorKind::bad_input, "theorem_h1: face index {} outside [0, {})", j, n);
    in[static_cast<std::size_t>(j)] = 1;
  }
  LogSumExp sum;
  double delta = kInf;
  Index outside = 0;
  for (Index i = 0; i < n; ++i) {
    if (in[static_cast<std::size_t>(i)]) continue;
    ++outside;
    delta = std::min(delta, lambda[i]);
    sum.add(-lambda[i] / (2 * eps));
  }
  TheoremH1 t;
  if (outside == 0) {
    t.eps0 = kInf;
    t.applicable = true;
    t.log_bound = -kInf;
    t.log_bound_closed = -kInf;
    return t;
  }
  t.eps0 = theorem_h1_eps0(delta, d_max, n);
  t.applicable = eps <= t.eps0;
  t.log_bound = sum.value();
  t.log_bound_closed = std::log(static_cast<double>(outside)) - delta / (2 * eps);
  return t;
}

}  // namespace vashista
