#include "bounds/softmax_rounding.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <cmath>

namespace vashista {
namespace {

/// gamma_k = k u / (1 - k u) (Higham's constant; +inf when k u >= 1).
double gamma(double k, double u) { return k * u < 1.0 ? k * u / (1.0 - k * u) : kInf; }

}  // namespace

SoftmaxRoundingBound softmax_rounding_bound(const Vector& logits, const Vector& abs_logits, const Matrix& values,
                                            const SoftmaxRoundingModel& model) {
  const Index t = logits.size();
  VASHISTA_CHECK(t >= 1 && abs_logits.size() == t && values.rows() == t, ErrorKind::internal,
                 "softmax_rounding_bound: {} logits, {} absolute sums, {} value rows", t, abs_logits.size(),
                 values.rows());
  const double u = model.unit_roundoff;
  const double td = static_cast<double>(t);
  const double ln_t = std::log(td);

  // o_T = (sum_i e^{a_i - M} v_i) / sum_i e^{a_i - M}: an evaluation of this model itself (std::exp: glibc's is
  // within 1 ulp; one division per entry). w: the weights the bound is evaluated with (its own rounding is of
  // second order).
  const double a_max = logits.maxCoeff();
  const double a_min = logits.minCoeff();
  Vector shifted(t);
  for (Index i = 0; i < t; ++i) shifted[i] = std::exp(logits[i] - a_max);
  const double total = shifted.sum();
  SoftmaxRoundingBound result;
  result.output = (values.transpose() * shifted) / total;
  const Vector w = shifted / total;

  // (1) logit rounding; eta_i: bound on each token's log-weight perturbation.
  const double gamma_score = gamma(static_cast<double>(model.score_roundings), u);
  const double score_error_max = gamma_score * abs_logits.maxCoeff();
  const double exponentials = model.exponentials > 0 ? static_cast<double>(model.exponentials) : td + 3.0;
  const double sum_roundings = model.sum_roundings > 0 ? static_cast<double>(model.sum_roundings) : 2.0 * td + 8.0;
  const double exp_chain = gamma(4.0 * exponentials, u);
  Vector eta(t);
  for (Index i = 0; i < t; ++i) {
    eta[i] = (gamma_score + model.input_unit) * abs_logits[i] +
             u * (a_max - logits[i] + 2.0 * score_error_max + ln_t + 1.0) + exp_chain;
  }
  double rho_plus = 0.0, rho_minus = 0.0;
  for (Index i = 0; i < t; ++i) {
    rho_plus += w[i] * std::expm1(eta[i]);
    rho_minus += -w[i] * std::expm1(-eta[i]);
  }

  // Row norms column by column (values is column-major).
  const Vector value_norms = values.rowwise().norm();
  const Vector spreads = (values.rowwise() - result.output.transpose()).rowwise().norm();
  const double max_value = value_norms.maxCoeff();
  const double max_spread = spreads.maxCoeff();
  double weights_term = kInf, value_sum = kInf;
  if (rho_minus < 1.0) {
    weights_term = 0.0;
    value_sum = 0.0;
    for (Index i = 0; i < t; ++i) {
      weights_term += w[i] * (std::expm1(eta[i]) + rho_plus) / (1.0 - rho_minus) * spreads[i];
      value_sum += w[i] * std::exp(eta[i]) / (1.0 - rho_minus) * value_norms[i];
    }
  }
  // (3) sums: each term sees at most c_s roundings; (input) the values' own rounding.
  const double gamma_sum = gamma(sum_roundings, u);
  const double accumulation_rate = gamma_sum < 1.0 ? 2.0 * gamma_sum / (1.0 - gamma_sum) + model.input_unit : kInf;
  // (4) normalisation.
  const double kappa_division = u / (1.0 - u);
  const double sigma = gamma(5.0 * td + 8.0, u) + std::expm1(u * (a_max - a_min + 2.0 * score_error_max + 1.0));
  const double kappa_lse = (sigma < 1.0 ? -std::log1p(-sigma) : kInf) + 2.0 * u * (ln_t + 1.0) +
                           u * (std::abs(a_max) + 2.0 * score_error_max + ln_t + 1.0);
  double kappa = kappa_division;
  if (model.normalisation == SoftmaxNormalisation::by_log_sum_exp) kappa = kappa_lse;
  if (model.normalisation == SoftmaxNormalisation::either) kappa = std::max(kappa_division, kappa_lse);
  const double normalisation_rate = std::expm1(kappa);
  // Results that underflow carry an absolute error of up to 2 subnormal ulps instead of a relative one.
  const double underflow = 4.0 * (exponentials + sum_roundings) * td * model.smallest_subnormal *
                           (max_value + result.output.norm() + std::sqrt(static_cast<double>(values.cols())));

  const double accumulation = accumulation_rate * value_sum;
  const double fine = weights_term + accumulation + normalisation_rate * (value_sum + accumulation) + underflow;
  const double coarse = max_spread + (accumulation_rate + normalisation_rate * (1.0 + accumulation_rate)) * max_value +
                        underflow;
  result.bound = std::isfinite(fine) ? std::min(fine, coarse) : coarse;
  return result;
}

}  // namespace vashista
