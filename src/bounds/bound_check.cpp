// Bound check: ln(measured) <= ln(bound) + kLogBoundSlack (docs/theory.md, section 3).
#include "bounds/bound_check.hpp"

#include <cmath>

namespace vashista {

const char* to_string(BoundVerdict verdict) {
  switch (verdict) {
    case BoundVerdict::holds: return "holds";
    case BoundVerdict::violated: return "violated";
    case BoundVerdict::not_compared: return "not_compared";
  }
  return "unknown";
}

BoundCheck check_bound(double log_measured, double log_bound) {
  BoundCheck c;
  c.log_measured = log_measured;
  c.log_bound = log_bound;
  if (std::isnan(log_measured) || std::isnan(log_bound)) return c;
  if (log_measured == -kInf) {
    c.verdict = BoundVerdict::holds;
    c.log_margin = log_bound == -kInf ? 0.0 : kInf;
    return c;
  }
  c.log_margin = log_bound - log_measured;
  c.verdict = log_measured <= log_bound + kLogBoundSlack ? BoundVerdict::holds : BoundVerdict::violated;
  return c;
}

}  // namespace vashista
