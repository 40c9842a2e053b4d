// The rounding bound of a computed softmax output (bounds/softmax_rounding.hpp) against evaluations that
// follow its arithmetic model: float32 flash-decoding in the CUDA kernel's order (bfloat16 keys and values,
// online softmax per lane group, merged, divided by the sum) and the double CPU reference's log-sum-exp
// evaluation. The bound must hold on every instance, and stay small enough to catch a wrong output.
#include "bounds/softmax_rounding.hpp"
#include "core/log_sum_exp.hpp"
#include "support/float32_attention.hpp"
#include "trace/storage_dtype.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace vashista {
namespace {

struct Instance {
  Matrix keys, values;  // t x d, bfloat16 values
  Vector query;         // float32 values
  double scale = 0.0;
};

Instance make_instance(Index t, Index d, double key_spread, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> normal;
  Instance in;
  in.keys = Matrix::NullaryExpr(t, d, [&](Index, Index) { return quantize(key_spread * normal(gen), StorageDtype::bfloat16); });
  in.values = Matrix::NullaryExpr(t, d, [&](Index, Index) { return quantize(normal(gen), StorageDtype::bfloat16); });
  in.query = Vector::NullaryExpr(d, [&](Index) { return quantize(normal(gen), StorageDtype::float32); });
  in.scale = 1.0 / std::sqrt(static_cast<double>(d));
  return in;
}

// The CPU reference's evaluation (src/sparse/sparse_attention.cpp): lse of the scaled scores, then
// o = sum_i e^{x_i - lse} v_i.
Vector double_log_sum_exp(const Instance& in, double eps) {
  const Index t = in.keys.rows();
  std::vector<double> x(static_cast<size_t>(t));
  for (Index i = 0; i < t; ++i) x[static_cast<size_t>(i)] = in.scale * in.query.dot(in.keys.row(i).transpose()) / eps;
  const double lse = log_sum_exp(std::span<const double>(x.data(), x.size()));
  Vector o = Vector::Zero(in.values.cols());
  for (Index i = 0; i < t; ++i) o += std::exp(x[static_cast<size_t>(i)] - lse) * in.values.row(i).transpose();
  return o;
}

SoftmaxRoundingBound bound_for(const Instance& in, double eps, const SoftmaxRoundingModel& model) {
  const Vector logits = in.scale * (in.keys * in.query) / eps;
  const Vector abs_logits = in.scale * (in.keys.cwiseAbs() * in.query.cwiseAbs()) / eps;
  return softmax_rounding_bound(logits, abs_logits, in.values, model);
}

SoftmaxRoundingModel float32_model(Index d) {
  SoftmaxRoundingModel model;
  model.unit_roundoff = 0x1p-24;
  model.smallest_subnormal = 0x1p-149;
  model.score_roundings = score_roundings_any_order(d);
  model.normalisation = SoftmaxNormalisation::by_sum;
  return model;
}

}  // namespace

TEST_CASE("softmax rounding: float32 flash-decoding stays within the bound at every temperature") {
  const Index d = 128;
  double worst_ratio = 0.0;
  int cases = 0;
  for (Index t : {Index{1}, Index{16}, Index{300}, Index{1024}}) {
    for (double spread : {1.0, 4.0}) {
      for (double eps : {0.003, 0.01, 0.03, 0.1, 1.0}) {
        for (int groups : {1, 8}) {
          const Instance in = make_instance(t, d, spread, static_cast<unsigned>(t * 31 + groups));
          const SoftmaxRoundingBound b = bound_for(in, eps, float32_model(d));
          const double error = (test::float32_flash_decoding(in.keys, in.values, in.query, in.scale, eps, groups, 64) - b.output).norm();
          INFO("t ", t, " spread ", spread, " eps ", eps, " groups ", groups, " error ", error, " bound ", b.bound);
          CHECK(error <= b.bound);
          // Not vacuous: well below the output's own scale, so a wrong output is caught.
          CHECK(b.bound <= 0.02 * std::max(1.0, b.output.norm()));
          worst_ratio = std::max(worst_ratio, error / b.bound);
          ++cases;
        }
      }
    }
  }
  MESSAGE("float32 flash-decoding: ", cases, " cases, largest error / bound ", worst_ratio);
}

TEST_CASE("softmax rounding: the double log-sum-exp evaluation stays within its bound") {
  const Index d = 64;
  for (Index t : {Index{1}, Index{40}, Index{2000}}) {
    for (double eps : {0.001, 0.05, 1.0}) {
      const Instance in = make_instance(t, d, 3.0, static_cast<unsigned>(t + 5));
      SoftmaxRoundingModel model;
      model.unit_roundoff = 0x1p-53;
      model.smallest_subnormal = 0x1p-1074;
      model.score_roundings = score_roundings_any_order(d);
      model.normalisation = SoftmaxNormalisation::by_log_sum_exp;
      const SoftmaxRoundingBound b = bound_for(in, eps, model);
      const double error = (double_log_sum_exp(in, eps) - b.output).norm();
      INFO("t ", t, " eps ", eps, " error ", error, " bound ", b.bound);
      CHECK(error <= b.bound);
      CHECK(b.bound <= 1e-9 * std::max(1.0, b.output.norm()));
    }
  }
}

TEST_CASE("softmax rounding: closed-form parts") {
  // One token: o_T = v exactly and no weight error; what remains is the accumulation and the division,
  // 2 gamma_{10} / (1 - gamma_{10}) ||v|| + (e^{u/(1-u)} - 1)(1 + that rate) ||v|| (the cap, by max ||v_i||, is
  // below the fine form's sum by e^{2 eta}).
  SoftmaxRoundingModel model = float32_model(4);
  Matrix v(1, 3);
  v << 3.0, -4.0, 0.0;  // ||v|| = 5
  const SoftmaxRoundingBound one = softmax_rounding_bound(Vector::Constant(1, 2.0), Vector::Constant(1, 2.0), v, model);
  CHECK(one.output.isApprox(v.row(0).transpose()));
  const double u = 0x1p-24, g = 10 * u / (1 - 10 * u);
  const double rate = 2 * g / (1 - g);
  const double expected = (rate + std::expm1(u / (1 - u)) * (1.0 + rate)) * 5.0;
  CHECK(one.bound == doctest::Approx(expected).epsilon(1e-9));
  // Vacuous weights (huge logit error): the cap max_i ||v_i - o_T|| + ... applies.
  model.input_unit = 0.5;
  Matrix two(2, 3);
  two << 1.0, 0.0, 0.0, -1.0, 0.0, 0.0;
  const SoftmaxRoundingBound capped =
      softmax_rounding_bound(Vector::Constant(2, 0.0), Vector::Constant(2, 1e4), two, model);
  CHECK(capped.output.norm() == doctest::Approx(0.0).epsilon(1e-12));
  CHECK(capped.bound >= 1.0);
  CHECK(capped.bound <= 2.0);
}

TEST_CASE("softmax rounding: sums too long for the arithmetic bound nothing") {
  // bfloat16 arithmetic (u = 2^-8) over 200 tokens in any order: c_s u = 408 / 256 >= 1, so gamma is not
  // defined and the bound is +inf (never NaN, which would compare false and read as a violation).
  SoftmaxRoundingModel model;
  model.unit_roundoff = 0x1p-8;
  model.smallest_subnormal = 0x1p-133;
  model.score_roundings = score_roundings_any_order(4);
  const Index t = 200;
  const SoftmaxRoundingBound b = softmax_rounding_bound(Vector::Zero(t), Vector::Ones(t), Matrix::Ones(t, 3), model);
  CHECK(std::isinf(b.bound));
  model.sum_roundings = 40;  // an evaluation with short sums, normalised by the sum: finite again
  model.normalisation = SoftmaxNormalisation::by_sum;
  model.exponentials = 4;
  CHECK(std::isfinite(softmax_rounding_bound(Vector::Zero(t), Vector::Ones(t), Matrix::Ones(t, 3), model).bound));
}

}  // namespace vashista
