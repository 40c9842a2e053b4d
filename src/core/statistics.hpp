#pragma once
// Small descriptive statistics for report summaries.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace vashista {

/// Quantile q in [0,1] of the finite values (linear interpolation between order statistics,
/// "type 7"); NaN when there are no finite values.
inline double quantile(std::vector<double> values, double q) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }),
               values.end());
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(values.begin(), values.end());
  double position = q * static_cast<double>(values.size() - 1);
  auto lo = static_cast<size_t>(std::floor(position));
  auto hi = std::min(lo + 1, values.size() - 1);
  double t = position - static_cast<double>(lo);
  return values[lo] * (1.0 - t) + values[hi] * t;
}

}  // namespace vashista
