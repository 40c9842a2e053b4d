// Theorem S (docs/theory.md, section 1); wraps solvers/softmax_model.
#include "bounds/theorem_s.hpp"

#include "solvers/softmax_model.hpp"

namespace vashista {

TheoremS theorem_s(const Eigen::Ref<const Vector>& scores, double eps, double eta) {
  SoftmaxOptions options;
  options.eps = eps;
  options.eta = eta;
  const SoftmaxAnalysis a = analyze_softmax(scores, options);
  TheoremS t;
  t.face = a.face;
  t.delta = a.delta;
  t.log_tail = a.log_tail_measured;
  t.log_bound_bs = a.log_bound_bs;
  t.log_bound_closed = a.log_bound_closed;
  return t;
}

}  // namespace vashista
