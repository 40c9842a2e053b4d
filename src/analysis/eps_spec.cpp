#include "analysis/eps_spec.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <string>

namespace vashista {

namespace {

double parse_positive(std::string_view text, std::string_view spec, const char* what) {
  double value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  VASHISTA_CHECK(ec == std::errc() && ptr == end && !text.empty(), ErrorKind::usage,
                 "--eps '{}': {} '{}' is not a number", spec, what, text);
  VASHISTA_CHECK(std::isfinite(value) && value > 0, ErrorKind::usage, "--eps '{}': {} '{}' must be a positive finite number",
                 spec, what, text);
  return value;
}

int parse_count(std::string_view text, std::string_view spec) {
  int value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  VASHISTA_CHECK(ec == std::errc() && ptr == text.data() + text.size() && !text.empty(), ErrorKind::usage,
                 "--eps '{}': count '{}' is not a whole number", spec, text);
  VASHISTA_CHECK(value >= 1 && value <= kMaxEpsValues, ErrorKind::usage, "--eps '{}': count {} must lie in [1, {}]",
                 spec, value, kMaxEpsValues);
  return value;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t pos = text.find(separator, start);
    parts.push_back(text.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return parts;
}

}  // namespace

std::vector<double> parse_eps_list(std::string_view list) {
  VASHISTA_CHECK(!list.empty(), ErrorKind::usage, "--eps: the list of temperatures is empty (e.g. 0.25,0.5,1)");
  const auto parts = split(list, ',');
  VASHISTA_CHECK(static_cast<int>(parts.size()) <= kMaxEpsValues, ErrorKind::usage, "--eps: more than {} values",
                 kMaxEpsValues);
  std::vector<double> values;
  for (auto part : parts) values.push_back(parse_positive(part, list, "value"));
  return values;
}

EpsSpec parse_eps_spec(std::string_view spec) {
  EpsSpec result;
  VASHISTA_CHECK(!spec.empty(), ErrorKind::usage, "--eps: empty ε-spec (use a list 0.01,0.1,1, a range lo:hi:count or auto)");
  if (spec == "auto" || spec.substr(0, 5) == "auto:") {
    result.automatic = true;
    if (spec.size() > 4) result.auto_count = parse_count(spec.substr(5), spec);
    return result;
  }
  if (spec.find(':') != std::string_view::npos) {
    auto parts = split(spec, ':');
    VASHISTA_CHECK(parts.size() == 3, ErrorKind::usage, "--eps '{}': a range is lo:hi:count", spec);
    const double lo = parse_positive(parts[0], spec, "lo");
    const double hi = parse_positive(parts[1], spec, "hi");
    const int count = parse_count(parts[2], spec);
    VASHISTA_CHECK(lo <= hi, ErrorKind::usage, "--eps '{}': lo must not exceed hi", spec);
    VASHISTA_CHECK(lo < hi || count == 1, ErrorKind::usage, "--eps '{}': lo == hi needs count 1", spec);
    VASHISTA_CHECK(lo == hi || count >= 2, ErrorKind::usage, "--eps '{}': a range with lo < hi needs count >= 2", spec);
    for (int i = 0; i < count; ++i) {
      const double t = count == 1 ? 0.0 : static_cast<double>(i) / (count - 1);
      result.values.push_back(i == 0 ? lo : i == count - 1 ? hi : std::exp(std::log(lo) + t * (std::log(hi) - std::log(lo))));
    }
  } else {
    result.values = parse_eps_list(spec);
  }
  std::sort(result.values.begin(), result.values.end(), std::greater<>());
  result.values.erase(std::unique(result.values.begin(), result.values.end()), result.values.end());
  return result;
}

}  // namespace vashista
