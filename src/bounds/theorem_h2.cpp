// Theorem H2 (docs/theory.md, section 2): a-posteriori tail bound of the entropic hull problem.
#include "bounds/theorem_h2.hpp"

#include "core/error.hpp"
#include "core/log_sum_exp.hpp"

#include <algorithm>

namespace vashista {

double theorem_h2_log_bound(const Eigen::Ref<const Vector>& lambda, const Eigen::Ref<const Vector>& distances,
                            const std::vector<Index>& face, double rho, double eps) {
  VASHISTA_CHECK(eps > 0, ErrorKind::bad_input, "theorem_h2: eps = {} must be > 0", eps);
  VASHISTA_CHECK(rho >= 0, ErrorKind::bad_input, "theorem_h2: rho = {} must be >= 0", rho);
  const Index n = lambda.size();
  VASHISTA_CHECK(distances.size() == n, ErrorKind::bad_input, "theorem_h2: {} distances for {} multipliers",
                 distances.size(), n);
  std::vector<char> in(static_cast<std::size_t>(n), 0);
  for (Index j : face) {
    VASHISTA_CHECK(j >= 0 && j < n, ErrorKind::bad_input, "theorem_h2: face index {} outside [0, {})", j, n);
    in[static_cast<std::size_t>(j)] = 1;
  }
  LogSumExp sum;
  for (Index i = 0; i < n; ++i)
    if (!in[static_cast<std::size_t>(i)]) sum.add(std::min(0.0, (distances[i] * rho - lambda[i]) / eps));
  return sum.value();
}

}  // namespace vashista
