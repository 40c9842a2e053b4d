#pragma once
// Log-domain sums: LSE(a) = ln sum_i exp(a_i), computed as m + ln sum_i exp(a_i - m), m = max a_i.
// LSE of an empty set is -inf (the log of an empty sum). Tail masses are always formed as
// ln m_out = LSE(outside) - LSE(all), never as 1 - (mass inside) (docs/theory.md, section 3).
#include <cmath>
#include <limits>
#include <span>

namespace vashista {

/// Streaming log-sum-exp accumulator: add terms one by one, read ln(sum).
class LogSumExp {
 public:
  void add(double log_term) {
    if (log_term == -std::numeric_limits<double>::infinity()) return;
    if (log_term <= max_) {
      sum_ += std::exp(log_term - max_);
    } else {
      sum_ = sum_ * std::exp(max_ - log_term) + 1.0;
      max_ = log_term;
    }
  }
  void merge(const LogSumExp& other) {
    if (other.empty()) return;
    add_scaled(other.max_, other.sum_);
  }
  bool empty() const { return max_ == -std::numeric_limits<double>::infinity(); }
  double value() const { return empty() ? -std::numeric_limits<double>::infinity() : max_ + std::log(sum_); }

 private:
  void add_scaled(double log_base, double multiple) {  // adds multiple * exp(log_base)
    if (log_base <= max_) {
      sum_ += multiple * std::exp(log_base - max_);
    } else {
      sum_ = sum_ * std::exp(max_ - log_base) + multiple;
      max_ = log_base;
    }
  }
  double max_ = -std::numeric_limits<double>::infinity();
  double sum_ = 0.0;
};

inline double log_sum_exp(std::span<const double> values) {
  LogSumExp acc;
  for (double v : values) acc.add(v);
  return acc.value();
}

/// ln(1 - exp(x)) for x < 0, accurate for x near 0 and for x very negative.
inline double log1m_exp(double x) {
  return x > -0.6931471805599453 ? std::log(-std::expm1(x)) : std::log1p(-std::exp(x));
}

/// ln(exp(a) + exp(b)).
inline double log_add_exp(double a, double b) {
  if (a < b) std::swap(a, b);
  if (b == -std::numeric_limits<double>::infinity()) return a;
  return a + std::log1p(std::exp(b - a));
}

}  // namespace vashista
