#include "analysis/softmax_check.hpp"

#include "solvers/softmax_model.hpp"

#include <cmath>

namespace vashista {

QueryRecord check_softmax_query(const Stream& stream, Index j, double eps, double delta_target) {
  const Index n = stream.visible_keys(j);
  const Vector scores = stream.scale * (stream.keys.topRows(n) * stream.queries.row(j).transpose());
  SoftmaxOptions options;
  options.eps = eps;
  options.delta_target = delta_target;
  options.eta = 0.0;  // reports use the exact-tie face
  const SoftmaxAnalysis a = analyze_softmax(scores, options);

  QueryRecord r;
  r.stream = stream.name;
  r.query = j;
  r.model = Model::softmax;
  r.n = n;
  r.eps = eps;
  r.face = a.face;
  r.face_size = static_cast<Index>(a.face.size());
  r.k_eff = static_cast<double>(a.k_eff);
  r.eps_star = a.eps_star;
  if (r.face_size == n) {  // every score ties: no key outside the face, nothing to bound
    r.status = "no_gap";
    r.log10_tail_measured = -kInf;
    r.note = "all scores tie";
    return r;
  }
  r.status = "certified";  // the softmax face is exact: lambda_i = s_max - s_i in double
  r.delta = a.delta;
  r.delta_lo = a.delta;
  r.delta_hi = a.delta;
  r.bound = "S";
  r.log10_tail_measured = a.log_tail_measured / std::log(10.0);
  r.log10_tail_bound = a.log_bound_bs / std::log(10.0);
  r.bound_holds = a.log_tail_measured <= a.log_bound_bs + kLogBoundSlack;
  r.safe = a.log_bound_bs <= std::log(delta_target);
  if (!*r.bound_holds) r.note = "Theorem S violated: m_out > B_S";
  return r;
}

}  // namespace vashista
