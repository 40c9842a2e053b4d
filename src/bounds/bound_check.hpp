#pragma once
// Bound check (docs/theory.md, section 3): a bound "holds" when
//   ln(measured) <= ln(bound) + kLogBoundSlack   (core/conventions.hpp).
// Any other outcome with finite or -inf inputs is a violation, to be reported with the query's
// coordinates. NaN on either side (an unresolved measurement or an inapplicable bound) is
// "not_compared", never counted as holding.
#include "core/conventions.hpp"

namespace vashista {

enum class BoundVerdict { holds, violated, not_compared };

const char* to_string(BoundVerdict verdict);

struct BoundCheck {
  BoundVerdict verdict = BoundVerdict::not_compared;
  double log_measured = kNaN;
  double log_bound = kNaN;
  double log_margin = kNaN;  // ln(bound) - ln(measured) (>= -kLogBoundSlack when it holds; may be +-inf)
};

/// holds iff log_measured <= log_bound + kLogBoundSlack (a -inf measurement always holds).
BoundCheck check_bound(double log_measured, double log_bound);

}  // namespace vashista
