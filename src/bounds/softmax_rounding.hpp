#pragma once
// A-priori bound on the rounding error of a computed softmax-weighted output (docs/kernel.md, "Rounding
// allowance"). Exact quantities over a token set T (|T| = t):
//   a_i = tau <q, k_i> / eps,  w_i = e^{a_i} / sum_j e^{a_j},  o_T = sum_i w_i v_i,
// and S_i = tau sum_d |q_d k_{i,d}| / eps >= |a_i|. A kernel that evaluates o_T in floating point of unit
// roundoff u within this arithmetic model:
//   (1) each logit from the products q_d k_{i,d} and the scalars tau, 1/eps with at most r roundings on any
//       product's path (r = D + 6 for any summation order, fused or not): |x_i - a_i| <= gamma_r S_i;
//   (2) each exponential within 2 ulp (relative 4u) of the exponential of its computed argument; every
//       argument a difference of computed logits and running maxima (or of a logit and the computed
//       log-sum-exp), rounded once; a token's weight passes through at most c_e exponentials (c_e = t + 3
//       for any order of evaluation), whose arguments along the token's path add up to at most
//       M - a_i + 2 max_j gamma_r S_j + ln t + 1;
//   (3) sums and rescalings in any order, each term rounded at most c_s times (c_s = 2t + 8 for any order);
//   (4) normalised either by the computed sum of weights (one division; the CUDA kernel's flash-decoding)
//       or by the computed log-sum-exp (weights e^{x_i - L}; the CPU reference);
// and whose inputs q, k, v are the given ones, up to a relative rounding `input_unit` of k and v (0 when the
// trace's keys and values are exactly representable in the kernel's cache dtype), satisfies
//   ||o_computed - o_T|| <= R (below), which this file computes in double.
// With gamma_k = k u / (1 - k u) and eta_i the bound on a token's log-weight perturbation,
//   eta_i = (gamma_r + input_unit) S_i + u (M - a_i + 2 eta_max^score + ln t + 1) + gamma_{4 c_e},
//   rho+ = sum_j w_j (e^{eta_j} - 1),  rho- = sum_j w_j (1 - e^{-eta_j})   (perturbed weights p_i:
//   |p_i - w_i| <= w_i (e^{eta_i} - 1 + rho+) / (1 - rho-)),
//   R = sum_i w_i (e^{eta_i} - 1 + rho+) / (1 - rho-) ||v_i - o_T||                  (weights)
//     + (2 gamma_{c_s} / (1 - gamma_{c_s}) + input_unit) V                           (accumulation, values)
//     + (e^{kappa} - 1) (V + accumulation)                                           (normalisation)
//     + underflow,  V = sum_i w_i e^{eta_i} / (1 - rho-) ||v_i|| >= sum_i p_i ||v_i||,
// kappa = u / (1 - u) for the division, or for the log-sum-exp its rounding
//   -ln(1 - sigma) + 2u (ln t + 1) + u (|M| + 2 eta_max^score + ln t + 1),
//   sigma = gamma_{5t+8} + e^{u (M - a_min + 2 eta_max^score + 1)} - 1   (relative error of the computed sum);
// and R is capped by the always-valid max_i ||v_i - o_T|| + (accumulation + normalisation) max_i ||v_i||.
#include "core/conventions.hpp"

namespace vashista {

/// How an evaluation normalises its weights: by the computed sum (one division) or by the computed
/// log-sum-exp; `either` bounds both (for kernels whose evaluation is not known).
enum class SoftmaxNormalisation { by_sum, by_log_sum_exp, either };

struct SoftmaxRoundingModel {
  double unit_roundoff = 0x1p-24;    // u of the arithmetic
  double smallest_subnormal = 0x1p-149;  // of the arithmetic (absolute error of results that underflow)
  double input_unit = 0.0;           // relative rounding of the kernel's k and v against the given ones
  /// r: roundings on any product's path into its logit; D + 6 covers any order of a D-term dot product
  /// plus the conversions and scalings of q, tau and eps (score_roundings_any_order).
  Index score_roundings = 0;
  /// c_e: exponentials on a token's path, c_s: roundings of a term in the sums; 0 means any order of
  /// evaluation (t + 3 and 2t + 8 for t tokens).
  Index exponentials = 0;
  Index sum_roundings = 0;
  SoftmaxNormalisation normalisation = SoftmaxNormalisation::either;
};

/// r for a D-term dot product summed in any order (each term rounded at most D times) plus six roundings
/// of the query's conversion and its scaling by tau / eps.
constexpr Index score_roundings_any_order(Index d) { return d + 6; }

struct SoftmaxRoundingBound {
  Vector output;       // o_T, computed in double within this model (max-shifted weights, sum divided by theirs)
  double bound = kNaN;  // R: ||o_computed - o_T|| <= R within the model; +inf when the model bounds nothing
                        // (e.g. c_s u >= 1: sums too long for the arithmetic)
};

/// The exact output o_T over the rows of `values` (t x d_v) with logits a (t) and absolute logit sums S (t),
/// and the rounding bound R of an evaluation in `model`. Requires t >= 1 and finite inputs.
SoftmaxRoundingBound softmax_rounding_bound(const Vector& logits, const Vector& abs_logits, const Matrix& values,
                                            const SoftmaxRoundingModel& model);

}  // namespace vashista
