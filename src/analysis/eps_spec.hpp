#pragma once
// The ε-spec of `vashista sweep --eps SPEC` (docs/cli.md):
//   "0.01,0.1,1"      a list of positive temperatures;
//   "lo:hi:count"     count values log-spaced from lo to hi, both included (0 < lo <= hi, count >= 1;
//                     count must be 1 when lo == hi);
//   "auto" or "auto:count"  per query, a log-spaced range around the Theorem H1 regime (eps0) up to
//                     the deployed eps = 1 (analysis/stream_evaluation.hpp: auto_eps_range).
#include <string_view>
#include <vector>

namespace vashista {

struct EpsSpec {
  std::vector<double> values;  // sorted descending (continuation order), unique; empty when automatic
  bool automatic = false;
  int auto_count = 30;
};

/// Parses SPEC; throws Error(usage) with a one-line message naming the bad part.
EpsSpec parse_eps_spec(std::string_view spec);

/// Parses a comma-separated list of positive finite temperatures (`vashista kernel --eps`; the list form of
/// SPEC above), kept in the order given; throws Error(usage) naming --eps for an empty list, an empty item, an
/// item that is not a number or not > 0, or more than kMaxEpsValues items.
std::vector<double> parse_eps_list(std::string_view list);

/// Upper limit on the number of temperatures one spec may ask for.
constexpr int kMaxEpsValues = 10000;

}  // namespace vashista
